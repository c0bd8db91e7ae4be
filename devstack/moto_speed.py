"""moto at the cost of the work asked of it: the embedded stack's emulation made fast, answers unchanged.

A long simulation spends nearly all its time in moto, not in the desk. Three costs grow with the
work, and each patch removes one while leaving moto's own code to decide every answer:

- Queries (`keyed queries`). moto answers every Query by sorting and walking all the items of the
  table, a global secondary index's too, so each read costs O(table) and a month turns quadratic.
  On AWS a query reads one partition. moto's query code is handed only the items that can match
  (the table's items under the queried hash key, or for a GSI the items whose index hash attributes
  have the queried values), so its sort-key conditions, ordering, pagination, projections and
  filters all stay moto's. The GSI hash values are kept per table as items are written (every item
  write of moto passes through Table.put_item, Table.delete_item or DynamoDBBackend.update_item,
  each under atomic.py's lock); a table or index not seen yet is indexed on its first query.
- Responses (`cached aliases`). moto's response serializer looks up every member of every output
  shape under up to a dozen alias spellings it recomputes each time (for DynamoDB: every member of
  every attribute value of every item). For a plain dict the spellings depend only on the shape, so
  they are computed once per shape and member, and tried in the same order.
- Items (`linear item size`, `cached scalar sizes`). moto checks the 400 KB item limit by summing
  the whole item at every attribute it sets, O(attributes²) per written item; building an item makes
  the same check with a running sum, and a scalar attribute's size is measured once per value.
- Requests (`the response handler's method names`): the list of a handler class's methods, made
  with inspect on every request, is kept per class.
- Updates (`update expressions`): an UpdateItem's expression is parsed once per text, and the
  validators' walks over it look their node classes up once; its three static checks run once per
  text, attribute names and table keys it passed them with (`the update expression's static checks`).
- Conditions (`condition expressions`): a condition's tokens are kept by its text; reserved words are
  looked up in a set (`reserved words`).
- Responses again (`the request id in XML bodies`): moto's scan of every body for an XML <RequestId>
  is skipped for a body without one; S3's URL table is reloaded only when its setting changes
  (`S3's URL table`).

devstack/moto_direct.py, besides, hands the in-process stack's DynamoDB calls to moto's handler
without the stubbed HTTP request.
"""
from __future__ import annotations

import functools
import threading

from .atomic import _LOCK

_STATE = "_rf_gsi"
_chosen = threading.local()


def _item_order(item):
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


class _GsiKeys:
    """For each GSI of one table: its hash values → the table keys of the items that have them."""

    def __init__(self):
        self.attrs: dict[str, tuple[str, ...]] = {}
        self.buckets: dict[str, dict[tuple, dict[tuple, None]]] = {}
        self.placed: dict[str, dict[tuple, tuple]] = {}

    def ensure(self, table, index) -> None:
        attrs = tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
        if self.attrs.get(index.name) == attrs:
            return
        self.attrs[index.name] = attrs
        self.buckets[index.name] = {}
        self.placed[index.name] = {}
        for item in _every_item(table):
            self._place(index.name, attrs, (item.hash_key, item.range_key), item)

    def _place(self, name: str, attrs: tuple[str, ...], key: tuple, item) -> None:
        placed, buckets = self.placed[name], self.buckets[name]
        old = placed.pop(key, None)
        if old is not None:
            bucket = buckets.get(old)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del buckets[old]
        if item is None:
            return
        values = tuple(item.attrs.get(a) for a in attrs)
        if any(v is None for v in values):
            return
        placed[key] = values
        buckets.setdefault(values, {})[key] = None

    def update(self, table, key: tuple) -> None:
        item = _get(table, *key)
        for name, attrs in self.attrs.items():
            self._place(name, attrs, key, item)


def _every_item(table) -> list:
    if table.range_key_attr:
        return [item for by_range in table.items.values() for item in by_range.values()]
    return list(table.items.values())


def _get(table, hash_key, range_key):
    if table.range_key_attr:
        return (table.items.get(hash_key) or {}).get(range_key)
    return table.items.get(hash_key)


def reindex(table, hash_key, range_key) -> None:
    """The GSI entries of one item follow what the table now holds (also after a rolled-back transaction)."""
    state = table.__dict__.get(_STATE)
    if state is not None:
        state.update(table, (hash_key, range_key))


def _candidates(table, index_name, hash_key, hash_key_conditions) -> list | None:
    """The items the query can match, in moto's walking order; None: let moto walk them all."""
    from moto.dynamodb.models.table import GlobalSecondaryIndex

    with _LOCK:
        if not index_name or any(i.name == index_name for i in table.indexes):
            value = hash_key
            if index_name:
                value = dict(hash_key_conditions or {}).get(table.hash_key_attr)
            if value is None:
                return None
            found = table.items.get(value)
            if found is None:
                return []
            items = list(found.values()) if table.range_key_attr else [found]
        else:
            index = next((i for i in table.global_indexes if i.name == index_name), None)
            if not isinstance(index, GlobalSecondaryIndex):
                return None
            conditions = dict(hash_key_conditions or {})
            attrs = tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            if not attrs or any(a not in conditions for a in attrs):
                return None
            state = table.__dict__.get(_STATE)
            if state is None:
                state = table.__dict__.setdefault(_STATE, _GsiKeys())
            state.ensure(table, index)
            keys = state.buckets[index_name].get(tuple(conditions[a] for a in attrs)) or {}
            items = [item for item in (_get(table, *key) for key in keys) if item is not None]
    return sorted(items, key=_item_order)


def _keyed_queries() -> None:
    """moto's Table.query walks only the queried partition (table or GSI)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    query, all_items = Table.query, Table.all_items
    put_item, delete_item, update_item = Table.put_item, Table.delete_item, DynamoDBBackend.update_item

    @functools.wraps(all_items)
    def chosen_items(self):
        chosen = getattr(_chosen, "items", None)
        if chosen is not None and chosen[0] is self:
            return chosen[1]
        return all_items(self)

    @functools.wraps(query)
    def keyed_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
                    projection_expressions, index_name=None, consistent_read=False, filter_expression=None,
                    hash_key_conditions=None, range_key_conditions=None, **filter_kwargs):
        items = _candidates(self, index_name, hash_key, hash_key_conditions)
        before = getattr(_chosen, "items", None)
        _chosen.items = None if items is None else (self, items)
        try:
            return query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                         scan_index_forward, projection_expressions, index_name, consistent_read, filter_expression,
                         hash_key_conditions=hash_key_conditions, range_key_conditions=range_key_conditions,
                         **filter_kwargs)
        finally:
            _chosen.items = before

    @functools.wraps(put_item)
    def indexed_put(self, item_attrs, *args, **kwargs):
        with _LOCK:
            item = put_item(self, item_attrs, *args, **kwargs)
            reindex(self, item.hash_key, item.range_key)
            return item

    @functools.wraps(delete_item)
    def indexed_delete(self, hash_key, range_key):
        with _LOCK:
            item = delete_item(self, hash_key, range_key)
            if item is not None:
                reindex(self, item.hash_key, item.range_key)
            return item

    @functools.wraps(update_item)
    def indexed_update(self, table_name, key, *args, **kwargs):
        """Update expressions change the item in place: its index entries follow, even after a failure."""
        from moto.dynamodb.models.dynamo_type import DynamoType

        with _LOCK:
            try:
                return update_item(self, table_name, key, *args, **kwargs)
            finally:
                table = self.tables.get(table_name)
                if table is not None and isinstance(key, dict) and table.hash_key_attr in key:
                    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
                    reindex(table, DynamoType(key[table.hash_key_attr]), range_key)

    Table.all_items = chosen_items
    Table.query = keyed_query
    Table.put_item = indexed_put
    Table.delete_item = indexed_delete
    DynamoDBBackend.update_item = indexed_update


# --- cached aliases ---------------------------------------------------------------------------------

_ALIASES: dict[tuple[int, int, str], tuple] = {}
"""(id of the member shape, id of its parent, member name) → (shape, parent, the keys to try or None)."""


def _cached_aliases() -> None:
    """ResponseSerializer.get_value on a plain dict: the picker's keys, computed once per member."""
    from moto.core import serialize

    original = serialize.ResponseSerializer.get_value

    @functools.wraps(original)
    def get_value(self, value, key, shape):
        picker = self._value_picker
        if type(value) is not dict or type(picker) is not serialize.XFormedAttributePicker \
                or picker.alias_providers is not serialize.DEFAULT_ALIAS_PROVIDERS or picker.response_transformers:
            return original(self, value, key, shape)
        parent = getattr(shape, "parent", None)
        entry = _ALIASES.get((id(shape), id(parent), key))
        if entry is None or entry[0] is not shape or entry[1] is not parent:
            context = serialize.AttributePickerContext(obj={}, key=key, shape=shape,
                                                       operation_model=self.operation_model,
                                                       service_model=self.service_model)
            keys = tuple(picker.get_possible_keys(context))
            entry = (shape, parent, None if any("." in k for k in keys) else keys)
            _ALIASES[(id(shape), id(parent), key)] = entry
        keys = entry[2]
        if keys is None:
            return original(self, value, key, shape)
        for possible in keys:
            if possible in value:
                return value[possible]
        return None

    serialize.ResponseSerializer.get_value = get_value


# --- linear item size -------------------------------------------------------------------------------

def _linear_item_size() -> None:
    """Item(...) checks moto's item size limit as it adds each attribute with a running sum; setting an
    attribute later still sums the item, with attribute names measured once."""
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.utilities import bytesize

    limit = 405000
    """moto's own figure (LimitedSizeDict.__setitem__)."""

    def __init__(self, hash_key, range_key, attrs):
        self.hash_key = hash_key
        self.range_key = range_key
        self.attrs = dynamo_type.LimitedSizeDict()
        size = 0
        for key, value in attrs.items():
            value = dynamo_type.DynamoType(value)
            size += bytesize(key) + value.size()
            if size > limit:
                raise dynamo_type.ItemSizeTooLarge
            dict.__setitem__(self.attrs, key, value)

    functools.update_wrapper(__init__, dynamo_type.Item.__init__)
    dynamo_type.Item.__init__ = __init__

    original_setitem = dynamo_type.LimitedSizeDict.__setitem__
    names: dict[str, int] = {}

    def measure(part) -> int:
        if type(part) is dynamo_type.DynamoType:
            return part.size()
        if type(part) is str:
            known = names.get(part)
            if known is None:
                if len(names) > 65536:
                    names.clear()
                known = names[part] = bytesize(part)
            return known
        return bytesize(str(part))

    @functools.wraps(original_setitem)
    def __setitem__(self, key, value):
        current = sum(measure(k) + measure(v) for k, v in dict.items(self))
        new = bytesize(key) + (value.size() if type(value) is dynamo_type.DynamoType else bytesize(str(value)))
        if current + new > limit:
            raise dynamo_type.ItemSizeTooLarge
        dict.__setitem__(self, key, value)

    dynamo_type.LimitedSizeDict.__setitem__ = __setitem__


# --- cached scalar sizes ----------------------------------------------------------------------------

_SCALARS = (str, bytes, bool, int, float)


def _cached_scalar_sizes() -> None:
    """DynamoType.size of a string, number, binary or boolean is kept with the value it measured.

    moto re-measures every attribute of an item each time it sets one (LimitedSizeDict), so an update
    of a few counters on a wide item measures the whole item a few times over. A scalar's size is a
    function of its type and its value, and those values are immutable, so the size is reused while
    the DynamoType still holds the very same value object and type."""
    from moto.dynamodb.models import dynamo_type

    original = dynamo_type.DynamoType.size

    @functools.wraps(original)
    def size(self):
        value = self.value
        if type(value) not in _SCALARS:
            return original(self)
        cached = self.__dict__.get("_rf_size")
        if cached is not None and cached[0] is value and cached[1] == self.type:
            return cached[2]
        measured = original(self)
        self.__dict__["_rf_size"] = (value, self.type, measured)
        return measured

    dynamo_type.DynamoType.size = size


# --- the response handler's method names ------------------------------------------------------------

def _cached_method_names() -> None:
    """moto lists a response class's functions with inspect.getmembers on every request; the list is
    kept per class while no class of its MRO gains or loses an attribute."""
    from moto.core import responses

    original = responses.method_names_from_class
    kept: dict[type, tuple] = {}

    @functools.wraps(original)
    def method_names_from_class(clazz):
        shape = tuple(len(c.__dict__) for c in getattr(clazz, "__mro__", ()))
        entry = kept.get(clazz)
        if entry is None or entry[0] != shape:
            entry = (shape, original(clazz))
            kept[clazz] = entry
        return entry[1]

    responses.method_names_from_class = method_names_from_class


# --- update expressions -----------------------------------------------------------------------------

_PARSED: dict[str, object] = {}
_NODE_TYPES: dict[type, bool] = {}
_CHOICE: dict[tuple[type, type], int] = {}


def _quicker_update_expressions() -> None:
    """An UpdateItem parses its expression twice, deep-copies the tree, and walks it with ten processors
    that each look up their node classes for every node. The same steps, with the repetition kept:
    a parsed expression is kept by its text (moto only reads it: each validation works on its own
    deep copy); a processor's node classes are looked up once per processor, and which of them a node
    is, once per processor class and node class; a node is deep-copied attribute by attribute as
    copy.deepcopy does, without its generic reduce protocol."""
    import copy

    from moto.dynamodb.parsing import ast_nodes, expressions

    make = expressions.UpdateExpressionParser.make.__func__

    @functools.wraps(make)
    def cached_make(cls, expression_str):
        if cls is not expressions.UpdateExpressionParser or type(expression_str) is not str:
            return make(cls, expression_str)
        tree = _PARSED.get(expression_str)
        if tree is None:
            tree = make(cls, expression_str)
            if len(_PARSED) > 4096:
                _PARSED.clear()
            _PARSED[expression_str] = tree
        return tree

    def is_node(node) -> bool:
        kind = type(node)
        known = _NODE_TYPES.get(kind)
        if known is None:
            known = _NODE_TYPES[kind] = isinstance(node, ast_nodes.Node)
        return known

    original_traverse = ast_nodes.DepthFirstTraverser.traverse_node_recursively

    @functools.wraps(original_traverse)
    def traverse_node_recursively(self, node, child_id=-1):
        if is_node(node):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    self.pre_processing_of_child(node, i)
                    self.traverse_node_recursively(child_node, i)
            processors = self.__dict__.get("_rf_processors")
            if processors is None:
                processors = self.__dict__["_rf_processors"] = list(self._processing_map().items())
            key = (type(self), type(node))
            choice = _CHOICE.get(key)
            if choice is None:
                choice = _CHOICE[key] = next(
                    (n for n, (kind, _) in enumerate(processors) if isinstance(node, kind)), -1)
            if choice >= 0:
                node = processors[choice][1](node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    def __deepcopy__(self, memo):
        cls = self.__class__
        result = cls.__new__(cls)
        memo[id(self)] = result
        result.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return result

    expressions.UpdateExpressionParser.make = classmethod(cached_make)
    ast_nodes.DepthFirstTraverser.traverse_node_recursively = traverse_node_recursively
    ast_nodes.Node.__deepcopy__ = __deepcopy__



# --- condition expressions --------------------------------------------------------------------------

_LEXED: dict[str, tuple] = {}


def _cached_condition_lexing() -> None:
    """A condition (or filter) expression's tokens are kept by its text: moto's lexer compiles its
    token patterns again for every token, and a put or update's condition is the same few texts over
    and over. The tokens are immutable tuples whose child lists no later step changes (each step
    builds new nodes); an expression the lexer refuses is not kept, so it is refused again."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser._lex_condition_expression

    @functools.wraps(original)
    def lex(self):
        from collections import deque

        text = self.condition_expression
        if type(text) is not str:
            return original(self)
        nodes = _LEXED.get(text)
        if nodes is None:
            nodes = tuple(original(self))
            if len(_LEXED) > 4096:
                _LEXED.clear()
            _LEXED[text] = nodes
        return deque(nodes)

    ConditionExpressionParser._lex_condition_expression = lex


# --- the update expression's static checks ----------------------------------------------------------

_CHECKED: dict[int, tuple[object, set]] = {}
"""id of a parsed update expression → (the expression, the (names, key attributes) it passed the checks with)."""
_STATIC = ("ActionCountValidator", "OverlappingPathsValidator", "UpdateHashRangeKeyValidator")


def _checked_update_expressions() -> None:
    """An UpdateItem's expression goes through ten processors; the first three only check it (at most
    one clause of each kind, no overlapping paths, no key attribute set) from its text, its attribute
    names and the table's key attributes, and hand it on unchanged. An expression that passed them
    with the same names and keys skips them; one that failed is checked again, and fails the same way."""
    from moto.dynamodb.parsing import validators

    cls = validators.UpdateExpressionValidator
    original_init, original_validate = cls.__init__, cls.validate

    @functools.wraps(original_init)
    def __init__(self, expression, *args, **kwargs):
        original_init(self, expression, *args, **kwargs)
        self._rf_source = expression

    @functools.wraps(original_validate)
    def validate(self):
        processors = self.processors
        source = self.__dict__.get("_rf_source")
        if source is None or tuple(type(p).__name__ for p in processors[:3]) != _STATIC:
            return original_validate(self)
        key = (tuple(sorted((self.expression_attribute_names or {}).items())), tuple(self.table.table_key_attrs))
        entry = _CHECKED.get(id(source))
        if entry is None or entry[0] is not source:
            if len(_CHECKED) > 4096:
                _CHECKED.clear()
            entry = _CHECKED[id(source)] = (source, set())
        node = self.node_to_validate
        if key not in entry[1]:
            for processor in processors[:3]:
                node = processor.traverse(node)
            entry[1].add(key)
        for processor in processors[3:]:
            node = processor.traverse(node)
        return node

    cls.__init__ = __init__
    cls.validate = validate


# --- the request id in XML bodies -------------------------------------------------------------------

def _request_id_only_in_xml() -> None:
    """moto writes its request id into every response body with a regular expression looking for
    <RequestId>, which scans the whole of every JSON body for nothing; a body without the tag is
    left as that scan leaves it."""
    from moto.core import responses

    original = responses.BaseResponse.__dict__["_enrich_response"].__func__

    @functools.wraps(original)
    def _enrich_response(headers, body):
        if type(body) is str and "<RequestId>" not in body:
            if "status" in headers:
                headers["status"] = str(headers["status"])
            responses.gen_amzn_requestid_long(headers)
            return headers, body
        return original(headers, body)

    responses.BaseResponse._enrich_response = staticmethod(_enrich_response)


# --- S3's URL table ---------------------------------------------------------------------------------

def _s3_urls_reloaded_when_they_change() -> None:
    """moto's S3 backend reloads its urls module twice for every S3 request, because its URL patterns
    read MOTO_S3_CUSTOM_ENDPOINTS when the module runs. The module is reloaded when that variable has
    changed since the last load, so the patterns are the ones a reload would give."""
    import os
    from importlib import reload

    from moto.s3.models import S3Backend

    original = S3Backend.__dict__["_url_module"]
    loaded: dict[str, object] = {}

    def _url_module(self):
        import moto.s3.urls as backend_urls_module

        endpoints = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS")
        if loaded.get("module") is not backend_urls_module or loaded.get("endpoints") != endpoints:
            reload(backend_urls_module)
            loaded.update(module=backend_urls_module, endpoints=endpoints)
        return backend_urls_module

    _url_module.__wrapped__ = original.fget
    S3Backend._url_module = property(_url_module, doc=original.__doc__)


# --- reserved words ---------------------------------------------------------------------------------

class _Words(list):
    """moto's list of DynamoDB's reserved words, looked up in a set: moto asks `word in list` for every
    name in every condition and update expression, a walk through some 570 words."""

    def __init__(self, words):
        super().__init__(words)
        self._set = frozenset(words)

    def __contains__(self, word) -> bool:
        return word in self._set


def _reserved_words_in_a_set() -> None:
    from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

    words = ReservedKeywords.get_reserved_keywords()
    if not isinstance(words, _Words):
        ReservedKeywords.KEYWORDS = _Words(words)


_APPLIED = False


def speed_up_moto() -> None:
    """Idempotent: every patch above, process-wide."""
    global _APPLIED
    with _LOCK:
        if _APPLIED:
            return
        _keyed_queries()
        _cached_aliases()
        _linear_item_size()
        _cached_scalar_sizes()
        _cached_method_names()
        _quicker_update_expressions()
        _cached_condition_lexing()
        _checked_update_expressions()
        _request_id_only_in_xml()
        _s3_urls_reloaded_when_they_change()
        _reserved_words_in_a_set()
        _APPLIED = True

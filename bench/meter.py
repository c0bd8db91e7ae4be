"""Counts the AWS operations the desk makes, through botocore's `before-call` / `after-call` events on the
boto3 session the embedded stack builds every client from, and the handler invocations the stack makes.

DynamoDB capacity is counted as DynamoDB bills it on demand, from the items themselves (sizes as
DynamoDB computes them: names and values in UTF-8 bytes). Before and after every write the meter
looks at the item (`peek`, outside the counted calls), so a write costs:

- on the table, one WRU per KB of the larger of the item before and after (a failed condition: of
  the item as it was, at least one);
- on each global secondary index, per the index's projection (read from the table's description):
  an item entering the index writes its entry (keys plus projected attributes), one leaving it deletes
  it, a change of its index key does both, a change of a projected attribute rewrites the entry, and
  anything else writes nothing to the index; one WRU per KB of entry each time;
- in TransactWriteItems, twice all that.

A GetItem costs one RRU per 4 KB of the item when strongly consistent, half when eventually
consistent; a Query or Scan the same for the sum of what it returned per page (index queries are
always eventually consistent); BatchGetItem per item; TransactGetItems twice. moto's own
ConsumedCapacity is a constant, so it is not used.

Writes are attributed to item kinds (`REQ#…/META`, `OUT#…`, `KPI#…/stage#…` → `REQ/META`, `OUT`,
`KPI/stage`) and to the table or the index written (`wru_by`), reads to kinds (`rru_by`).
"""
from __future__ import annotations

import copy
import json
import math
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

from chalicelib.adapters.dynamodb import value_size

from .cost import Counts, billed_ms

S3_PUT_TIER = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2", "CreateMultipartUpload",
               "UploadPart", "CompleteMultipartUpload", "ListBuckets"}
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
KB = 1024
READ_UNIT = 4096


def _typed_size(value: dict) -> int:
    ((kind, inner),) = value.items()
    if kind in ("S",):
        return len(inner.encode("utf-8"))
    if kind == "N":
        return math.ceil(len(str(inner).strip("-").replace(".", "")) / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(math.ceil(len(str(n)) / 2) + 1 for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + _typed_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + _typed_size(v) for k, v in inner.items())
    return 0


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it, from the wire form ({"S": ...}) or boto3's Python values."""
    size = 0
    for name, value in item.items():
        typed = isinstance(value, dict) and len(value) == 1 and next(iter(value)) in (
            "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
        size += len(name.encode("utf-8")) + (_typed_size(value) if typed else value_size(value))
    return size


@dataclass(frozen=True)
class Index:
    """A global secondary index as far as its write cost goes: its keys and what it projects."""
    name: str
    keys: tuple[str, ...]
    projection: str
    """ALL, KEYS_ONLY or INCLUDE."""
    included: frozenset[str] = frozenset()

    def entry(self, item: dict | None, table_keys: tuple[str, ...]) -> dict | None:
        """The item's entry in the index (None when the item is not in it: a sparse index)."""
        if not item or any(k not in item for k in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        wanted = set(table_keys) | set(self.keys) | (self.included if self.projection == "INCLUDE" else set())
        return {k: v for k, v in item.items() if k in wanted}


def units(size: int, unit: int = KB) -> int:
    return max(1, math.ceil(size / unit))


def write_units(old: dict | None, new: dict | None, table_keys: tuple[str, ...],
                indexes: tuple[Index, ...]) -> tuple[int, dict[str, int]]:
    """WRU of one successful write that turned `old` into `new` (None: absent): (the table's, per index)."""
    table = units(max(item_size(old) if old else 0, item_size(new) if new else 0))
    per_index: dict[str, int] = {}
    for index in indexes:
        before, after = index.entry(old, table_keys), index.entry(new, table_keys)
        if before is None and after is None:
            cost = 0
        elif before is None:
            cost = units(item_size(after))
        elif after is None:
            cost = units(item_size(before))
        elif any(before[k] != after[k] for k in index.keys):
            cost = units(item_size(before)) + units(item_size(after))
        elif before != after:
            cost = units(max(item_size(before), item_size(after)))
        else:
            cost = 0
        if cost:
            per_index[index.name] = cost
    return table, per_index


def kind(key: dict) -> str:
    """`REQ#RF-1/META` → `REQ/META`, `KPI#2026-11-02/stage#approve` → `KPI/stage`, `OUT#ack.RF-1/-` → `OUT`."""
    def plain(v):
        return str(next(iter(v.values())) if isinstance(v, dict) else v)
    pk, sk = plain(key.get("PK", "?")), plain(key.get("SK", "-"))
    prefix = pk.split("#", 1)[0]
    if prefix in ("REQ", "KPI", "OUT"):
        part = sk.split("#", 1)[0]
        return prefix if part == "-" else f"{prefix}/{part}"
    return prefix


class MotoPeek:
    """The meter's look at an item and a table's shape straight in moto's in-process backend: no call
    through botocore, so nothing the meter counts (the cost bench runs moto in-process)."""

    def __init__(self, region: str, account: str = "123456789012"):
        self.region, self.account = region, account

    def _backend(self):
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account][self.region]

    def item(self, table: str, key: dict) -> dict | None:
        found = self._backend().get_item(table, key)
        return copy.deepcopy(found.to_json()["Attributes"]) if found is not None else None

    def keys(self, table: str) -> tuple[str, ...]:
        t = self._backend().get_table(table)
        return (t.hash_key_attr,) + ((t.range_key_attr,) if t.range_key_attr else ())

    def indexes(self, table: str) -> tuple[Index, ...]:
        t = self._backend().get_table(table)
        return tuple(Index(i.name, tuple(k["AttributeName"] for k in i.schema),
                           (i.projection or {}).get("ProjectionType", "ALL"),
                           frozenset((i.projection or {}).get("NonKeyAttributes", [])))
                     for i in t.global_indexes)


class Meter:
    """Attach to a boto3 session before its clients are made; read `counts()` (or `calls`) afterwards.
    `peek` looks at items outside the counted calls (default: moto's in-process backend)."""

    def __init__(self, peek=None, region: str = "eu-west-1"):
        self._lock = threading.Lock()
        self._peek = peek or MotoPeek(region)
        self._shapes: dict[str, tuple[tuple[str, ...], tuple[Index, ...]]] = {}
        self.calls: Counter = Counter()
        """(service, operation) → calls, every call."""
        self.wru = 0.0
        self.rru = 0.0
        self.wru_by: Counter = Counter()
        """(item kind, 'table' or the index's name) → WRU."""
        self.rru_by: Counter = Counter()
        """(item kind, 'table' or the index's name) → RRU."""
        self.ses_recipients = 0
        self.sqs_requests = 0
        self.invocations: Counter = Counter()
        self.billed_ms = 0
        self._paused = False

    @contextmanager
    def paused(self):
        """The bench's own look at the desk (a request's stages, an execution's history) is not the desk's
        cost: calls made inside this block are not counted."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def attach(self, session) -> None:
        events = session.events
        events.register("before-call", self._before)
        events.register("after-call", self._after)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.invocations.clear()
            self.wru_by.clear()
            self.rru_by.clear()
            self.wru = self.rru = 0.0
            self.ses_recipients = self.sqs_requests = self.billed_ms = 0

    def invoked(self, handler: str, seconds: float) -> None:
        with self._lock:
            self.invocations[handler] += 1
            self.billed_ms += billed_ms(seconds)

    # -- botocore events --

    @staticmethod
    def _service(model) -> str:
        return model.service_model.service_name

    def _shape(self, table: str) -> tuple[tuple[str, ...], tuple[Index, ...]]:
        if table not in self._shapes:
            self._shapes[table] = (self._peek.keys(table), self._peek.indexes(table))
        return self._shapes[table]

    def _before(self, model, params, context=None, **_):
        service, operation = self._service(model), model.name
        if self._paused:
            if context is not None:
                context["rf_meter_paused"] = True
            return
        body = params.get("body") if isinstance(params, dict) else None
        with self._lock:
            self.calls[(service, operation)] += 1
            if service == "ses" and operation in ("SendRawEmail", "SendEmail"):
                self.ses_recipients += self._recipients(body)
        if service == "dynamodb" and isinstance(body, (bytes, str)) and context is not None:
            request = json.loads(body or "{}")
            context["rf_meter_request"] = request
            if operation in WRITES:
                context["rf_meter_writes"] = [(table, key, self._peek.item(table, key))
                                              for table, key in self._targets(operation, request)]

    def _targets(self, operation: str, request: dict) -> list[tuple[str, dict]]:
        """(table, key) of every item a write names."""
        def key_of(table: str, item: dict) -> dict:
            return {k: item[k] for k in self._shape(table)[0]}

        if operation == "PutItem":
            return [(request["TableName"], key_of(request["TableName"], request["Item"]))]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(request["TableName"], request["Key"])]
        if operation == "TransactWriteItems":
            found = []
            for action in request["TransactItems"]:
                ((_, spec),) = action.items()
                table = spec["TableName"]
                found.append((table, spec["Key"] if "Key" in spec else key_of(table, spec["Item"])))
            return found
        found = []
        for table, writes in request.get("RequestItems", {}).items():
            for write in writes:
                if "PutRequest" in write:
                    found.append((table, key_of(table, write["PutRequest"]["Item"])))
                else:
                    found.append((table, write["DeleteRequest"]["Key"]))
        return found

    @staticmethod
    def _recipients(body) -> int:
        """SES bills each recipient: the Destinations of the call (one when it names none)."""
        from urllib.parse import parse_qs

        text = body.decode() if isinstance(body, bytes) else str(body or "")
        fields = parse_qs(text)
        return sum(1 for k in fields if k.startswith(("Destinations.member.", "Destination.ToAddresses.member.",
                                                      "Destination.CcAddresses.member."))) or 1

    def _after(self, model, parsed, context=None, http_response=None, **_):
        service, operation = self._service(model), model.name
        if self._paused or (context or {}).get("rf_meter_paused"):
            return
        failed = "Error" in (parsed or {}) or (http_response is not None and http_response.status_code >= 300)
        with self._lock:
            if service == "dynamodb" and context is not None:
                if "rf_meter_writes" in context:
                    self._dynamodb_write(operation, context["rf_meter_writes"], failed)
                elif not failed:
                    self._dynamodb_read(operation, context.get("rf_meter_request") or {}, parsed)
            elif service == "sqs":
                idle = operation == "ReceiveMessage" and not parsed.get("Messages")
                if not idle:
                    self.sqs_requests += 1

    def _dynamodb_write(self, operation: str, writes: list, failed: bool) -> None:
        factor = 2 if operation == "TransactWriteItems" else 1
        for table, key, old in writes:
            what = kind(key)
            if failed:
                # A write whose condition failed (or a cancelled transaction) still costs its item as it was.
                cost = factor * units(item_size(old) if old else 0)
                self.wru += cost
                self.wru_by[(what, "table")] += cost
                continue
            table_keys, indexes = self._shape(table)
            new = self._peek.item(table, key)
            on_table, on_indexes = write_units(old, new, table_keys, indexes)
            self.wru += factor * (on_table + sum(on_indexes.values()))
            self.wru_by[(what, "table")] += factor * on_table
            for name, cost in on_indexes.items():
                self.wru_by[(what, name)] += factor * cost

    def _dynamodb_read(self, operation: str, request: dict, parsed: dict) -> None:
        if operation == "GetItem":
            item = parsed.get("Item")
            cost = units(item_size(item) if item else 0, READ_UNIT) * (1 if request.get("ConsistentRead") else 0.5)
            self._read(kind(item or request.get("Key") or {}), "table", cost)
        elif operation in ("Query", "Scan"):
            items = parsed.get("Items") or []
            index = request.get("IndexName")
            consistent = request.get("ConsistentRead") and not index
            cost = units(sum(item_size(i) for i in items), READ_UNIT) * (1 if consistent else 0.5)
            self._read(kind(items[0]) if items else "(none)", index or "table", cost)
        elif operation == "BatchGetItem":
            for table, items in (parsed.get("Responses") or {}).items():
                consistent = (request.get("RequestItems", {}).get(table) or {}).get("ConsistentRead")
                for item in items:
                    self._read(kind(item), "table", units(item_size(item), READ_UNIT) * (1 if consistent else 0.5))
        elif operation == "TransactGetItems":
            for response in parsed.get("Responses") or []:
                item = response.get("Item")
                self._read(kind(item or {}), "table", 2 * units(item_size(item) if item else 0, READ_UNIT))

    def _read(self, what: str, where: str, cost: float) -> None:
        self.rru += cost
        self.rru_by[(what, where)] += cost

    # -- the counts --

    def counts(self, sfn_transitions: int = 0, sfn_sqs_sends: int = 0, ses_received: int = 0,
               sns_publishes: int = 0, api_requests: int = 0) -> Counts:
        """What was counted, plus what happens inside AWS where no client of ours sees it: the state
        machines' transitions and their sends to the task queue, SES receiving and SNS notifying."""
        s3 = {op: n for (service, op), n in self.calls.items() if service == "s3"}
        return Counts(
            lambda_invocations=sum(self.invocations.values()), lambda_billed_ms=self.billed_ms,
            sfn_transitions=sfn_transitions, dynamodb_wru=self.wru, dynamodb_rru=self.rru,
            ses_sent=self.ses_recipients, ses_received=ses_received,
            s3_put=sum(n for op, n in s3.items() if op in S3_PUT_TIER),
            s3_get=sum(n for op, n in s3.items() if op not in S3_PUT_TIER),
            sqs_requests=self.sqs_requests + sfn_sqs_sends, sns_publishes=sns_publishes, api_requests=api_requests)

"""DynamoDB's single-item atomicity, given to moto (and moto's transactions and queries made to cost
what they cost on DynamoDB: the items they name, the partition they read, not the whole table).

On AWS a conditional put or update is atomic: two writers racing on one item see one succeed and
one fail its condition. moto checks the condition and writes in two steps without a lock, so two
threads (two Lambda invocations on the embedded stack, or a test's simultaneous clicks) can both
pass the check. One lock around moto's item writes restores what the desk relies on.
"""
from __future__ import annotations

import copy
import functools
import threading

_LOCK = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def make_moto_writes_atomic() -> None:
    """Idempotent: wraps moto's DynamoDB backend writes in one process-wide lock."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _WRITES:
        method = getattr(DynamoDBBackend, name)
        if getattr(method, "_rf_atomic", False):
            continue

        def locked(self, *args, __method=method, **kwargs):
            with _LOCK:
                return __method(self, *args, **kwargs)

        functools.update_wrapper(locked, method)
        locked._rf_atomic = True
        setattr(DynamoDBBackend, name, locked)


_TRANSACTING = threading.local()


class _TablesKept:
    """Stands in for the `copy` module inside moto's DynamoDB backend: while this thread runs a
    transaction, a Table is not deep-copied (the items the transaction names are kept instead)."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table) and getattr(_TRANSACTING, "active", False):
            return value
        return copy.deepcopy(value, memo)


def make_moto_transactions_cheap() -> None:
    """Idempotent: moto's TransactWriteItems deep-copies every table it writes to, to roll a cancelled
    transaction back, which makes a run of them quadratic in the table's size. Under the write lock,
    keeping the items the transaction names and putting them back on a cancellation is the same
    rollback. (Stream records of a rolled-back write stay; nothing reads the embedded stack's stream.)"""
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend

    make_moto_writes_atomic()
    transact = DynamoDBBackend.transact_write_items
    if getattr(transact, "_rf_cheap", False):
        return
    models.copy = _TablesKept()

    def cheap(self, transact_items, __transact=transact):
        with _LOCK:
            kept = [_keep(self, action) for action in transact_items]
            _TRANSACTING.active = True
            try:
                return __transact(self, transact_items)
            except Exception:
                for place in reversed([k for k in kept if k is not None]):
                    _put_back(*place)
                raise
            finally:
                _TRANSACTING.active = False

    functools.update_wrapper(cheap, transact)
    cheap._rf_atomic = cheap._rf_cheap = True
    DynamoDBBackend.transact_write_items = cheap


def _keep(backend, action: dict):
    """(table, hash, range, a copy of the item or None) of the item one transaction action names."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        (_, spec), = action.items()
        table = backend.get_table(spec["TableName"])
        key = spec.get("Key") or spec["Item"]
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        return table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))
    except Exception:  # noqa: BLE001 - moto reports a malformed action itself
        return None


def _put_back(table, hash_value, range_value, item) -> None:
    from .moto_speed import reindex

    if table.range_key_attr:
        if item is None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
    elif item is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = item
    reindex(table, hash_value, range_value)

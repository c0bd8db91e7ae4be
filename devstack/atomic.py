"""DynamoDB's single-item atomicity, given to moto.

On AWS a conditional put or update is atomic: two writers racing on one item see one succeed and
one fail its condition. moto checks the condition and writes in two steps without a lock, so two
threads (two Lambda invocations on the embedded stack, or a test's simultaneous clicks) can both
pass the check. One lock around moto's item writes restores what the desk relies on.
"""
from __future__ import annotations

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

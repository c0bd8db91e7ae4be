"""Counts the AWS operations the desk makes, through botocore's `before-call` / `after-call` events on the
boto3 session the embedded stack builds every client from, and the handler invocations the stack makes.

DynamoDB capacity is counted from item sizes as DynamoDB computes them (names and values in UTF-8
bytes): a write costs one WRU per KB of the item (for an update: the item's size as last seen, written
or read) plus the same for each global secondary index the item is in (all three project ALL); a
GetItem one RRU per 4 KB (the desk reads consistently); a Query the sum of the items it returned,
per 4 KB. moto's own ConsumedCapacity is a constant, so it is not used.
"""
from __future__ import annotations

import math
import re
import threading
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal

from .cost import Counts, billed_ms

GSI_KEYS = {"GSI1PK": "by_customer", "GSI2PK": "open_by_due", "GSI3PK": "by_assignee"}
S3_PUT_TIER = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2", "CreateMultipartUpload",
               "UploadPart", "CompleteMultipartUpload", "ListBuckets"}


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


def _plain_size(value) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return math.ceil(len(str(value).strip("-").replace(".", "")) / 2) + 1
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if hasattr(value, "value") and isinstance(value.value, (bytes, bytearray)):  # boto3 Binary
        return len(value.value)
    if isinstance(value, (set, frozenset)):
        return sum(_plain_size(v) for v in value)
    if isinstance(value, (list, tuple)):
        return 3 + sum(1 + _plain_size(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(1 + len(str(k).encode("utf-8")) + _plain_size(v) for k, v in value.items())
    return 0


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it, from the wire form ({"S": ...}) or boto3's Python values."""
    size = 0
    for name, value in item.items():
        typed = isinstance(value, dict) and len(value) == 1 and next(iter(value)) in (
            "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
        size += len(name.encode("utf-8")) + (_typed_size(value) if typed else _plain_size(value))
    return size


def _key(key: dict) -> tuple:
    def plain(v):
        return next(iter(v.values())) if isinstance(v, dict) else v
    return (plain(key.get("PK")), plain(key.get("SK")))


class Meter:
    """Attach to a boto3 session before its clients are made; read `counts()` (or `calls`) afterwards."""

    def __init__(self):
        self._lock = threading.Lock()
        self.calls: Counter = Counter()
        """(service, operation) → calls, every call."""
        self.wru = 0.0
        self.rru = 0.0
        self.ses_recipients = 0
        self.sqs_requests = 0
        self.invocations: Counter = Counter()
        self.billed_ms = 0
        self._paused = False
        self._items: dict[tuple, tuple[int, frozenset]] = {}
        """(PK, SK) → (size, the indexes it is in), as last written or read."""

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

    def _before(self, model, params, **_):
        service, operation = self._service(model), model.name
        body = params.get("body") if isinstance(params, dict) else None
        if self._paused:
            return
        with self._lock:
            self.calls[(service, operation)] += 1
            if service == "dynamodb" and isinstance(body, (bytes, str)):
                self._dynamodb_write(operation, body)
            if service == "ses" and operation in ("SendRawEmail", "SendEmail"):
                self.ses_recipients += self._recipients(body)

    @staticmethod
    def _recipients(body) -> int:
        """SES bills each recipient: the Destinations of the call (one when it names none)."""
        from urllib.parse import parse_qs

        text = body.decode() if isinstance(body, bytes) else str(body or "")
        fields = parse_qs(text)
        return sum(1 for k in fields if k.startswith(("Destinations.member.", "Destination.ToAddresses.member.",
                                                      "Destination.CcAddresses.member."))) or 1

    def _dynamodb_write(self, operation: str, body) -> None:
        import json

        request = json.loads(body)
        if operation == "PutItem":
            item = request["Item"]
            indexes = frozenset(n for k, n in GSI_KEYS.items() if k in item)
            size = item_size(item)
            self._items[_key(item)] = (size, indexes)
            self.wru += math.ceil(size / 1024) * (1 + len(indexes))
        elif operation in ("UpdateItem", "DeleteItem"):
            key = _key(request["Key"])
            known = self._items.get(key)
            size, indexes = known or (item_size(request["Key"]), frozenset())
            expression = request.get("UpdateExpression", "")
            names = request.get("ExpressionAttributeNames", {})
            touched = set(re.findall(r"#?\w+", expression))
            touched = {names.get(t, t) for t in touched}
            added = {n for k, n in GSI_KEYS.items() if k in touched}
            growth = sum(item_size({"v": v}) for v in request.get("ExpressionAttributeValues", {}).values())
            if operation == "UpdateItem":
                # SET mostly rewrites attributes the item has: its size is at least what it was, and at
                # least its key plus the values written (a new item, or one not seen yet).
                size = max(size, item_size(request["Key"]) + growth) if known else size + growth
            affected = indexes | added
            self.wru += math.ceil(max(size, 1) / 1024) * (1 + len(affected))
            if operation == "UpdateItem":
                self._items[key] = (size, affected)

    def _after(self, model, parsed, **_):
        service, operation = self._service(model), model.name
        if self._paused:
            return
        with self._lock:
            if service == "dynamodb":
                self._dynamodb_read(operation, parsed)
            elif service == "sqs":
                idle = operation == "ReceiveMessage" and not parsed.get("Messages")
                if not idle:
                    self.sqs_requests += 1

    def _dynamodb_read(self, operation: str, parsed: dict) -> None:
        if operation == "GetItem":
            item = parsed.get("Item")
            size = item_size(item) if item else 1
            self.rru += math.ceil(size / 4096)
            if item:
                self._remember(item)
        elif operation in ("Query", "Scan"):
            items = parsed.get("Items") or []
            size = sum(item_size(i) for i in items)
            self.rru += max(1, math.ceil(size / 4096))
            for item in items:
                self._remember(item)

    def _remember(self, item: dict) -> None:
        if "PK" in item and "SK" in item:
            self._items[_key(item)] = (item_size(item), frozenset(n for k, n in GSI_KEYS.items() if k in item))

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

"""The desk's single DynamoDB table (see DESIGN.md, "Data"). The only module that speaks DynamoDB.

Every state change is a conditional write; every create is `attribute_not_exists`, so a retry of the
same step is harmless.
"""
from __future__ import annotations

import json
import math
import zlib
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..core.clock import iso
from ..core.requests.models import Message, Outbound, Request

OUTBOX_QUEUE = "OUTBOX"
OUTBOX_DEAD = "OUTBOX_DEAD"
QUARANTINE_QUEUE = "QUARANTINE"
CONTENT_SK = "CONTENT"
"""The sort key of an email's content when it does not fit in its outbox item's first kilobyte."""
WRITE_UNIT = 1024
"""Bytes of item one write unit pays for: an item rewritten often is worth keeping below it."""
OUTBOX_GROWTH = 192
"""What sending adds to an outbox item (the claim, the time sent, SES's message id)."""
COMPRESS_TEXT_OVER = 512
"""Bytes of message text above which it is stored compressed (below, compression saves little)."""


class Conflict(Exception):
    """A conditional write lost: someone else did it first."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def value_size(value: Any) -> int:
    """The bytes DynamoDB counts for an attribute value, as boto3 hands it over: strings and names in
    UTF-8, a number about one byte per two significant digits plus one, 3 bytes plus 1 an element for
    lists and maps (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
    The cost bench bills by it; the table uses it to keep often-rewritten items within a write unit."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return math.ceil(len(str(value).strip("-").replace(".", "")) / 2) + 1
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if hasattr(value, "value") and isinstance(value.value, (bytes, bytearray)):  # boto3's Binary
        return len(value.value)
    if isinstance(value, (set, frozenset)):
        return sum(value_size(v) for v in value)
    if isinstance(value, (list, tuple)):
        return 3 + sum(1 + value_size(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(1 + len(str(k).encode("utf-8")) + value_size(v) for k, v in value.items())
    return 0


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it: each attribute's name and value."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def _with_text(message: dict) -> dict:
    """A message item with its `text`, stored compressed or not."""
    if "text_z" not in message:
        return message
    text = zlib.decompress(_bytes(message["text_z"])).decode("utf-8")
    return {**{k: v for k, v in message.items() if k != "text_z"}, "text": text}


def pack_content(text: str, html: str | None) -> bytes:
    """An email's text and HTML as one compressed value: HTML mail shrinks to about a third."""
    return zlib.compress(json.dumps([text, html], ensure_ascii=False).encode("utf-8"), 9)


def unpack_content(data: Any) -> tuple[str, str | None]:
    text, html = json.loads(zlib.decompress(_bytes(data)).decode("utf-8"))
    return text, html


def _bytes(data: Any) -> bytes:
    """A binary attribute's bytes (boto3 reads it as a `Binary`)."""
    return data.value if hasattr(data, "value") else bytes(data)


class DeskTable:
    def __init__(self, table, lease_scale: float = 1.0, transactions: bool = True):
        """`table` is a boto3 DynamoDB Table resource. `lease_scale` is desk seconds per wall second:
        a claim's lease covers a function's run in wall time, so on the embedded stack's scaled clock
        (an hour a second) a 120 s lease still lasts 120 wall seconds, not 33 ms.
        `transactions=False` writes an event and then its KPI contributions as separate calls (the
        embedded stack: moto copies the whole table for every TransactWriteItems)."""
        self._table = table
        self.lease_scale = lease_scale
        self._transactions = transactions
        from botocore.exceptions import ClientError  # boto3 is only imported by adapters

        self._client_error = ClientError

    def _update_if(self, **update) -> bool:
        """One conditional update_item: False when its condition does not hold (someone else was first)."""
        try:
            self._table.update_item(**update)
            return True
        except Exception as exc:
            if self._is_conflict(exc):
                return False
            raise

    def _is_conflict(self, exc: Exception) -> bool:
        return (isinstance(exc, self._client_error)
                and exc.response["Error"]["Code"] == "ConditionalCheckFailedException")

    def _put_new(self, item: dict) -> bool:
        """Create an item; False when it already exists."""
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
            return True
        except Exception as exc:
            if self._is_conflict(exc):
                return False
            raise

    def _get(self, pk: str, sk: str = "-") -> dict | None:
        item = self._table.get_item(Key={"PK": pk, "SK": sk}, ConsistentRead=True).get("Item")
        return _plain(item) if item else None

    # --- idempotency of inbound work -------------------------------------------------------

    def claim(self, key: str, now: datetime, lease_seconds: int = 120) -> tuple[str, dict | None]:
        """Take the work named `key`: ('claimed', None), ('done', outcome) or ('busy', None).

        A new key, a released one or one whose lease ran out can be taken; a reservation made by an
        earlier attempt stays on the item.
        """
        try:
            self._table.update_item(
                Key={"PK": f"DEDUP#{key}", "SK": "-"},
                UpdateExpression="SET #s = :claimed, claimed_at = :at, lease_until = :lease, #ttl = :ttl",
                ConditionExpression=("attribute_not_exists(PK) OR #s = :released"
                                     " OR (#s = :claimed AND lease_until < :now)"),
                ExpressionAttributeNames={"#s": "state", "#ttl": "ttl"},
                ExpressionAttributeValues={":claimed": "claimed", ":released": "released", ":at": iso(now),
                                           ":now": _epoch(now),
                                           ":lease": _epoch(now + timedelta(seconds=lease_seconds * self.lease_scale)),
                                           ":ttl": _epoch(now + timedelta(days=30))},
            )
            return "claimed", None
        except Exception as exc:
            if not self._is_conflict(exc):
                raise
        item = self._get(f"DEDUP#{key}") or {}
        if item.get("state") == "done":
            return "done", json.loads(item["outcome"])
        return "busy", None

    def finish(self, key: str, outcome: dict, now: datetime) -> None:
        self._table.update_item(
            Key={"PK": f"DEDUP#{key}", "SK": "-"},
            UpdateExpression="SET #s = :done, outcome = :o, finished_at = :at",
            ConditionExpression="#s = :claimed",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":done": "done", ":claimed": "claimed",
                                       ":o": json.dumps(outcome, ensure_ascii=False), ":at": iso(now)},
        )

    def release(self, key: str) -> None:
        """Give a claim back after a failure so a retry can take it at once (its reservation stays)."""
        self._table.update_item(Key={"PK": f"DEDUP#{key}", "SK": "-"}, UpdateExpression="SET #s = :released",
                                ConditionExpression="#s = :claimed",
                                ExpressionAttributeNames={"#s": "state"},
                                ExpressionAttributeValues={":claimed": "claimed", ":released": "released"})

    def reservation(self, key: str, name: str) -> dict | None:
        return (self._get(f"DEDUP#{key}") or {}).get(f"reserved_{name}")

    def reserve(self, key: str, name: str, values: dict) -> dict:
        """Store what this claim chose, unless an earlier attempt already did: the first choice stands."""
        result = self._table.update_item(
            Key={"PK": f"DEDUP#{key}", "SK": "-"},
            UpdateExpression="SET #r = if_not_exists(#r, :r)",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#r": f"reserved_{name}"},
            ExpressionAttributeValues={":r": values},
            ReturnValues="ALL_NEW",
        )
        return _plain(result["Attributes"][f"reserved_{name}"])

    # --- counters -------------------------------------------------------------------------

    def increment(self, name: str, by: int = 1) -> int:
        result = self._table.update_item(
            Key={"PK": f"COUNTER#{name}", "SK": "-"},
            UpdateExpression="ADD n :by",
            ExpressionAttributeValues={":by": by},
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["n"])

    def counters(self, names: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for name in names:
            item = self._get(f"COUNTER#{name}")
            out[name] = int(item["n"]) if item else 0
        return out

    def within_rate(self, key: str, window_start: datetime, limit: int, window: timedelta) -> bool:
        """Count one hit in a fixed window; False (and nothing counted) once `limit` is reached."""
        try:
            self._table.update_item(
                Key={"PK": f"RATE#{key}", "SK": iso(window_start)},
                UpdateExpression="ADD hits :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={":one": 1, ":limit": limit,
                                           ":ttl": _epoch(window_start + window + timedelta(hours=1))},
            )
            return True
        except Exception as exc:
            if self._is_conflict(exc):
                return False
            raise

    # --- requests ---------------------------------------------------------------------------

    def create_request(self, request: Request) -> bool:
        item = {"PK": f"REQ#{request.request_id}", "SK": "META", "type": "request", **asdict(request)}
        if request.customer_email:
            item["GSI1PK"] = f"CUST#{request.customer_email}"
            item["GSI1SK"] = request.created_at
        item["GSI2PK"] = "OPEN"
        item["GSI2SK"] = request.due_first_response
        item["GSI3PK"] = f"STAFF#{request.assignee}"
        item["GSI3SK"] = request.created_at
        return self._put_new(item)

    def get_request(self, request_id: str) -> Request | None:
        item = self._get(f"REQ#{request_id}", "META")
        if not item:
            return None
        fields = Request.__dataclass_fields__
        return Request(**{k: v for k, v in item.items() if k in fields})

    def touch_request(self, request_id: str, at: str, field: str) -> None:
        """Record the time of the latest customer message (a plain SET: last writer wins by design)."""
        self._table.update_item(
            Key={"PK": f"REQ#{request_id}", "SK": "META"},
            UpdateExpression="SET #f = :at, version = version + :one",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#f": field},
            ExpressionAttributeValues={":at": at, ":one": 1},
        )

    def set_missing_facts(self, request_id: str, expected: list[str], missing: list[str],
                          given: dict[str, str] | None = None) -> bool:
        """Replace the list of missing facts if it still is `expected`, keeping the `given` facts'
        values; False when the list changed meanwhile."""
        given = given or {}
        names = {f"#g{n}": fact for n, fact in enumerate(given)}
        values = {f":g{n}": value for n, value in enumerate(given.values())}
        sets = "".join(f", facts.#g{n} = :g{n}" for n in range(len(given)))
        return self._update_if(
            Key={"PK": f"REQ#{request_id}", "SK": "META"},
            UpdateExpression=f"SET missing_facts = :new, version = version + :one{sets}",
            ConditionExpression="missing_facts = :old",
            ExpressionAttributeValues={":new": missing, ":old": expected, ":one": 1, **values},
            **({"ExpressionAttributeNames": names} if names else {}),
        )

    def change_status(self, request_id: str, expected: str, status: str, at: str, *,
                      open_due: str | None = None, extra: dict | None = None, remove: tuple[str, ...] = ()) -> bool:
        """Move the request from `expected` to `status`; False when its status is no longer `expected`.

        Open requests stay in the sparse OPEN index under `open_due`; resolved and closed ones leave it.
        `extra` / `remove`: attributes set / removed in the same write (the SLA clock's pause).
        """
        names = {"#s": "status", **{f"#x{i}": k for i, k in enumerate(extra or {})},
                 **{f"#r{i}": k for i, k in enumerate(remove)}}
        values = {":from": expected, ":to": status, ":at": at, ":one": 1,
                  **{f":x{i}": v for i, v in enumerate((extra or {}).values())}}
        update = "SET #s = :to, status_since = :at, version = version + :one" + "".join(
            f", #x{i} = :x{i}" for i in range(len(extra or {})))
        removed = [f"#r{i}" for i in range(len(remove))]
        if status in ("resolved", "closed"):
            update += ", resolved_at = :at"
            removed += ["GSI2PK", "GSI2SK"]
        else:
            update += ", GSI2PK = :open, GSI2SK = :due"
            values.update({":open": "OPEN", ":due": open_due or at})
        if removed:
            update += " REMOVE " + ", ".join(removed)
        return self._conditional_update(request_id, update, "#s = :from", names, values)

    def set_first_response(self, request_id: str, at: str) -> bool:
        """Record the first answer by a person; False when there was one already."""
        return self._conditional_update(request_id, "SET first_response_at = :at",
                                        "attribute_not_exists(first_response_at) OR attribute_type(first_response_at, :null)",
                                        None, {":at": at, ":null": "NULL"})

    def reassign(self, request_id: str, expected: str, assignee: str, department: str) -> bool:
        """Give the request to another person, if it is still with `expected`."""
        return self._conditional_update(
            request_id, "SET assignee = :to, department = :dep, GSI3PK = :staff, version = version + :one",
            "assignee = :from", None,
            {":to": assignee, ":from": expected, ":dep": department, ":staff": f"STAFF#{assignee}", ":one": 1})

    def _conditional_update(self, request_id: str, update: str, condition: str, names: dict | None,
                            values: dict) -> bool:
        kwargs = {"Key": {"PK": f"REQ#{request_id}", "SK": "META"}, "UpdateExpression": update,
                  "ConditionExpression": f"attribute_exists(PK) AND ({condition})",
                  "ExpressionAttributeValues": values}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        return self._update_if(**kwargs)

    def add_message(self, message: Message, seq: str, content_of: str | None = None) -> bool:
        """Keep a message once; a longer text is stored compressed (`text_z`: a mail's text is about
        half its size compressed, and a message costs a write unit per KB). `content_of`: the outbox id
        of the sent mail this message is, whose outbox items hold its text: the message names them
        instead of keeping a second copy."""
        item = {"PK": f"REQ#{message.request_id}", "SK": f"MSG#{message.at}#{seq}", "type": "message",
                **asdict(message)}
        if content_of:
            del item["text"]
            item["content_of"] = content_of
        elif value_size(message.text) > COMPRESS_TEXT_OVER:
            item["text_z"] = zlib.compress(item.pop("text").encode("utf-8"), 9)
        return self._put_new(item)

    def messages(self, request_id: str, text: bool = True) -> list[dict]:
        """The request's messages, oldest first; `text=False`: the text of sent mail is left out (it is
        read from the outbox)."""
        items = [_with_text(m) for m in self._query_prefix(f"REQ#{request_id}", "MSG#")]
        return self._with_sent_text(items) if text else items

    def _with_sent_text(self, messages: list[dict]) -> list[dict]:
        """Messages with the text of the sent mail they name (`content_of`) read from its outbox items."""
        sent = list(dict.fromkeys(m["content_of"] for m in messages if m.get("content_of")))
        if not sent:
            return messages
        outbound = {i["PK"]: i for i in self._fetch([{"PK": f"OUT#{o}", "SK": "-"} for o in sent], consistent=True)}
        parts = {i["PK"]: i for i in self._fetch([{"PK": i["PK"], "SK": i["content_item"]} for i in outbound.values()
                                                  if "content" not in i and i.get("content_item")], consistent=True)}
        out = []
        for m in messages:
            key = f"OUT#{m['content_of']}" if m.get("content_of") else None
            content = (outbound.get(key) or {}).get("content") or (parts.get(key) or {}).get("content")
            out.append({**m, "text": unpack_content(content)[0] if content is not None else ""} if key else m)
        return out

    def add_event(self, request_id: str, at: str, seq: str, event: str, read: dict | None = None,
                  **data: Any) -> bool:
        """Write an event once and, in the same transaction, add its KPI contributions
        (`core.kpi.contributions`): a retry of the same event changes nothing. False when it existed.
        `read`: items the caller has read already that the contributions need ({"stage": item})."""
        item, adds = self._event_item(request_id, at, seq, event, data, read)
        if not adds:
            return self._put_new(item)
        return self._put_event_with_aggregates(item, adds)

    def _event_item(self, request_id: str, at: str, seq: str, event: str, data: dict,
                    read: dict | None) -> tuple[dict, list]:
        """The event's item (with what `enrichment` adds) and its KPI contributions."""
        from ..core.kpi.contributions import Context, contributions, enrichment, needs

        wanted = needs(event, data)
        context = self._kpi_context(request_id, wanted, data, read) if wanted else Context()
        extra = {k: v for k, v in enrichment(event, data, context).items() if k not in data and v is not None}
        item = {"PK": f"REQ#{request_id}", "SK": f"EVT#{at}#{seq}", "type": "event", "event": event,
                "at": at, **data, **extra}
        return item, contributions(event, at, data, context)

    def add_events(self, request_id: str, at: str, events: list[tuple[str, dict]], seq: str = "",
                   request: dict | None = None) -> None:
        """Write several events of one step, each once, as `add_event` does: (event, data) each, the
        n-th under the seq `<seq><n>`.

        With transactions, those with KPI contributions go in one TransactWriteItems, their
        contributions added up per aggregate item (received and classified count on the same desk
        item), and the request is read once for all (not at all when the caller hands it over as
        `request`, the item it wrote). If one of them exists already (a retry of the step), the
        transaction changes nothing and each is written on its own."""
        from ..core.kpi.contributions import needs

        numbered = [(f"{seq}{n}", event, data) for n, (event, data) in enumerate(events)]
        if not self._transactions or any("events" in needs(event, data) for _, event, data in numbered):
            for key, event, data in numbered:
                self.add_event(request_id, at, key, event, **data)
            return
        if request is None and any("request" in needs(event, data) for _, event, data in numbered):
            request = self._get(f"REQ#{request_id}", "META")
        puts, plain, adds = [], [], []
        for key, event, data in numbered:
            item, contributed = self._event_item(request_id, at, key, event, data, {"request": request})
            (puts if contributed else plain).append(item)
            adds += contributed
        for item in plain:
            self._put_new(item)
        if len(puts) == 1:
            self._put_event_with_aggregates(puts[0], adds)
        elif puts and not self._put_events_with_aggregates(puts, adds):
            for key, event, data in numbered:
                if any(item["SK"] == f"EVT#{at}#{key}" for item in puts):
                    self.add_event(request_id, at, key, event, **data)

    def _put_events_with_aggregates(self, items: list[dict], adds: list, attempts: int = 5) -> bool:
        """One TransactWriteItems of several new events and their merged contributions; False (nothing
        written) when one of the events exists."""
        first, *updates = self._event_actions(items[0], adds)
        return self._transact_creating([first, *self._event_actions_puts(items[1:]), *updates], len(items),
                                       attempts)

    def _transact_creating(self, actions: list[dict], creates: int, attempts: int) -> bool:
        """One TransactWriteItems whose first `creates` actions are conditional creates: False (nothing
        written) when one of those items exists; a transaction cancelled by a concurrent one is retried."""
        import time

        client = self._table.meta.client  # the resource's client: it serializes Python values
        for attempt in range(attempts):
            try:
                client.transact_write_items(TransactItems=actions)
                return True
            except self._client_error as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons[:creates]:
                    return False
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        return False

    def _event_actions_puts(self, items: list[dict]) -> list[dict]:
        return [{"Put": {"TableName": self._table.name, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}
                for item in items]

    def events(self, request_id: str) -> list[dict]:
        return self._query_prefix(f"REQ#{request_id}", "EVT#")

    def _query_prefix(self, pk: str, prefix: str) -> list[dict]:
        from boto3.dynamodb.conditions import Key

        items, kwargs = [], {"KeyConditionExpression": Key("PK").eq(pk) & Key("SK").begins_with(prefix),
                             "ConsistentRead": True}
        while True:
            page = self._table.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def requests_of_customer(self, email: str, limit: int = 50) -> list[dict]:
        from boto3.dynamodb.conditions import Key

        page = self._table.query(IndexName="by_customer", KeyConditionExpression=Key("GSI1PK").eq(f"CUST#{email}"),
                                 ScanIndexForward=False, Limit=limit)
        return [_plain(i) for i in page["Items"]]

    # --- thread index -----------------------------------------------------------------------

    def index_message_id(self, message_id: str, request_id: str, direction: str) -> None:
        self._put_new({"PK": f"MID#{message_id.lower()}", "SK": "-", "request_id": request_id,
                       "direction": direction})

    def request_for_message_ids(self, message_ids: list[str]) -> str | None:
        """The request the latest-listed known Message-ID belongs to."""
        for message_id in reversed(message_ids):
            item = self._get(f"MID#{message_id.lower()}")
            if item:
                return item["request_id"]
        return None

    # --- inbound log ---------------------------------------------------------------------------

    def record_inbound(self, raw_key: str, outcome: dict, at: str) -> None:
        """Every stored raw message gets one record of what became of it (nothing is lost)."""
        item = {"PK": f"RAW#{raw_key}", "SK": "-", "type": "inbound", "at": at, **outcome}
        if outcome.get("outcome") == "quarantined":
            item["GSI2PK"] = QUARANTINE_QUEUE
            item["GSI2SK"] = at
        self._table.put_item(Item=item)

    def inbound_record(self, raw_key: str) -> dict | None:
        return self._get(f"RAW#{raw_key}")

    def quarantined(self, limit: int = 100) -> list[dict]:
        return self._queue(QUARANTINE_QUEUE, limit)

    def _queue_keys(self, name: str, limit: int, until: str | None = None, keep=None) -> list[dict]:
        """Keys (PK, SK, GSI2PK, GSI2SK) in one queue of the open_by_due index, earliest first; `keep`:
        only the keys it accepts count towards `limit`."""
        from boto3.dynamodb.conditions import Key

        condition = Key("GSI2PK").eq(name)
        if until:
            condition = condition & Key("GSI2SK").lte(until)
        return self._index_keys("open_by_due", condition, limit, keep=keep)

    def _index_keys(self, index: str, condition, limit: int, keep=None, forward: bool = True) -> list[dict]:
        """Up to `limit` keys an index query finds (accepted by `keep`), page after page."""
        keys, kwargs = [], {"IndexName": index, "KeyConditionExpression": condition, "Limit": limit,
                            "ScanIndexForward": forward}
        while len(keys) < limit:
            page = self._table.query(**kwargs)
            keys.extend(k for k in map(_plain, page["Items"]) if keep is None or keep(k))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return keys[:limit]

    def _queue(self, name: str, limit: int, until: str | None = None) -> list[dict]:
        """The items of one queue of the open_by_due index, earliest first."""
        return self._fetch(self._queue_keys(name, limit, until))

    def _fetch(self, keys: list[dict], consistent: bool = False) -> list[dict]:
        """The items of keys found in an index, in their order (the indexes project keys only: their
        entries stay small, and a change of an attribute that is no index key writes no index).
        Eventually consistent, as the index the keys came from, unless `consistent`; an item gone
        meanwhile is left out."""
        client = self._table.meta.client
        found: dict[tuple[str, str], dict] = {}
        wanted = list(dict.fromkeys((k["PK"], k["SK"]) for k in keys))
        for start in range(0, len(wanted), 100):
            pending = {self._table.name: {"Keys": [{"PK": pk, "SK": sk} for pk, sk in wanted[start:start + 100]],
                                          **({"ConsistentRead": True} if consistent else {})}}
            while pending:
                page = client.batch_get_item(RequestItems=pending)
                for item in page["Responses"].get(self._table.name, []):
                    found[(item["PK"], item["SK"])] = _plain(item)
                pending = page.get("UnprocessedKeys") or {}
        return [found[k] for k in wanted if k in found]

    # --- approval routes --------------------------------------------------------------------

    def route_versions(self, name: str) -> list[dict]:
        return self._query_prefix(f"ROUTE#{name}", "V#")

    def add_route_version(self, name: str, version: int, content_hash: str, snapshot: dict, at: str) -> bool:
        """Register a route version once (conditional create); False when that number is taken."""
        return self._put_new({"PK": f"ROUTE#{name}", "SK": f"V#{version:04d}", "type": "route_version",
                              "version": version, "hash": content_hash, "snapshot": json.dumps(snapshot),
                              "created_at": at})

    def route_version(self, name: str, version: int) -> dict | None:
        item = self._get(f"ROUTE#{name}", f"V#{version:04d}")
        return json.loads(item["snapshot"]) if item else None

    def start_route(self, request_id: str, route: dict, execution: str, at: str, statuses: tuple[str, ...]) -> bool:
        """Put the request on a route (its name, version, execution), if its status is one of `statuses`."""
        return self._conditional_update(
            request_id, "SET route = :route, execution = :exe, route_started_at = :at, #s = :in, "
                        "status_since = :at, version = version + :one",
            "#s IN (" + ", ".join(f":s{i}" for i in range(len(statuses))) + ")", {"#s": "status"},
            {":route": route, ":exe": execution, ":at": at, ":in": "in_approval", ":one": 1,
             **{f":s{i}": s for i, s in enumerate(statuses)}})

    @staticmethod
    def _stage_sk(stage: str, cycle: int) -> str:
        return f"STAGE#{stage}#{cycle:03d}"

    def open_stage(self, request_id: str, stage: str, cycle: int, values: dict) -> bool:
        return self._put_new({"PK": f"REQ#{request_id}", "SK": self._stage_sk(stage, cycle), "type": "stage",
                              "stage": stage, "cycle": cycle, **values})

    def stage(self, request_id: str, stage: str, cycle: int) -> dict | None:
        return self._get(f"REQ#{request_id}", self._stage_sk(stage, cycle))

    def stages(self, request_id: str) -> list[dict]:
        return self._query_prefix(f"REQ#{request_id}", "STAGE#")

    def update_stage(self, request_id: str, stage: str, cycle: int, values: dict,
                     expected_state: str | tuple[str, ...] | None = None, once_per_wake: str | None = None) -> bool:
        """Set `values` on a stage, if it is in `expected_state` (any state when None); with
        `once_per_wake` (the token of a timer's wake), only if that wake has not been handled yet."""
        if once_per_wake is not None:
            values = {**values, "handled_wake": once_per_wake}
        names = {f"#k{i}": k for i, k in enumerate(values)}
        vals = {f":v{i}": v for i, v in enumerate(values.values())}
        update = "SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(values)))
        condition = "attribute_exists(PK)"
        if once_per_wake is not None:
            names["#hw"], vals[":hw"] = "handled_wake", once_per_wake
            condition += " AND (attribute_not_exists(#hw) OR #hw <> :hw)"
        if expected_state is not None:
            states = (expected_state,) if isinstance(expected_state, str) else expected_state
            names["#st"] = "state"
            vals.update({f":e{i}": s for i, s in enumerate(states)})
            condition += " AND #st IN (" + ", ".join(f":e{i}" for i in range(len(states))) + ")"
        return self._update_if(Key={"PK": f"REQ#{request_id}", "SK": self._stage_sk(stage, cycle)},
                                UpdateExpression=update, ConditionExpression=condition,
                                ExpressionAttributeNames=names, ExpressionAttributeValues=vals)

    @staticmethod
    def _task_sk(stage: str, cycle: int, person: str) -> str:
        return f"TASK#{stage}#{cycle:03d}#{person}"

    def open_task(self, request_id: str, stage: str, cycle: int, person: str, values: dict) -> bool:
        return self._put_new({"PK": f"REQ#{request_id}", "SK": self._task_sk(stage, cycle, person), "type": "task",
                              "request_id": request_id, "stage": stage, "cycle": cycle, "person": person,
                              "state": "open", "GSI3PK": f"TASKS#{person}", "GSI3SK": values.get("due", ""),
                              **values})

    def task(self, request_id: str, stage: str, cycle: int, person: str) -> dict | None:
        return self._get(f"REQ#{request_id}", self._task_sk(stage, cycle, person))

    def tasks(self, request_id: str, stage: str | None = None, cycle: int | None = None) -> list[dict]:
        prefix = "TASK#" if stage is None else (f"TASK#{stage}#" if cycle is None else f"TASK#{stage}#{cycle:03d}#")
        return self._query_prefix(f"REQ#{request_id}", prefix)

    def finish_task(self, request_id: str, stage: str, cycle: int, person: str, state: str, values: dict) -> bool:
        """Close an open task (done: the person acted; closed: the stage moved on); False when it was
        not open any more: the one decision that counts is the first."""
        names = {"#st": "state", **{f"#k{i}": k for i, k in enumerate(values)}}
        vals = {":open": "open", ":to": state, **{f":v{i}": v for i, v in enumerate(values.values())}}
        update = "SET #st = :to" + "".join(f", #k{i} = :v{i}" for i in range(len(values))) + " REMOVE GSI3PK"
        return self._update_if(Key={"PK": f"REQ#{request_id}", "SK": self._task_sk(stage, cycle, person)},
                                UpdateExpression=update, ConditionExpression="#st = :open",
                                ExpressionAttributeNames=names, ExpressionAttributeValues=vals)

    def note_reminder(self, request_id: str, stage: str, cycle: int, person: str) -> None:
        self._table.update_item(Key={"PK": f"REQ#{request_id}", "SK": self._task_sk(stage, cycle, person)},
                                UpdateExpression="ADD reminders_sent :one", ConditionExpression="attribute_exists(PK)",
                                ExpressionAttributeValues={":one": 1})

    def set_route_result(self, request_id: str, status: str, at: str, expected: tuple[str, ...], **extra) -> bool:
        names = {"#s": "status", **{f"#x{i}": k for i, k in enumerate(extra)}}
        vals = {":to": status, ":at": at, ":one": 1, **{f":x{i}": v for i, v in enumerate(extra.values())},
                **{f":e{i}": e for i, e in enumerate(expected)}}
        update = "SET #s = :to, status_since = :at, version = version + :one" + "".join(
            f", #x{i} = :x{i}" for i in range(len(extra)))
        return self._conditional_update(request_id, update,
                                        "#s IN (" + ", ".join(f":e{i}" for i in range(len(expected))) + ")",
                                        names, vals)

    # --- outbox ---------------------------------------------------------------------------------

    def enqueue(self, mail: Outbound, at: str, not_before: str | None = None, extra: dict | None = None) -> bool:
        """Queue an email once (conditional create); it is due at `not_before` (default: at once)."""
        due = not_before or at
        return self._put_outbound(mail, {**(extra or {}), "status": "queued", "attempts": 0, "queued_at": at,
                                         "next_attempt_at": due, "GSI2PK": OUTBOX_QUEUE, "GSI2SK": due})

    def enqueue_claimed(self, mail: Outbound, at: str, now: datetime, lease_seconds: int = 300,
                        extra: dict | None = None) -> int | None:
        """Queue an email once, already claimed for sending by the caller: the item a queued email has
        after its first `claim_outbound_lease` at `now` (claim number 1), in one write instead of two.
        The lease's end (epoch seconds), or None when the email was queued before."""
        lease = now + timedelta(seconds=lease_seconds * self.lease_scale)
        created = self._put_outbound(mail, {**(extra or {}), "status": "sending", "attempts": 1, "claim_no": 1,
                                            "queued_at": at, "next_attempt_at": at, "claimed_at": iso(now),
                                            "lease_until": _epoch(lease), "GSI2PK": OUTBOX_QUEUE,
                                            "GSI2SK": iso(lease)})
        return _epoch(lease) if created else None

    def _put_outbound(self, mail: Outbound, state: dict) -> bool:
        """The outbox item of `mail`, its text and HTML compressed; when they would take the item past
        one write unit, they go first into an item of their own (OUT#<id> / CONTENT, written once)
        and the outbox item, rewritten at every step of the sending, stays small."""
        fields = {k: v for k, v in asdict(mail).items() if k not in ("text", "html")}
        item = {"PK": f"OUT#{mail.outbox_id}", "SK": "-", "type": "outbox", **fields, **state}
        content = pack_content(mail.text, mail.html)
        if item_size({**item, "content": content}) + OUTBOX_GROWTH <= WRITE_UNIT:
            return self._put_new({**item, "content": content})
        self._put_new({"PK": item["PK"], "SK": CONTENT_SK, "type": "outbox_content", "content": content})
        return self._put_new({**item, "content_item": CONTENT_SK})

    def _with_content(self, item: dict) -> dict:
        """An outbox item with its `text` and `html` (from its own attribute or its content item)."""
        if "content" not in item and item.get("content_item"):
            item = {**item, "content": (self._get(item["PK"], item["content_item"]) or {}).get("content")}
        if item.get("content") is None:
            return item
        text, html = unpack_content(item["content"])
        return {**{k: v for k, v in item.items() if k not in ("content", "content_item")}, "text": text, "html": html}

    def claim_outbound(self, outbox_id: str, now: datetime, lease_seconds: int = 300) -> Outbound | None:
        """Take a queued email whose time has come (or a 'sending' one whose lease ran out)."""
        claim = self.claim_outbound_lease(outbox_id, now, lease_seconds)
        return claim[0] if claim else None

    def claim_outbound_lease(self, outbox_id: str, now: datetime,
                             lease_seconds: int = 300) -> tuple[Outbound, int, int] | None:
        """Take an email for sending: (the mail, the claim's number, attempts so far, this one included);
        None when it is not due, already sent, or another sender's lease still runs.

        The claim's number is the lease: only the sender holding the latest claim can mark the mail
        sent or unsent, so a sender whose lease ran out cannot write over the one that took it over.
        While it is being sent the mail stays in the queue under its lease's end, where a later run
        finds it if the sender died.
        """
        lease = now + timedelta(seconds=lease_seconds * self.lease_scale)
        try:
            result = self._table.update_item(
                Key={"PK": f"OUT#{outbox_id}", "SK": "-"},
                UpdateExpression="SET #s = :sending, lease_until = :lease, GSI2SK = :lease_iso, "
                                 "claimed_at = :now_iso ADD attempts :one, claim_no :one",
                ConditionExpression=("(#s = :queued AND (attribute_not_exists(next_attempt_at)"
                                     " OR next_attempt_at <= :now_iso))"
                                     " OR (#s = :sending AND lease_until < :now)"),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": "sending", ":queued": "queued", ":one": 1,
                                           ":now": _epoch(now), ":now_iso": iso(now), ":lease": _epoch(lease),
                                           ":lease_iso": iso(lease)},
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if self._is_conflict(exc):
                return None
            raise
        item = self._with_content(_plain(result["Attributes"]))
        fields = Outbound.__dataclass_fields__
        mail = Outbound(**{k: v for k, v in item.items() if k in fields})
        return mail, int(item["claim_no"]), int(item["attempts"])

    def _finish_claim(self, outbox_id: str, claim_no: int | None, update: str, values: dict) -> bool:
        condition = "#s = :sending" + (" AND claim_no = :claim" if claim_no is not None else "")
        if claim_no is not None:
            values = {**values, ":claim": claim_no}
        return self._update_if(Key={"PK": f"OUT#{outbox_id}", "SK": "-"}, UpdateExpression=update,
                                ConditionExpression=condition, ExpressionAttributeNames={"#s": "status"},
                                ExpressionAttributeValues={":sending": "sending", **values})

    def mark_sent(self, outbox_id: str, ses_message_id: str, at: str, claim_no: int | None = None) -> bool:
        """Sent; False when this sender no longer holds the claim."""
        return self._finish_claim(
            outbox_id, claim_no, "SET #s = :sent, sent_at = :at, ses_message_id = :sid REMOVE GSI2PK, GSI2SK",
            {":sent": "sent", ":at": at, ":sid": ses_message_id})

    def mark_unsent(self, outbox_id: str, error: str, give_up: bool, claim_no: int | None = None,
                    next_attempt_at: str | None = None, at: str | None = None) -> bool:
        """Back to the queue, due at `next_attempt_at`, or (give_up) dead-lettered: out of the queue,
        kept in the dead letters until someone retries it."""
        values = {":e": error[:1000]}
        if give_up:
            update = "SET #s = :dead, last_error = :e, dead_at = :at, GSI2PK = :dq, GSI2SK = :at"
            values.update({":dead": "dead", ":dq": OUTBOX_DEAD, ":at": at or next_attempt_at or ""})
        else:
            update = "SET #s = :queued, last_error = :e, next_attempt_at = :next, GSI2SK = :next"
            values.update({":queued": "queued", ":next": next_attempt_at or at or ""})
        return self._finish_claim(outbox_id, claim_no, update, values)

    def mark_suppressed(self, outbox_id: str, addresses: list[str], at: str, claim_no: int | None = None) -> bool:
        """Not sent, and never will be: every recipient is on the suppression list."""
        return self._finish_claim(
            outbox_id, claim_no, "SET #s = :sup, suppressed = :who, suppressed_at = :at REMOVE GSI2PK, GSI2SK",
            {":sup": "suppressed", ":who": addresses, ":at": at})

    def revive_outbound(self, outbox_id: str, at: str) -> bool:
        """A dead email back to the queue, due now, with a fresh count of attempts; False unless dead."""
        return self._update_if(
            Key={"PK": f"OUT#{outbox_id}", "SK": "-"},
            UpdateExpression="SET #s = :queued, attempts = :zero, next_attempt_at = :at, revived_at = :at, "
                             "GSI2PK = :q, GSI2SK = :at",
            ConditionExpression="#s = :dead", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":queued": "queued", ":dead": "dead", ":zero": 0, ":at": at,
                                       ":q": OUTBOX_QUEUE})

    def replace_queued(self, outbox_id: str, values: dict, key: str) -> bool:
        """Give a still-queued email new content (`values`, with its `text` and `html`) and note `key`
        among the updates it carries; False when it is no longer queued or already carries `key`.
        The new text is kept on the outbox item itself, so it changes in the same conditional write."""
        values = dict(values)
        if "text" in values:
            values["content"] = pack_content(values.pop("text"), values.pop("html", None))
        names = {"#s": "status", **{f"#k{i}": k for i, k in enumerate(values)}}
        vals = {":queued": "queued", ":key": key, ":keys": [key], ":none": [],
                **{f":v{i}": v for i, v in enumerate(values.values())}}
        update = ("SET update_keys = list_append(if_not_exists(update_keys, :none), :keys)"
                  + "".join(f", #k{i} = :v{i}" for i in range(len(values))))
        if "content" in values:
            update += " REMOVE content_item"
        return self._update_if(
            Key={"PK": f"OUT#{outbox_id}", "SK": "-"}, UpdateExpression=update,
            ConditionExpression="#s = :queued AND NOT contains(update_keys, :key)",
            ExpressionAttributeNames=names, ExpressionAttributeValues=vals)

    def outbound(self, outbox_id: str) -> dict | None:
        item = self._get(f"OUT#{outbox_id}")
        return self._with_content(item) if item else None

    def pending_outbound(self, limit: int = 100, until: str | None = None) -> list[str]:
        """Queued (and being sent) emails, earliest due first; with `until`, only those due by then."""
        return [i["PK"].split("#", 1)[1] for i in self._queue_keys(OUTBOX_QUEUE, limit, until)]

    def queued_outbound(self, limit: int = 500) -> list[dict]:
        return self._queue(OUTBOX_QUEUE, limit)

    def dead_outbound(self, limit: int = 500) -> list[dict]:
        return self._queue(OUTBOX_DEAD, limit)

    # --- suppression list ---------------------------------------------------------------------

    def suppress(self, address: str, reason: str, at: str, **detail: Any) -> bool:
        """Put an address on the suppression list once (the first reason stands); False if it was on it."""
        return self._put_new({"PK": f"SUP#{address.lower()}", "SK": "-", "type": "suppression",
                              "address": address.lower(), "reason": reason, "at": at,
                              **{k: v for k, v in detail.items() if v is not None}})

    def suppression(self, address: str) -> dict | None:
        return self._get(f"SUP#{address.lower()}")

    # --- staff pages --------------------------------------------------------------------------

    def _query_assignee_index(self, pk: str, limit: int) -> list[dict]:
        from boto3.dynamodb.conditions import Key

        return self._fetch(self._index_keys("by_assignee", Key("GSI3PK").eq(pk), limit, forward=False))

    def requests_of_staff(self, staff_id: str, limit: int = 500) -> list[Request]:
        """The requests assigned to `staff_id`, newest first (resolved and closed ones too)."""
        fields = Request.__dataclass_fields__
        return [Request(**{k: v for k, v in item.items() if k in fields})
                for item in self.request_records_of_staff(staff_id, limit)]

    def request_records_of_staff(self, staff_id: str, limit: int = 500) -> list[dict]:
        """The whole items (status_since and the rest) of the requests assigned to `staff_id`, newest first."""
        return [item for item in self._query_assignee_index(f"STAFF#{staff_id}", limit)
                if item.get("type") == "request"]

    def open_tasks_of(self, staff_id: str, limit: int = 500) -> list[dict]:
        """Task items (PK=REQ#<id>, SK=TASK#<stage>#<cycle>#<person>, GSI3PK=TASKS#<person>) still open."""
        return [item for item in self._query_assignee_index(f"TASKS#{staff_id}", limit)
                if item.get("state") == "open"]

    # --- SLA ------------------------------------------------------------------------------------

    def sla_due(self, until: str, limit: int = 200) -> list[dict]:
        """Open requests whose next SLA alarm (their place in the OPEN index) is at or before `until`,
        earliest first: a query of the sparse index, never a scan of the table."""
        return self.open_requests(until, limit)

    def claim_sla_level(self, request_id: str, target: str, level: str, due: str, statuses: tuple[str, ...]) -> bool:
        """Mark the level (`reminder`, `red_zone`) of a target as sent for this due time, if it was not,
        the due time is still `due` and the status one of `statuses`; False when someone else did or
        the request moved on. Two overlapping scans: one of them sends."""
        condition = ("#due = :due AND #s IN (" + ", ".join(f":s{i}" for i in range(len(statuses))) + ")"
                     " AND (attribute_not_exists(#flag) OR #flag <> :due)")
        if target == "first_response":
            condition += " AND (attribute_not_exists(first_response_at) OR attribute_type(first_response_at, :null))"
        values = {":due": due, **{f":s{i}": s for i, s in enumerate(statuses)}}
        if target == "first_response":
            values[":null"] = "NULL"
        return self._conditional_update(request_id, "SET #flag = :due", condition,
                                        {"#due": f"due_{target}", "#s": "status", "#flag": f"sla_{target}_{level}"},
                                        values)

    def set_sla_alarm(self, request_id: str, expected: str, alarm: str) -> bool:
        """Move the request's place in the OPEN index from `expected` to its next SLA alarm; False when a
        status change moved it meanwhile (that one wins)."""
        return self._conditional_update(request_id, "SET GSI2SK = :alarm", "GSI2PK = :open AND GSI2SK = :old",
                                        None, {":alarm": alarm, ":open": "OPEN", ":old": expected})

    def open_counts(self, staff_ids: list[str]) -> dict[str, int]:
        """Open requests per person (the counters kept by every status change and reassignment)."""
        return {name.split("#", 1)[1]: n for name, n in self.counters([f"open#{s}" for s in staff_ids]).items()}

    # --- closure and the survey ---------------------------------------------------------------

    def request_record(self, request_id: str) -> dict | None:
        """The request's whole item (status_since, closed_reason and the rest the Request model leaves out)."""
        return self._get(f"REQ#{request_id}", "META")

    def mark_for_closure(self, request_id: str, status: str, since: str) -> None:
        """Put the request in the queue of `status` (resolved, waiting_customer) under the time it got it.

        One mark per request (REQ#<id> / CLOSURE) in the sparse open_by_due index; a later status change
        replaces an earlier mark, never the other way round. The closing job checks a mark against the
        request before acting and drops the ones that went stale.
        """
        try:
            self._table.put_item(
                Item={"PK": f"REQ#{request_id}", "SK": "CLOSURE", "type": "closure_mark", "request_id": request_id,
                      "status": status, "since": since, "GSI2PK": f"CLOSE#{status}", "GSI2SK": since},
                ConditionExpression="attribute_not_exists(PK) OR since <= :since",
                ExpressionAttributeValues={":since": since})
        except Exception as exc:
            if not self._is_conflict(exc):
                raise

    def closure_candidates(self, status: str, until: str, limit: int = 100) -> list[dict]:
        """Marks of requests that got `status` at or before `until`, oldest first (what a mark holds is
        its keys: the request, the status and the time it got it)."""
        return [{"request_id": k["PK"].split("#", 1)[1], "status": status, "since": k["GSI2SK"]}
                for k in self._queue_keys(f"CLOSE#{status}", limit, until)]

    def drop_closure_mark(self, request_id: str, since: str) -> None:
        """Remove the mark, if it still is the one made at `since`."""
        try:
            self._table.delete_item(Key={"PK": f"REQ#{request_id}", "SK": "CLOSURE"},
                                    ConditionExpression="since = :since", ExpressionAttributeValues={":since": since})
        except Exception as exc:
            if not self._is_conflict(exc):
                raise

    def close_request(self, request_id: str, expected: str, since: str, at: str, reason: str) -> bool:
        """Close the request if it is still `expected` since `since` (the claim of the closing job: of two
        runs, one wins); False otherwise. `closed_from` keeps `since`, so a run that stopped midway can
        be finished by the next."""
        return self._conditional_update(
            request_id, "SET #s = :closed, status_since = :at, closed_at = :at, closed_reason = :reason, "
                        "closed_from = :since, version = version + :one REMOVE GSI2PK, GSI2SK",
            "#s = :from AND status_since = :since", {"#s": "status"},
            {":closed": "closed", ":at": at, ":reason": reason, ":one": 1, ":from": expected, ":since": since})

    def add_survey_answer(self, request_id: str, answer: dict) -> bool:
        """Keep the customer's answer (REQ#<id> / SURVEY); False when the request has one already."""
        return self._put_new({"PK": f"REQ#{request_id}", "SK": "SURVEY", "type": "survey_answer",
                              "request_id": request_id, **answer})

    def survey_answer(self, request_id: str) -> dict | None:
        return self._get(f"REQ#{request_id}", "SURVEY")

    # --- KPI aggregates (owned by the KPI work; see core/kpi and docs/KPI.md) ----------------------

    def _kpi_context(self, request_id: str, wanted: set[str], data: dict, read: dict | None = None):
        """The context an event's contributions need; `read`: parts the caller has read already
        ({"request": item, "stage": item})."""
        from ..core.kpi.contributions import Context

        read = read or {}
        context = Context()
        if "stage" in wanted and read.get("stage") is not None:
            context.stage = read["stage"]
            wanted = wanted - {"stage"}
        if "request" in wanted:
            context.request = read["request"] if read.get("request") is not None else self._get(
                f"REQ#{request_id}", "META")
        if "events" in wanted:
            context.events = self.events(request_id)
        if "customer_requests" in wanted and context.request and context.request.get("customer_email"):
            context.customer_requests = self.requests_of_customer(context.request["customer_email"])
        if "stage" in wanted and data.get("stage") is not None and data.get("cycle") is not None:
            context.stage = self.stage(request_id, str(data["stage"]), int(data["cycle"]))
        if "waiting_stages" in wanted:
            context.waiting_stages = [s["stage"] for s in self.stages(request_id) if s.get("state") == "waiting"]
        return context

    def _put_event_with_aggregates(self, item: dict, adds: list, attempts: int = 5) -> bool:
        """One TransactWriteItems: the conditional create of the event and an ADD per aggregate item."""
        actions = self._event_actions(item, adds)
        if not self._transactions:
            put, *updates = actions
            if not self._put_new(put["Put"]["Item"]):
                return False
            for update in updates:
                self._table.meta.client.update_item(**update["Update"])
            return True
        return self._transact_creating(actions, 1, attempts)

    def _event_actions(self, item: dict, adds: list) -> list[dict]:
        """The transaction's actions: Put of the event (if new), one Update (ADD) per aggregate item."""
        merged: dict[tuple[str, str], dict[str, int]] = {}
        for add in adds:
            counters = merged.setdefault((add.day, add.dimension), {})
            for key, value in add.counters.items():
                counters[key] = counters.get(key, 0) + value
        name = self._table.name
        actions = [{"Put": {"TableName": name, "Item": item,
                            "ConditionExpression": "attribute_not_exists(PK)"}}]
        for (day, dimension), counters in merged.items():
            names = {f"#c{i}": k for i, k in enumerate(counters)}
            values = {f":c{i}": v for i, v in enumerate(counters.values())}
            actions.append({"Update": {
                "TableName": name, "Key": {"PK": f"KPI#{day}", "SK": dimension},
                "UpdateExpression": "SET #t = :t ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters))),
                "ExpressionAttributeNames": {"#t": "type", **names},
                "ExpressionAttributeValues": {":t": "kpi", **values}}})
        return actions

    def kpi_items(self, days: list[str]) -> list[dict]:
        """Every aggregate item of these days (one query per day: dimensions are people and stages)."""
        items: list[dict] = []
        for day in days:
            items.extend(self._query_all(f"KPI#{day}"))
        return items

    def kpi_now(self) -> list[dict]:
        return self._query_all("KPI#now")

    def _query_all(self, pk: str) -> list[dict]:
        from boto3.dynamodb.conditions import Key

        items, kwargs = [], {"KeyConditionExpression": Key("PK").eq(pk)}
        while True:
            page = self._table.query(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def open_requests(self, until: str | None = None, limit: int = 5000) -> list[dict]:
        """Open requests (the sparse OPEN index), soonest due first; `until`: only those due by then."""
        return self._fetch(self._queue_keys("OPEN", limit, until, keep=lambda k: k["SK"] == "META"))

    def claim_digest(self, key: str, at: str) -> bool:
        """Take the sending of one digest (manager, period); False when someone already did."""
        return self._put_new({"PK": f"DIGEST#{key}", "SK": "-", "type": "digest_claim", "claimed_at": at})

    def all_events(self, since: str | None = None) -> list[dict]:
        """The whole event log, oldest first (a scan: for the export, not for pages)."""
        from boto3.dynamodb.conditions import Attr

        condition = Attr("type").eq("event")
        if since:
            condition = condition & Attr("at").gte(since)
        items, kwargs = [], {"FilterExpression": condition}
        while True:
            page = self._table.scan(**kwargs)
            items.extend(_plain(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(items, key=lambda e: (e["at"], e["PK"], e["SK"]))

"""(d) What a month's digest reads, at 1,000 and at 100,000 requests: DynamoDB items and read units.

At 1,000 requests the aggregates are written event by event through `DeskTable.add_event` (its
contributions and the very actions of its TransactWriteItems) on in-process moto, events only: the
request snapshot the adapter would read is handed in, and the actions are applied one by one (moto
deep-copies the whole table for every TransactWriteItems). moto still takes tens of milliseconds per
event on the shared machine, so at 100,000 requests the same contributions are summed per aggregate
item and applied with the adapter's own ADD action; at 1,000 the bench checks that both ways leave
identical items. The
digest then runs as the desk runs it (`Digests.report` and the overdue query), and every Query it
makes is counted from the responses: items (`Count`) and read units (moto reports `ConsumedCapacity`
as 1 per call, so units are also estimated from the bytes read: 0.5 per 4 KB per page, eventually
consistent, as DynamoDB bills a Query).
"""
from __future__ import annotations

import json
import math
import time
from datetime import datetime, timedelta, timezone

RATIO_TARGET = 1.1
VOLUMES = (1_000, 100_000)
EVENT_PATH_UP_TO = 1_000
UPDATE_CHUNK = 40
"""Counters per UpdateItem when applying summed contributions (an expression is at most 4 KB)."""
"""Volumes up to this go event by event through add_event (and are checked against the summed path)."""
MONTH = [f"2026-11-{d:02d}" for d in range(1, 31)]
PREVIOUS = [(datetime(2026, 10, 2) + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(30)]


def _table_class():
    from chalicelib.adapters.dynamodb import DeskTable
    from chalicelib.core.kpi.contributions import Context

    class SnapshotTable(DeskTable):
        """DeskTable whose KPI context is handed in instead of read (the write path is the real one)."""
        snapshot: dict | None = None

        def _kpi_context(self, request_id, wanted, data, read=None):
            return Context(request=self.snapshot, events=[])

        def _put_event_with_aggregates(self, item, adds, attempts=5):
            """The transaction's own actions, applied one by one: moto's TransactWriteItems deep-copies
            the table on every call, which makes 400,000 of them quadratic."""
            client = self._table.meta.client
            put, *updates = self._event_actions(item, adds)
            try:
                client.put_item(**put["Put"])
            except self._client_error as exc:
                if self._is_conflict(exc):
                    return False
                raise
            for update in updates:
                client.update_item(**update["Update"])
            return True

    return SnapshotTable


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def month_events(requests: int, staff: list[str]):
    """Per request: received, assigned, first response and resolution, spread over the month."""
    for i in range(requests):
        created = datetime(2026, 11, 1 + i % 27, 8, tzinfo=timezone.utc) + timedelta(seconds=(i * 37) % 36000)
        person = staff[i % len(staff)]
        rid = f"RF-B-{i:06d}"
        snapshot = {"request_id": rid, "created_at": _iso(created), "assignee": person,
                    "due_resolution": _iso(created + timedelta(hours=72))}
        answered = created + timedelta(minutes=(i * 13) % 600)
        resolved = created + timedelta(minutes=60 + (i * 71) % 4000)
        yield rid, _iso(created), "0", "received", {"source": "email"}, snapshot
        yield rid, _iso(created), "2", "assigned", {"assignee": person, "department": "sales"}, snapshot
        yield rid, _iso(answered), "first", "first_response", {"author": person}, snapshot
        yield rid, _iso(resolved), "status", "status_changed", {"from": "waiting_customer", "to": "resolved",
                                                                 "by": person}, snapshot


def write_events(table, requests: int, staff: list[str]) -> float:
    """Every event through add_event (contributions + the transaction's actions)."""
    start = time.perf_counter()
    for rid, at, seq, event, fields, snapshot in month_events(requests, staff):
        table.snapshot = snapshot
        table.add_event(rid, at, seq, event, **fields)
    return time.perf_counter() - start


def write_summed(table, requests: int, staff: list[str]) -> float:
    """The same contributions (core.kpi.contributions), summed per aggregate item in memory and applied
    with the adapter's own ADD action, one per item: the items add_event would leave, since ADD commutes.
    (moto takes tens of ms per event here: 400,000 events one by one would take hours.)"""
    from chalicelib.core.kpi.contributions import Context, Contribution, contributions

    start = time.perf_counter()
    merged: dict[tuple[str, str], dict[str, int]] = {}
    for _, at, _, event, fields, snapshot in month_events(requests, staff):
        for c in contributions(event, at, fields, Context(request=snapshot, events=[])):
            counters = merged.setdefault((c.day, c.dimension), {})
            for k, v in c.counters.items():
                counters[k] = counters.get(k, 0) + v
    client = table._table.meta.client
    for (day, dimension), counters in merged.items():
        names = list(counters)
        for i in range(0, len(names), UPDATE_CHUNK):
            part = {k: counters[k] for k in names[i:i + UPDATE_CHUNK]}
            _, update = table._event_actions({"PK": "-", "SK": "-"}, [Contribution(day, dimension, part)])
            client.update_item(**update["Update"])
    return time.perf_counter() - start


class ReadMeter:
    """Counts what Query calls return: items, reported capacity, estimated read units."""

    def __init__(self, client):
        self.items = self.calls = 0
        self.reported_units = 0.0
        self.estimated_units = 0.0
        client.meta.events.register("after-call.dynamodb.Query", self._seen)

    def _seen(self, parsed, **_):
        self.calls += 1
        self.items += parsed.get("Count", 0)
        self.reported_units += (parsed.get("ConsumedCapacity") or {}).get("CapacityUnits", 0.0)
        size = sum(len(json.dumps(item)) for item in parsed.get("Items", []))
        self.estimated_units += max(0.5, math.ceil(size / 4096) * 0.5)


def _bare_table(session, name: str):
    client = session.client("dynamodb")
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                              {"AttributeName": "SK", "AttributeType": "S"}])
    return session.resource("dynamodb").Table(name)


def one_volume(requests: int, log, *, events: bool) -> dict:
    import boto3
    from moto import mock_aws

    from chalicelib.core.config import load_config
    from chalicelib.core.clock import FixedClock
    from chalicelib.service.digests import Digests
    from chalicelib.settings import DEFAULT_CONFIG
    from devstack.resources import Clients, create_resources

    config = load_config(DEFAULT_CONFIG)
    staff = [s.id for s in config.staff if s.active]
    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        resources = create_resources(Clients.from_session(session), prefix="rfbench")
        resource = session.resource("dynamodb").Table(resources.table_name)
        table = _table_class()(resource)
        checked = None
        if events:
            seconds = write_events(table, requests, staff)
            summed = _table_class()(_bare_table(session, "rfbench-summed"))
            write_summed(summed, requests, staff)
            key = lambda i: (i["PK"], i["SK"])  # noqa: E731
            checked = sorted(table.kpi_items(MONTH), key=key) == sorted(summed.kpi_items(MONTH), key=key)
            assert checked, "summed contributions must leave the same items as add_event"
        else:
            seconds = write_summed(table, requests, staff)
        meter = ReadMeter(resource.meta.client)
        digests = Digests(config=config, table=table, store=None, outbox=None, templates=None,
                          clock=FixedClock(datetime(2026, 12, 1, 9, tzinfo=timezone.utc)))
        report = digests.report(MONTH, PREVIOUS)
        overdue, _ = digests.late(digests.clock.now())
        assert report.figures.resolved == requests, (report.figures.resolved, requests)
        how = "through add_event" if events else "as summed contributions"
        log(f"  {requests:>7,} requests ({4 * requests:,} events {how}, {seconds:.0f} s): the month's digest read "
            f"{meter.items} items in {meter.calls} queries, ~{meter.estimated_units:.1f} read units "
            f"(median resolution {report.figures.resolution.median} min)")
        return {"requests": requests, "events": 4 * requests, "written": how, "write_seconds": round(seconds, 1),
                "same_items_as_summed": checked, "items_read": meter.items, "queries": meter.calls,
                "read_units_estimated": meter.estimated_units, "read_units_reported_by_moto": meter.reported_units,
                "resolved": report.figures.resolved, "overdue_listed": len(overdue)}


def bench_digest(log, volumes=VOLUMES) -> dict:
    runs = [one_volume(n, log, events=n <= EVENT_PATH_UP_TO) for n in volumes]
    small, large = runs[0], runs[-1]
    return {"runs": runs, "items_ratio": large["items_read"] / small["items_read"],
            "units_ratio": large["read_units_estimated"] / small["read_units_estimated"]}


if __name__ == "__main__":
    import sys

    print(json.dumps(bench_digest(print, tuple(int(a) for a in sys.argv[1:]) or VOLUMES), indent=1))

"""Figure (d): what 1,000 orders through the 4-stage order route cost on AWS at list prices, from the
operations counted while they run on the embedded stack (bench/meter.py), priced by bench/cost.py.

    python -m bench.aws_cost [--requests 1000] [--batch 20]

Each order is an email stating its monthly need (so `order_approval` starts), delivered as SES does
(stored under inbound/, SNS notification to the handler); every task is decided through its signed
link from the task mail (the confirmation page GET, then the POST) through `chalice.test.Client`; the
route's machine runs on moto, its stage messages are handed to the SQS handler. Orders go in batches
so the machines of a batch run side by side. The desk's clock stands still, so no stage timer fires.
Events and their KPI contributions go in one TransactWriteItems each, as the desk writes them on AWS
(the embedded stack otherwise writes them separately), so they are counted at the transactions' price.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

from . import cost
from .meter import Meter

ROOT = Path(__file__).resolve().parents[1]
ROUTE = "order_approval"
STUCK_SECONDS = 60.0


class CostBenchFailed(Exception):
    """The orders did not run through their route, so the counts would not describe it."""


def order_mail(n: int) -> bytes:
    return ("From: Pieter de Vries <p.devries@maasvlakte-logistics.nl>\r\nTo: desk@requestflow.example\r\n"
            f"Subject: Order {n}: stretch film\r\nMessage-ID: <bench-cost-{n}@maasvlakte-logistics.nl>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "We would like to order stretch film, 23 micron: 40 rolls per month.\r\n").encode()


def lambda_memory_mb() -> int:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return int(config["stages"]["dev"].get("lambda_memory_size") or config.get("lambda_memory_size") or 128)


def run_orders(requests: int, batch: int, log) -> dict:
    from chalicelib.core.clock import FixedClock
    from devstack.simulate import LocalDesk
    from devstack.stack import EmbeddedStack

    meter = Meter()
    stack = EmbeddedStack(clock=FixedClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)), in_process=True,
                          prefix="rfcost", task_pump=False, on_session=meter.attach,
                          event_transactions=True).start()
    stack.invocation_listeners.append(meter.invoked)
    desk = LocalDesk(stack)
    desk.http_listeners.append(meter.invoked)
    api_requests = 0

    def counted_click(url: str) -> None:
        nonlocal api_requests
        status = desk.click(url, "comment=")
        api_requests += 2
        if status != 200:
            raise CostBenchFailed(f"{url}: POST answered {status}")

    try:
        meter.reset()
        started = time.perf_counter()
        links: dict[tuple[str, str, int, str], str] = {}
        executions: list[str] = []
        done = 0
        for first in range(1, requests + 1, batch):
            orders = []
            for n in range(first, min(requests, first + batch - 1) + 1):
                outcome = desk.mail(order_mail(n), [str(stack.desk.config.desk.address)])
                if outcome.get("status") != "in_approval":
                    raise CostBenchFailed(f"order {n} started no route: {outcome}")
                orders.append(outcome["request_id"])
            pending = set(orders)
            deadline = time.monotonic() + STUCK_SECONDS
            while pending:
                desk.settle()
                for mail in desk.new_mail():
                    for url in mail.get("links") or []:
                        path = urllib.parse.urlsplit(url).path
                        action = desk.read_action(path) if path.startswith("/act/") else None
                        if action is not None and action.action in ("approve", "read", "start"):
                            links[(action.request_id, action.stage, action.cycle, action.person)] = url
                progressed = False
                for request_id in sorted(pending):
                    with meter.paused():
                        state = desk.route_state(request_id)
                    if not state["running"]:
                        pending.discard(request_id)
                        with meter.paused():
                            executions.append(stack.desk.table.get_request(request_id).execution)
                        done += 1
                        progressed = True
                        continue
                    for task in state["tasks"]:
                        key = (request_id, task["stage"], int(task["cycle"]), task["person"])
                        if task["state"] == "open" and key in links:
                            counted_click(links.pop(key))
                            progressed = True
                if progressed:
                    deadline = time.monotonic() + STUCK_SECONDS
                elif time.monotonic() > deadline:
                    raise CostBenchFailed(f"routes did not move for {STUCK_SECONDS:.0f} s: {sorted(pending)[:5]}")
                else:
                    time.sleep(0.02)
            sys.stderr.write(f"\r  {done}/{requests} orders through the route, {time.perf_counter() - started:.0f} s")
            sys.stderr.flush()
        sys.stderr.write("\n")
        wall = time.perf_counter() - started
        machines = stack.desk.approvals.machines
        transitions = sqs_sends = 0
        for arn in executions:
            with meter.paused():
                status, history = machines.status(arn), _history(stack, arn)
            if status != "SUCCEEDED":
                raise CostBenchFailed(f"{arn} ended {status}")
            transitions += sum(1 for e in history if e["type"].endswith("StateEntered"))
            sqs_sends += sum(1 for e in history if e["type"] == "TaskScheduled")
        # Taken before the counts: the bench's own reads above are outside them.
        counts = meter.counts(sfn_transitions=transitions, sfn_sqs_sends=sqs_sends, ses_received=requests,
                              sns_publishes=requests, api_requests=api_requests)
        return {"counts": counts, "wall_seconds": wall, "calls": dict(sorted(
                    (f"{s} {o}", n) for (s, o), n in meter.calls.items())),
                "invocations": dict(meter.invocations), "requests": requests,
                "wru_by": _per_kind(meter.wru_by, requests), "rru_by": _per_kind(meter.rru_by, requests)}
    finally:
        stack.stop()


def _per_kind(units, requests: int) -> dict[str, dict[str, float]]:
    """{item kind: {"table" or index: units per order}}, the costliest kind first."""
    kinds: dict[str, dict[str, float]] = {}
    for (what, where), n in units.items():
        kinds.setdefault(what, {})[where] = round(n / requests, 3)
    return dict(sorted(kinds.items(), key=lambda kv: -sum(kv[1].values())))


def format_units(per_kind: dict[str, dict[str, float]], unit: str, top: int = 10) -> str:
    lines = []
    for what, where in list(per_kind.items())[:top]:
        parts = ", ".join(f"{w} {n:g}" for w, n in sorted(where.items(), key=lambda kv: (kv[0] != "table", kv[0])))
        lines.append(f"  {what:<14} {sum(where.values()):7.2f} {unit} per order  ({parts})")
    return "\n".join(lines)


def _history(stack, arn: str) -> list[dict]:
    events, kwargs = [], {"executionArn": arn, "maxResults": 1000}
    while True:
        page = stack.sfn.get_execution_history(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def bench_cost(requests: int, batch: int, log, per: int = 1000) -> dict:
    measured = run_orders(requests, batch, log)
    memory = lambda_memory_mb()
    factor = per / requests
    counts = measured["counts"].scaled(factor)
    table = cost.rows(counts, memory)
    total, floor = cost.total(table), cost.floor(counts)
    ratio = total / floor if floor else float("inf")
    note = "" if requests == per else f" (counted for {requests} orders, scaled linearly ×{factor:g})"
    log(f"AWS cost of {per:,} orders through {ROUTE}{note}, eu-west-1 list prices, Lambda at {memory} MB:")
    log(cost.format_table(table))
    log(f"SES cost of the mail sent (the floor): ${floor:.4f}; total ÷ floor = {ratio:.2f}× "
        f"(target ≤ {cost.TARGET_RATIO}×) {'PASS' if ratio <= cost.TARGET_RATIO else 'MISS'}")
    rest = total - floor - cost.shape_cost(table)
    log(f"Set by the design's shape ({', '.join(cost.SHAPE_OPERATIONS)}): ${cost.shape_cost(table):.4f} "
        f"({cost.shape_cost(table) / floor:.2f}× the floor); the rest (DynamoDB, Lambda, S3, SQS, SNS) "
        f"${rest:.4f}, against ${cost.headroom(table, floor):.4f} left for it within the target")
    log("DynamoDB writes by item kind (table and each index written):")
    log(format_units(measured["wru_by"], "WRU"))
    log("DynamoDB reads by item kind:")
    log(format_units(measured["rru_by"], "RRU", top=6))
    log(f"counted in {measured['wall_seconds']:.0f} s on the embedded stack")
    return {"requests_counted": requests, "per": per, "memory_mb": memory, "ratio": ratio, "total_usd": total,
            "floor_usd": floor, "shape_usd": round(cost.shape_cost(table), 6),
            "headroom_usd": round(cost.headroom(table, floor), 6), "wall_seconds": round(measured["wall_seconds"], 1),
            "rows": [{"operation": r.operation, "count": round(r.count, 3), "unit": r.unit,
                      "unit_price_usd": r.unit_price, "cost_usd": round(r.cost, 6)} for r in table],
            "aws_calls_counted": measured["calls"], "handler_invocations": measured["invocations"],
            "dynamodb_wru_per_order_by_kind": measured["wru_by"], "dynamodb_rru_per_order_by_kind": measured["rru_by"],
            "raw_counts": {k: round(v, 3) for k, v in vars(measured["counts"]).items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.aws_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=20, help="orders whose routes run side by side")
    parser.add_argument("--json", type=Path, help="also write the figure's JSON here")
    args = parser.parse_args(argv)
    result = bench_cost(args.requests, args.batch, lambda text="": print(text, flush=True))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

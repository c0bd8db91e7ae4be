"""Figure (c): what an approval route costs in Step Functions state transitions.

The default order route runs end to end on the embedded stack through the real code paths: an order
email with its monthly need goes through the SNS handler, the route's machine runs on moto, the task
pump hands its stage messages to the SQS handler, and every task is decided by its signed link from the
task mail (the confirmation page GET, then the POST) through `chalice.test.Client(app.app)`. The count is
GetExecutionHistory's states entered (`RouteMachines.transitions`), which is what Standard workflows bill.
"""
from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass

from devstack.demo import StageDecided, approve_everything, walk_route
from devstack.stack import EmbeddedStack

ROUTE = "order_approval"
BUDGET_PER_PERSON_TASK = 2.0
"""On the happy path: at most two billed transitions for each task a person decides."""
USD_PER_1000_TRANSITIONS = 0.025
"""Step Functions Standard workflows, per 1,000 state transitions (the free tier left out)."""
TIME_SCALE = 60.0
"""Desk seconds per wall second: the shortest stage timer (a 4-hour reminder) fires after 4 wall
minutes, far beyond a walk of a few seconds, so no timer adds transitions to the decision path."""


class RouteBenchFailed(Exception):
    """The route did not run as the scenario says, so its count would not describe it."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    rejections: frozenset[tuple[str, int]] = frozenset()
    """(stage, cycle) that its first person rejects; every other task is approved."""

    def decide(self, stage: str, cycle: int, person: str, actions: tuple[str, ...]) -> str:
        if (stage, cycle) in self.rejections:
            return "reject"
        return approve_everything(stage, cycle, person, actions)


HAPPY = Scenario("happy", "every task approved")
REJECTED_ONCE = Scenario("rejected_once",
                         "rejected at summarize (back to approve, cycle 2), then approved through",
                         frozenset({("summarize", 1)}))
SCENARIOS = (HAPPY, REJECTED_ONCE)


def order_mail(n: int) -> bytes:
    return ("From: Pieter de Vries <p.devries@maasvlakte-logistics.nl>\r\nTo: desk@requestflow.example\r\n"
            f"Subject: Order {n}: stretch film\r\n"
            f"Message-ID: <bench-route-{n}-{time.time_ns()}@maasvlakte-logistics.nl>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "We would like to order stretch film, 23 micron: 40 rolls per month.\r\n").encode()


def per_person_task(transitions: int, person_tasks: int) -> float:
    return transitions / person_tasks


def usd_per_1000_requests(transitions_per_request: float) -> float:
    return transitions_per_request * 1000 * USD_PER_1000_TRANSITIONS / 1000


@dataclass
class RouteCount:
    scenario: str
    request_id: str
    transitions: int
    person_tasks: int
    states_entered: list[str]
    stages: list[StageDecided]
    status: str
    route_result: str | None
    seconds: float

    @property
    def per_person_task(self) -> float:
        return per_person_task(self.transitions, self.person_tasks)

    @property
    def usd_per_1000_requests(self) -> float:
        return usd_per_1000_requests(self.transitions)

    def to_dict(self) -> dict:
        return {"transitions_per_request": self.transitions, "person_tasks": self.person_tasks,
                "transitions_per_person_task": round(self.per_person_task, 3),
                "usd_per_1000_requests": round(self.usd_per_1000_requests, 4),
                "states_entered": self.states_entered,
                "stages_decided": [{"stage": s.stage, "cycle": s.cycle, "decisions": dict(s.decisions)}
                                   for s in self.stages],
                "request_status": self.status, "route_result": self.route_result,
                "wall_seconds": round(self.seconds, 2)}


def states_entered(stack: EmbeddedStack, execution_arn: str) -> list[str]:
    """The names of the states entered, in order: what the count is made of."""
    names, kwargs = [], {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = stack.sfn.get_execution_history(**kwargs)
        names += [e["stateEnteredEventDetails"]["name"] for e in page["events"]
                  if e["type"].endswith("StateEntered")]
        if not page.get("nextToken"):
            return names
        kwargs["nextToken"] = page["nextToken"]


def link_clicker(client):
    """A person's click through `chalice.test.Client`: the confirmation page, then the confirming POST."""
    def click(url: str) -> None:
        path = urllib.parse.urlsplit(url).path
        page = client.http.get(path)
        done = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body="comment=")
        if (page.status_code, done.status_code) != (200, 200):
            raise RouteBenchFailed(f"{path}: GET {page.status_code}, POST {done.status_code}: {done.body!r}")
    return click


def count_route(stack: EmbeddedStack, client, scenario: Scenario, n: int = 1) -> RouteCount:
    """One order through the route as `scenario` decides it, and its transitions."""
    start = time.perf_counter()
    outcome = stack.ingest(order_mail(n))
    request_id = outcome["request_id"]
    view = stack.request_json(request_id)
    if not view or not view["route"] or view["route"]["name"] != ROUTE:
        raise RouteBenchFailed(f"the order {request_id} started no {ROUTE} route: {outcome}")
    steps = walk_route(stack, request_id, link_clicker(client), decide=scenario.decide)
    view = stack.request_json(request_id)
    arn = view["execution"]
    machines = stack.desk.approvals.machines
    transitions = machines.transitions(arn)
    names = states_entered(stack, arn)
    if machines.status(arn) != "SUCCEEDED":
        raise RouteBenchFailed(f"the execution of {request_id} ended {machines.status(arn)}")
    woke = [name for name in names if name.startswith("Wake_")]
    if woke:
        raise RouteBenchFailed(f"a stage timer fired during the walk ({woke}): raise TIME_SCALE's margin")
    return RouteCount(scenario.name, request_id, transitions, len(view["tasks"]), names, steps, view["status"],
                      view["route_result"], time.perf_counter() - start)


def bench_routes(log) -> dict:
    """Every scenario once on a fresh embedded stack: {scenario: RouteCount}."""
    from chalice.test import Client

    stack = EmbeddedStack(time_scale=TIME_SCALE, prefix="rfbench").start()
    try:
        counts = {}
        with Client(stack.app) as client:
            for n, scenario in enumerate(SCENARIOS, 1):
                count = count_route(stack, client, scenario, n)
                counts[scenario.name] = count
                log(f"  {scenario.name:<14} {count.transitions:3d} transitions, {count.person_tasks} person tasks "
                    f"({count.per_person_task:.2f} per task), {count.seconds:.1f} s: "
                    + " → ".join(count.states_entered))
        return counts
    finally:
        stack.stop()

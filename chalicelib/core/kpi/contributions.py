"""What one event adds to the KPI aggregates. Pure: the adapter gathers the context it asks for.

An aggregate item is `KPI#<yyyy-mm-dd>` (UTC day of the event) / `<dimension>`: `desk`, `staff#<id>`
or `stage#<id>`, holding counters that are only ever ADDed to. `KPI#now` / `stage#<id>` holds the
number of requests waiting at a stage right now. Durations go into histogram counters
(`h_<kind>_<bucket>`, see `bucket`), so a digest computes median and p90 from a number of items that
depends on the period and the number of people and stages, never on the number of requests.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

NOW = "now"
"""The `day` of contributions that describe the present (requests waiting at a stage)."""
REPEAT_WINDOW = timedelta(days=7)
CLOSED = ("resolved", "closed")
NOT_ANSWERS = ("note", "assign", "unknown")
"""staff_replied commands that are not a reply to the customer."""


@dataclass(frozen=True)
class Contribution:
    day: str
    dimension: str
    counters: dict[str, int]


@dataclass
class Context:
    """What the adapter read for an event (only what `needs` asked for)."""
    request: dict | None = None
    events: list[dict] = field(default_factory=list)
    """The request's events written so far (not this one), in key order."""
    customer_requests: list[dict] = field(default_factory=list)
    """The customer's other requests (items with category, resolved_at)."""
    stage: dict | None = None
    """The stage item a stage_decided event closes (started_at)."""
    waiting_stages: list[str] = field(default_factory=list)
    """Stage ids still waiting when a route is force-completed."""


def needs(event: str, fields: dict) -> set[str]:
    """Which parts of `Context` the contributions of this event need."""
    if event == "classified":
        return {"request", "customer_requests"}
    if event in ("first_response", "survey_answered"):
        return {"request"}
    if event == "status_changed" and (is_resolution(fields) or is_reopen(fields)):
        return {"request", "events"}
    if event == "stage_decided":
        return {"stage"}
    if event == "route_force_completed":
        return {"waiting_stages"}
    return set()


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def day_of(at: str) -> str:
    return at[:10]


def minutes_between(start: str, end: str) -> int:
    return max(0, int((parse(end) - parse(start)).total_seconds() // 60))


def seconds_between(start: str, end: str) -> int:
    return max(0, int((parse(end) - parse(start)).total_seconds()))


BUCKETS = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440, 2160, 2880, 4320, 7200,
           10080, 20160, 43200)
"""Lower edges (minutes) of the duration histograms' buckets: 5 minutes … 30 days, each about 1.5× the
one before. 24 buckets per duration kind, whatever the volume: an aggregate item stays a few hundred
bytes, so a digest reads as many read units at 100,000 requests a month as at 1,000."""


def bucket(minutes: int) -> int:
    """The lower edge of a duration's histogram bucket (see `BUCKETS`; 30 days and more: the last)."""
    return BUCKETS[bisect_right(BUCKETS, max(0, minutes)) - 1]


def is_resolution(fields: dict) -> bool:
    """Into `resolved`, or into `closed` from an open status (closing a resolved request is not a
    second resolution)."""
    return fields.get("to") == "resolved" or (fields.get("to") == "closed" and fields.get("from") not in CLOSED)


def is_reopen(fields: dict) -> bool:
    return fields.get("from") in CLOSED and fields.get("to") not in CLOSED


def _is_staff_answer(e: dict) -> bool:
    return e.get("event") == "staff_replied" and e.get("command") not in NOT_ANSWERS


def first_contact(events_before: list[dict]) -> bool:
    """A resolution is a first-contact resolution when, before it, exactly one staff reply went to the
    customer, the customer wrote nothing after the first message and the request was never reopened."""
    answers = sum(1 for e in events_before if _is_staff_answer(e))
    follow_ups = sum(1 for e in events_before if e.get("event") == "customer_replied")
    reopens = sum(1 for e in events_before if e.get("event") == "status_changed" and is_reopen(e))
    return answers == 1 and follow_ups == 0 and reopens == 0


def _duration(kind: str, start: str, end: str) -> dict[str, int]:
    return {f"{kind}_n": 1, f"{kind}_s": seconds_between(start, end),
            f"h_{kind}_{bucket(minutes_between(start, end))}": 1}


def _staff(person: str | None) -> str | None:
    return f"staff#{person}" if person else None


def enrichment(event: str, fields: dict, context: Context) -> dict:
    """Fields stored on the event so the exported log alone recomputes every KPI: who held the
    request at a resolution or a survey answer, the resolution due time, the customer."""
    request = context.request or {}
    if event == "status_changed" and "request" in needs(event, fields):
        return {"assignee": request.get("assignee"), "due": request.get("due_resolution")}
    if event == "survey_answered":
        return {"assignee": request.get("assignee")}
    if event == "classified":
        return {"customer": request.get("customer_email")}
    return {}


def contributions(event: str, at: str, fields: dict, context: Context) -> list[Contribution]:
    """The counters this event adds, per (day, dimension)."""
    day = day_of(at)
    out: list[tuple[str, str | None, dict[str, int]]] = []
    request = context.request or {}
    if event == "received":
        out.append((day, "desk", {"received": 1}))
    elif event == "classified":
        counters = {f"cat_{fields.get('category')}": 1}
        if _repeat(request, fields.get("category"), context.customer_requests):
            counters["repeats"] = 1
        out.append((day, "desk", counters))
    elif event in ("assigned", "reassigned"):
        person = fields.get("assignee") or fields.get("to")
        out.append((day, _staff(person), {"assigned": 1}))
    elif event == "first_response" and request.get("created_at"):
        counters = _duration("frt", request["created_at"], at)
        out += [(day, "desk", counters), (day, _staff(fields.get("author")), counters)]
    elif event == "status_changed" and is_resolution(fields) and request.get("created_at"):
        counters = _duration("res", request["created_at"], at)
        counters["resolved"] = 1
        due = request.get("due_resolution")
        if due and parse(at) <= parse(due):
            counters["on_time"] = 1
        if first_contact(context.events):
            counters["fcr"] = 1
        out += [(day, "desk", counters), (day, _staff(request.get("assignee")), counters)]
    elif event == "status_changed" and is_reopen(fields):
        out += [(day, "desk", {"reopens": 1}), (day, _staff(request.get("assignee")), {"reopens": 1})]
        out += _retracted_fcr(context.events, request)
    elif event == "survey_answered" and isinstance(fields.get("score"), int):
        score = fields["score"]
        counters = {"csat_n": 1, "csat_sum": score, "csat_good": 1 if score >= 4 else 0}
        out += [(day, "desk", counters), (day, _staff(request.get("assignee")), counters)]
    elif event == "sla_red_zone":
        out += [(day, "desk", {"red_zone": 1}), (day, _staff(fields.get("holder")), {"red_zone": 1})]
    elif event == "stage_started" and fields.get("state", "waiting") == "waiting":
        stage = f"stage#{fields.get('stage')}"
        out += [(day, stage, {"started": 1}), (NOW, stage, {"waiting": 1})]
    elif event == "stage_decided" and context.stage and context.stage.get("started_at"):
        stage = f"stage#{fields.get('stage')}"
        out += [(day, stage, {"decided": 1, **_duration("dur", context.stage["started_at"], at)}),
                (NOW, stage, {"waiting": -1})]
    elif event == "route_force_completed":
        out += [(NOW, f"stage#{s}", {"waiting": -1}) for s in context.waiting_stages]
    elif event == "route_finished":
        out.append((day, "desk", {"approved" if fields.get("result") == "approved" else "not_approved": 1}))
    elif event == "route_result_changed":
        if fields.get("result") == "approved":
            out.append((day, "desk", {"approved": 1}))
        elif fields.get("previous") == "approved":
            out.append((day, "desk", {"approved": -1}))
    elif event == "execution_started":
        out.append((day, "desk", {"executions": 1}))
    return [Contribution(d, dim, {k: v for k, v in c.items() if v}) for d, dim, c in out
            if dim and any(c.values())]


def _repeat(request: dict, category: str | None, others: list[dict]) -> bool:
    created = request.get("created_at")
    if not created or not category:
        return False
    start = parse(created) - REPEAT_WINDOW
    for other in others:
        if other.get("request_id") == request.get("request_id") or other.get("category") != category:
            continue
        resolved = other.get("resolved_at")
        if resolved and start <= parse(resolved) < parse(created):
            return True
    return False


def _retracted_fcr(events: list[dict], request: dict) -> list[tuple[str, str | None, dict[str, int]]]:
    """The first reopen takes back the first-contact resolution counted at the first resolution."""
    if any(e.get("event") == "status_changed" and is_reopen(e) for e in events):
        return []
    for i, e in enumerate(events):
        if e.get("event") == "status_changed" and is_resolution(e):
            if not first_contact(events[:i]):
                return []
            day = day_of(e["at"])
            holder = e.get("assignee") or request.get("assignee")
            return [(day, "desk", {"fcr": -1}), (day, _staff(holder), {"fcr": -1})]
    return []

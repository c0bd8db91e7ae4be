"""The KPI figures of a period, computed from its aggregate items only. Pure.

Definitions (also in docs/KPI.md): every figure counts events whose UTC day falls in the period.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

SCORE_WEIGHTS = {"resolved": 0.4, "on_time": 0.3, "csat": 0.2, "fcr": 0.1}
"""Per-staff performance score, 0–100:
100 × (0.4 × resolved ÷ most resolved by anyone + 0.3 × share resolved on time
       + 0.2 × (mean CSAT − 1) ÷ 4 + 0.1 × first-contact share);
a part without data (no resolutions: on time and FCR; no survey answers: CSAT) is left out and the
remaining weights are scaled up to 1."""


def totals(items: list[dict]) -> dict[str, dict[str, int]]:
    """Counters summed per dimension over the items (days) given."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in items:
        dim = item.get("SK") or item.get("dimension")
        for key, value in item.items():
            if key in ("PK", "SK", "dimension", "day", "type") or not isinstance(value, (int, float)):
                continue
            out[dim][key] += int(value)
    return {dim: dict(c) for dim, c in out.items()}


def histogram(counters: dict[str, int], kind: str) -> dict[int, int]:
    prefix = f"h_{kind}_"
    return {int(k[len(prefix):]): v for k, v in counters.items() if k.startswith(prefix) and v > 0}


def percentile(hist: dict[int, int], q: float) -> int | None:
    """Nearest rank: the ceil(q·n)-th smallest duration (minutes, at its bucket's lower edge)."""
    n = sum(hist.values())
    if n <= 0:
        return None
    rank, seen = max(1, math.ceil(q * n)), 0
    for edge in sorted(hist):
        seen += hist[edge]
        if seen >= rank:
            return edge
    return None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean_minutes(counters: dict[str, int], kind: str) -> float | None:
    n = counters.get(f"{kind}_n", 0)
    return counters.get(f"{kind}_s", 0) / n / 60 if n else None


@dataclass
class Durations:
    count: int
    mean: float | None
    """Minutes."""
    median: int | None
    p90: int | None


def durations(counters: dict[str, int], kind: str) -> Durations:
    hist = histogram(counters, kind)
    return Durations(counters.get(f"{kind}_n", 0), _mean_minutes(counters, kind), percentile(hist, 0.5),
                     percentile(hist, 0.9))


@dataclass
class Figures:
    """The headline figures of one period (desk-wide)."""
    received: int
    resolved: int
    first_response: Durations
    resolution: Durations
    csat_answers: int
    csat_share: float | None
    """Share of answers 4–5."""
    csat_mean: float | None
    fcr: int
    fcr_share: float | None
    """Share of resolutions that were first-contact."""
    repeats: int
    """Repeat requests + reopens."""
    reopens: int
    on_time_share: float | None
    red_zone: int
    cost_per_request: float | None
    orders: int
    approved: int
    executions: int


@dataclass
class StaffRow:
    staff_id: str
    name: str
    assigned: int
    resolved: int
    on_time_share: float | None
    csat_answers: int
    csat_share: float | None
    csat_mean: float | None
    fcr_share: float | None
    first_response_median: int | None
    red_zone: int
    score: float


@dataclass
class StageRow:
    stage: str
    name: str
    waiting_now: int
    started: int
    decided: int
    median: int | None
    p90: int | None


@dataclass
class Report:
    days: list[str]
    figures: Figures
    previous: Figures
    staff: list[StaffRow] = field(default_factory=list)
    stages: list[StageRow] = field(default_factory=list)


def figures(t: dict[str, dict[str, int]], *, days: int, cost_per_month: float,
            order_categories: tuple[str, ...]) -> Figures:
    desk = t.get("desk", {})
    resolved = desk.get("resolved", 0)
    cost = None
    if cost_per_month and resolved:
        cost = cost_per_month * days / 30 / resolved
    return Figures(
        received=desk.get("received", 0), resolved=resolved,
        first_response=durations(desk, "frt"), resolution=durations(desk, "res"),
        csat_answers=desk.get("csat_n", 0), csat_share=_share(desk.get("csat_good", 0), desk.get("csat_n", 0)),
        csat_mean=(desk.get("csat_sum", 0) / desk["csat_n"]) if desk.get("csat_n") else None,
        fcr=desk.get("fcr", 0), fcr_share=_share(desk.get("fcr", 0), resolved),
        repeats=desk.get("repeats", 0) + desk.get("reopens", 0), reopens=desk.get("reopens", 0),
        on_time_share=_share(desk.get("on_time", 0), resolved), red_zone=desk.get("red_zone", 0),
        cost_per_request=cost, orders=sum(desk.get(f"cat_{c}", 0) for c in order_categories),
        approved=desk.get("approved", 0), executions=desk.get("executions", 0))


def score(resolved: int, most_resolved: int, on_time_share: float | None, csat_mean: float | None,
          fcr_share: float | None) -> float:
    parts = {"resolved": resolved / most_resolved if most_resolved else 0.0}
    if on_time_share is not None:
        parts["on_time"] = on_time_share
    if csat_mean is not None:
        parts["csat"] = (csat_mean - 1) / 4
    if fcr_share is not None:
        parts["fcr"] = fcr_share
    weight = sum(SCORE_WEIGHTS[k] for k in parts)
    return round(100 * sum(SCORE_WEIGHTS[k] * v for k, v in parts.items()) / weight, 1) if weight else 0.0


def staff_rows(t: dict[str, dict[str, int]], names: dict[str, str]) -> list[StaffRow]:
    people = [d[len("staff#"):] for d in t if d.startswith("staff#")]
    most = max((t[f"staff#{p}"].get("resolved", 0) for p in people), default=0)
    rows = []
    for person in sorted(set(people) | set(names)):
        c = t.get(f"staff#{person}", {})
        resolved = c.get("resolved", 0)
        on_time = _share(c.get("on_time", 0), resolved)
        csat_mean = (c.get("csat_sum", 0) / c["csat_n"]) if c.get("csat_n") else None
        fcr = _share(c.get("fcr", 0), resolved)
        rows.append(StaffRow(person, names.get(person, person), c.get("assigned", 0), resolved, on_time,
                             c.get("csat_n", 0), _share(c.get("csat_good", 0), c.get("csat_n", 0)), csat_mean, fcr,
                             percentile(histogram(c, "frt"), 0.5), c.get("red_zone", 0),
                             score(resolved, most, on_time, csat_mean, fcr)))
    return sorted(rows, key=lambda r: (-r.score, r.staff_id))


def stage_rows(t: dict[str, dict[str, int]], now: dict[str, dict[str, int]], names: dict[str, str]) -> list[StageRow]:
    stages = {d[len("stage#"):] for d in (*t, *now) if d.startswith("stage#")} | set(names)
    rows = []
    for stage in stages:
        c = t.get(f"stage#{stage}", {})
        hist = histogram(c, "dur")
        rows.append(StageRow(stage, names.get(stage, stage), max(0, now.get(f"stage#{stage}", {}).get("waiting", 0)),
                             c.get("started", 0), c.get("decided", 0), percentile(hist, 0.5), percentile(hist, 0.9)))
    return sorted(rows, key=lambda r: (-r.waiting_now, -(r.p90 or 0), r.stage))


def report(current: list[dict], previous: list[dict], now: list[dict], *, days: list[str], cost_per_month: float,
           order_categories: tuple[str, ...], staff_names: dict[str, str], stage_names: dict[str, str]) -> Report:
    t, p, n = totals(current), totals(previous), totals(now)
    kw = {"days": len(days), "cost_per_month": cost_per_month, "order_categories": order_categories}
    return Report(days, figures(t, **kw), figures(p, **kw), staff_rows(t, staff_names), stage_rows(t, n, stage_names))

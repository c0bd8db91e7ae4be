"""How a stage of a route runs for one request: who acts, whether it is on, when it is decided, and
what its timer does next. Pure: the time is an argument."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import POSITIVE, RouteVersion, StageSpec

TASK_STATES = ("open", "done", "closed")
"""open: waiting for the person; done: they acted; closed: the stage moved on without them."""


def condition_holds(condition: dict, *, category: str, priority: str, facts: dict) -> bool:
    """A stage's condition: every given key must hold; an empty condition always holds.

    `fact` compares numbers found in a fact's text (`{"amount": {"gte": 1000}}`) or tests presence
    (`{"monthly_need": "present"}`).
    """
    if "category" in condition and category not in condition["category"]:
        return False
    if "priority" in condition and priority not in condition["priority"]:
        return False
    for name, test in (condition.get("fact") or {}).items():
        value = facts.get(name)
        if test == "present":
            if not value:
                return False
            continue
        number = _number(value)
        if number is None:
            return False
        for op, bound in test.items():
            if not {"gte": number >= bound, "gt": number > bound, "lte": number <= bound,
                    "lt": number < bound}[op]:
                return False
    return True


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    import re

    match = re.search(r"\d[\d\s.,]*", str(value))
    if not match:
        return None
    digits = re.sub(r"[\s,]", "", match.group(0)).rstrip(".")
    try:
        return float(digits)
    except ValueError:
        return None


def stage_outcome(stage: StageSpec, decisions: list[str | None]) -> str | None:
    """'approved', 'rejected' or None (still waiting) from the people's decisions (None = not yet)."""
    made = [d for d in decisions if d]
    if not decisions:
        return "approved"
    if stage.mode == "any":
        return None if not made else ("approved" if made[0] in POSITIVE else "rejected")
    if any(d not in POSITIVE for d in made):
        return "rejected"
    return "approved" if len(made) == len(decisions) else None


IDLE_WAKE = timedelta(days=30)
"""After the escalation nobody is reminded any more, but a Step Functions Task must have a timeout:
the stage's timer then fires this rarely and sends nothing (a few transitions a month)."""


@dataclass(frozen=True)
class Timer:
    """When a stage started, its deadline and the reminders due before it. With a business calendar
    the reminder period is business time (nights, weekends and holidays do not count).

    The ladder: one reminder per period until the deadline, then (for `on_deadline = "escalate"`)
    one escalation to the manager, then nothing more to the people who are late: the manager's
    escalation is what follows it up."""
    started: datetime
    deadline: datetime
    remind_every: timedelta | None
    calendar: object | None = None
    """A core.sla.calendar.BusinessCalendar, or None: wall time."""

    def next_wake(self, now: datetime, escalated: bool) -> datetime | None:
        """The next moment the stage's timer has something to do: a reminder or the deadline; None
        once the deadline has passed and the stage was escalated (nothing is left to send)."""
        if now >= self.deadline:
            return None if escalated else self.deadline
        if self.remind_every:
            reminder = self._next_reminder(now)
            if reminder < self.deadline:
                return reminder
        return self.deadline

    def _next_reminder(self, now: datetime) -> datetime:
        if self.calendar is None:
            k = math.floor((now - self.started) / self.remind_every) + 1
            return self.started + k * self.remind_every
        every = self.remind_every.total_seconds() / 60
        k = math.floor(self.calendar.between(self.started, now) / every) + 1
        return self.calendar.add(self.started, k * every)

    def wake_reason(self, now: datetime, escalated: bool) -> str:
        """What a timer firing at `now` means: 'remind' before the deadline, 'deadline' the first time
        after it, 'idle' after the escalation (send nothing, keep waiting)."""
        if now < self.deadline:
            return "remind"
        return "idle" if escalated else "deadline"


def timer_for(stage: StageSpec, started: datetime, due: datetime, calendar=None) -> Timer:
    """The stage's timer; with a business calendar its reminder period counts working time."""
    minutes = stage.remind_minutes
    if minutes and calendar is not None:
        minutes = calendar.period_minutes(minutes)
    return Timer(started, due, timedelta(minutes=minutes) if minutes else None, calendar)


def stage_due(stage: StageSpec, started: datetime, calendar=None) -> datetime:
    """The stage's deadline: its due period after `started`, in business time when a calendar is given
    (a 2-day period is two working days)."""
    if calendar is None:
        return started + timedelta(minutes=stage.due_minutes)
    return calendar.add(started, calendar.period_minutes(stage.due_minutes))


def wait_seconds(now: datetime, until: datetime, time_scale: float = 1.0) -> int:
    """Whole seconds ≥ 1 of machine time until `until` (Step Functions takes nothing else)."""
    seconds = (until - now).total_seconds() / time_scale
    return max(1, math.ceil(seconds))


def next_enabled(route: RouteVersion, after: int, enabled: dict[str, bool]) -> StageSpec | None:
    for stage in route.stages[after + 1:]:
        if enabled.get(stage.id, True):
            return stage
    return None


def stage_states(route: RouteVersion, stage_items: list[dict], tasks: list[dict], names: dict[str, str]) -> list:
    """Each stage as it stands (its latest cycle): 'done', 'active', 'disabled', 'rejected' or 'empty'
    (not reached), with who acts now and who decided — what the route map and the local API show."""
    from .route_map import StageView

    latest: dict[str, dict] = {}
    for item in stage_items:
        if item["stage"] not in latest or int(item["cycle"]) > int(latest[item["stage"]]["cycle"]):
            latest[item["stage"]] = item
    views = []
    for stage in route.stages:
        item = latest.get(stage.id)
        if item is None:
            views.append(StageView(stage.id, "empty"))
            continue
        cycle = int(item["cycle"])
        mine = [t for t in tasks if t["stage"] == stage.id and int(t["cycle"]) == cycle]
        state = {"waiting": "active", "deciding": "active", "disabled": "disabled"}.get(item["state"])
        if state is None:
            state = "rejected" if item.get("outcome") == "rejected" else "done"
        acting = tuple(names.get(t["person"], t["person"]) for t in mine if t["state"] == "open")
        decided = tuple(names.get(t["person"], t["person"]) for t in mine if t["state"] == "done" and t.get("decision"))
        views.append(StageView(stage.id, state, cycle, acting, decided))
    return views


_PROGRESS = {
    "en": {"active": "Approval: step {n} of {total}, “{stage}”{cycle}, is in progress.",
           "done": "Approval: all {total} steps are done.",
           "cycle": " (round {cycle})", "ended": {"approved": "The approval ended: approved.",
                                                  "not_approved": "The approval ended: not approved.",
                                                  "completed": "The approval was completed by a manager."}},
    "ru": {"active": "Согласование: идёт этап {n} из {total} — «{stage}»{cycle}.",
           "done": "Согласование: все этапы ({total}) пройдены.",
           "cycle": " (круг {cycle})", "ended": {"approved": "Согласование завершено: согласовано.",
                                                 "not_approved": "Согласование завершено: не согласовано.",
                                                 "completed": "Согласование завершено руководителем."}},
    "zh": {"active": "审批：第 {n} 步（共 {total} 步）“{stage}”{cycle}正在进行。",
           "done": "审批：全部 {total} 步已完成。",
           "cycle": "（第 {cycle} 轮）", "ended": {"approved": "审批结束：已批准。", "not_approved": "审批结束：未批准。",
                                               "completed": "审批已由经理结束。"}},
}


def progress_words(route: RouteVersion, views: list, status: str, lang: str) -> str:
    """The route's progress in plain words for the customer's status page (no names of staff)."""
    t = _PROGRESS.get(lang) or _PROGRESS["en"]
    if status in ("not_approved", "completed"):
        return t["ended"][status]
    enabled = [v for v in views if v.state != "disabled"]
    for n, view in enumerate(enabled, 1):
        if view.state == "active":
            cycle = t["cycle"].format(cycle=view.cycle) if view.cycle > 1 else ""
            return t["active"].format(n=n, total=len(enabled), stage=route.stage(view.stage_id).label(lang), cycle=cycle)
    if all(v.state in ("done", "disabled") for v in views):
        return t["done"].format(total=len(enabled))
    return t["ended"]["approved"] if status in ("approved", "in_execution") else ""

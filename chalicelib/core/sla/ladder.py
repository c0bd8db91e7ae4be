"""The SLA ladder of an overdue request: a soft reminder to the assignee at the due time, the red-zone
email to the manager once the request is `red_zone_minutes` of business time past due. Each level once
per request, target and due time. Pure."""
from __future__ import annotations

from datetime import datetime

from .calendar import BusinessCalendar

LEVELS = ("reminder", "red_zone")
NONE = "none"


def level_at(calendar: BusinessCalendar, due: datetime, now: datetime, red_zone_minutes: float) -> str:
    """Which level the request has reached: 'none' before its due time, 'reminder' from it, 'red_zone'
    from `red_zone_minutes` of business time after it."""
    if now < due:
        return NONE
    return "red_zone" if now >= calendar.add(due, red_zone_minutes) else "reminder"


def levels_due(calendar: BusinessCalendar, due: datetime, now: datetime, red_zone_minutes: float,
               sent: set[str] | frozenset[str]) -> list[str]:
    """The levels to send now, in order: reached and not sent yet (a scan that missed the reminder's
    moment sends it before the red zone; a red zone already sent makes a late reminder pointless)."""
    reached = level_at(calendar, due, now, red_zone_minutes)
    if reached == NONE or "red_zone" in sent:
        return []
    wanted = LEVELS[:LEVELS.index(reached) + 1]
    return [level for level in wanted if level not in sent]


def next_alarm(calendar: BusinessCalendar, due: datetime, red_zone_minutes: float,
               sent: set[str] | frozenset[str]) -> datetime | None:
    """When this target next needs a scan: its due time, then the red zone; None once both are sent."""
    if "red_zone" in sent:
        return None
    if "reminder" in sent:
        return calendar.add(due, red_zone_minutes)
    return due

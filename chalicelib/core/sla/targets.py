"""Due times of a request's SLA targets, and how a status change moves them.

A target is business time from the request's arrival: its first response, its resolution. The clock
stops while the request waits for the customer: leaving `waiting_customer` adds the business minutes
spent waiting to both due times (adding business minutes is additive, so created + target + paused is
the old due + paused). Pure: the time is an argument.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..clock import iso, parse_iso
from .calendar import BusinessCalendar

TARGETS = ("first_response", "resolution")
PAUSED_STATUS = "waiting_customer"
PAUSED_DUE = "9999-12-31T23:59:59.999999Z"
"""Where a paused request sorts in the open-by-due index: after every real due time, so scans skip it."""


def due_times(sla, calendar: BusinessCalendar, category: str, priority: str, received: datetime) -> dict[str, str]:
    """{'first_response': iso, 'resolution': iso} for a request received at `received`."""
    return {target: iso(calendar.add(received, sla.hours(target, category, priority) * 60)) for target in TARGETS}


def current_target(request) -> str:
    """The target the request runs against now: its first response until a person answered, then its resolution."""
    return "resolution" if request.first_response_at else "first_response"


@dataclass(frozen=True)
class PauseChange:
    """What a status change writes besides the status (in the same conditional write)."""
    set: dict
    remove: tuple[str, ...]
    open_due: str
    """The request's place in the open-by-due index."""


def status_change(request, new_status: str, at: str, calendar: BusinessCalendar) -> PauseChange:
    """Entering `waiting_customer` stops the clock; leaving it adds the paused business minutes to the
    due times (and to `sla_paused_minutes`)."""
    target = current_target(request)
    due = {"first_response": request.due_first_response, "resolution": request.due_resolution}
    paused_at = getattr(request, "sla_paused_at", None)
    if new_status == PAUSED_STATUS:
        if paused_at:
            return PauseChange({}, (), PAUSED_DUE)
        return PauseChange({"sla_paused_at": at}, (), PAUSED_DUE)
    if not paused_at:
        return PauseChange({}, (), due[target])
    paused = max(0.0, calendar.between(parse_iso(paused_at), parse_iso(at)))
    moved = {t: iso(calendar.add(parse_iso(d), paused)) for t, d in due.items()}
    total = float(getattr(request, "sla_paused_minutes", 0) or 0) + paused
    return PauseChange({"due_first_response": moved["first_response"], "due_resolution": moved["resolution"],
                        "sla_paused_minutes": int(round(total))}, ("sla_paused_at",), moved[target])

"""SLA due times per category and priority, the paused clock, and the reminder / red-zone ladder."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.config import load_config
from chalicelib.core.sla.calendar import BusinessCalendar
from chalicelib.core.sla.ladder import level_at, levels_due, next_alarm
from chalicelib.core.sla.targets import PAUSED_DUE, due_times, status_change
from chalicelib.settings import DEFAULT_CONFIG

MSK = ZoneInfo("Europe/Moscow")
CALENDAR = BusinessCalendar("Europe/Moscow", {d: (540, 1080) for d in range(5)})


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def test_an_urgent_request_on_friday_evening_must_be_answered_by_monday_noon(config):
    due = due_times(config.sla, config.calendar.business, "order", "urgent", msk(2026, 11, 6, 17, 0))
    assert parse_iso(due["first_response"]) == msk(2026, 11, 9, 12, 0)
    assert parse_iso(due["resolution"]) == CALENDAR.add(msk(2026, 11, 6, 17, 0), 24 * 60)


def test_a_category_override_wins_and_a_priority_it_leaves_out_keeps_the_default(config):
    assert config.sla.hours("first_response", "complaint", "normal") == 8
    assert config.sla.hours("first_response", "complaint", "urgent") == 4
    assert config.sla.hours("resolution", "complaint", "normal") == 72
    assert config.sla.hours("first_response", "question", "normal") == 24


@dataclass
class Waiting:
    due_first_response: str
    due_resolution: str
    first_response_at: str | None = "2026-11-03T08:00:00.000000Z"
    sla_paused_at: str | None = None
    sla_paused_minutes: float = 0


def test_waiting_for_the_customer_stops_the_clock_and_the_wait_moves_the_due_times():
    request = Waiting(iso(msk(2026, 11, 3, 12, 0)), iso(msk(2026, 11, 5, 12, 0)))
    entering = status_change(request, "waiting_customer", iso(msk(2026, 11, 3, 11, 0)), CALENDAR)
    assert entering.set == {"sla_paused_at": iso(msk(2026, 11, 3, 11, 0))} and entering.open_due == PAUSED_DUE
    request.sla_paused_at = entering.set["sla_paused_at"]
    leaving = status_change(request, "open", iso(msk(2026, 11, 4, 10, 0)), CALENDAR)
    # 11:00–18:00 and 09:00–10:00: eight business hours of waiting
    assert leaving.set["sla_paused_minutes"] == 480
    assert leaving.set["due_resolution"] == iso(msk(2026, 11, 6, 11, 0))
    assert leaving.open_due == leaving.set["due_resolution"] and leaving.remove == ("sla_paused_at",)


def test_a_status_change_without_a_pause_keeps_the_due_time_of_the_current_target():
    request = Waiting(iso(msk(2026, 11, 3, 12, 0)), iso(msk(2026, 11, 5, 12, 0)), first_response_at=None)
    change = status_change(request, "in_approval", iso(msk(2026, 11, 3, 11, 0)), CALENDAR)
    assert change.set == {} and change.open_due == request.due_first_response


DUE = msk(2026, 11, 6, 16, 0)
MARGIN = 240


def test_nothing_is_due_before_the_due_time():
    assert level_at(CALENDAR, DUE, msk(2026, 11, 6, 15, 59), MARGIN) == "none"
    assert levels_due(CALENDAR, DUE, msk(2026, 11, 6, 15, 59), MARGIN, set()) == []


def test_the_reminder_is_due_at_the_due_time_and_the_red_zone_after_the_margin_in_business_time():
    assert levels_due(CALENDAR, DUE, DUE, MARGIN, set()) == ["reminder"]
    # 16:00 + 4 business hours is Monday 11:00, not Friday 20:00
    assert level_at(CALENDAR, DUE, msk(2026, 11, 6, 20, 0), MARGIN) == "reminder"
    assert level_at(CALENDAR, DUE, msk(2026, 11, 9, 10, 59), MARGIN) == "reminder"
    assert levels_due(CALENDAR, DUE, msk(2026, 11, 9, 11, 0), MARGIN, {"reminder"}) == ["red_zone"]


def test_each_level_is_sent_once_and_a_missed_reminder_goes_before_the_red_zone():
    assert levels_due(CALENDAR, DUE, msk(2026, 11, 6, 17, 0), MARGIN, {"reminder"}) == []
    assert levels_due(CALENDAR, DUE, msk(2026, 11, 10, 9, 0), MARGIN, set()) == ["reminder", "red_zone"]
    assert levels_due(CALENDAR, DUE, msk(2026, 11, 10, 9, 0), MARGIN, {"reminder", "red_zone"}) == []


def test_the_next_alarm_is_the_due_time_then_the_red_zone_then_none():
    assert next_alarm(CALENDAR, DUE, MARGIN, set()) == DUE
    assert next_alarm(CALENDAR, DUE, MARGIN, {"reminder"}) == msk(2026, 11, 9, 11, 0)
    assert next_alarm(CALENDAR, DUE, MARGIN, {"reminder", "red_zone"}) is None

"""The business calendar: SLA targets and route deadlines count working time only."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.config import ConfigError, load_config, parse_config
from chalicelib.core.sla.calendar import BusinessCalendar
from chalicelib.settings import DEFAULT_CONFIG

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = {d: (540, 1080) for d in range(5)}
NEW_YEAR = frozenset(date(2027, 1, d) for d in range(1, 9))
MOSCOW = BusinessCalendar("Europe/Moscow", WEEK, NEW_YEAR)


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_a_request_received_on_friday_evening_with_four_business_hours_is_due_on_monday_at_noon():
    assert MOSCOW.add(msk(2026, 11, 6, 17, 0), 240) == msk(2026, 11, 9, 12, 0)


def test_a_request_received_at_night_starts_counting_at_nine():
    assert MOSCOW.add(msk(2026, 11, 3, 2, 30), 60) == msk(2026, 11, 3, 10, 0)
    assert MOSCOW.add(msk(2026, 11, 3, 19, 0), 30) == msk(2026, 11, 4, 9, 30)


def test_within_a_working_day_business_time_is_wall_time():
    assert MOSCOW.add(msk(2026, 11, 3, 10, 15), 90) == msk(2026, 11, 3, 11, 45)
    assert MOSCOW.between(msk(2026, 11, 3, 10, 15), msk(2026, 11, 3, 11, 45)) == 90


def test_the_end_of_a_working_day_is_reached_exactly_and_not_pushed_to_the_next_morning():
    assert MOSCOW.add(msk(2026, 11, 3, 9, 0), 540) == msk(2026, 11, 3, 18, 0)


def test_weekends_do_not_count():
    assert MOSCOW.between(msk(2026, 11, 6, 17, 0), msk(2026, 11, 9, 10, 0)) == 120
    assert MOSCOW.between(msk(2026, 11, 7, 9, 0), msk(2026, 11, 8, 18, 0)) == 0


def test_the_new_year_holidays_do_not_count():
    assert MOSCOW.add(msk(2026, 12, 31, 17, 0), 120) == msk(2027, 1, 11, 10, 0)
    assert MOSCOW.between(msk(2026, 12, 31, 17, 0), msk(2027, 1, 11, 10, 0)) == 120


def test_an_extra_working_saturday_counts_with_the_usual_hours():
    calendar = BusinessCalendar("Europe/Moscow", WEEK, extra_working_days=frozenset({date(2026, 11, 7)}))
    assert calendar.add(msk(2026, 11, 6, 17, 0), 240) == msk(2026, 11, 7, 12, 0)


def test_a_holiday_on_a_weekday_is_skipped():
    calendar = BusinessCalendar("Europe/Moscow", WEEK, frozenset({date(2026, 11, 4)}))
    assert calendar.add(msk(2026, 11, 3, 17, 0), 120) == msk(2026, 11, 5, 10, 0)


def test_between_is_negative_backwards_and_add_and_between_agree():
    start = msk(2026, 11, 5, 16, 20)
    for minutes in (0.5, 1, 100, 539, 540, 541, 2000, 5000):
        end = MOSCOW.add(start, minutes)
        assert MOSCOW.between(start, end) == pytest.approx(minutes)
    assert MOSCOW.between(msk(2026, 11, 9, 10, 0), msk(2026, 11, 6, 17, 0)) == -120


def test_a_friday_evening_in_berlin_across_the_end_of_summer_time_keeps_local_working_hours():
    calendar = BusinessCalendar("Europe/Berlin", WEEK)
    start = datetime(2026, 10, 23, 17, 0, tzinfo=BERLIN)
    due = calendar.add(start, 120)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 26, 10, 0)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)


def test_a_round_the_clock_day_on_which_the_clocks_go_back_has_twenty_five_hours():
    calendar = BusinessCalendar("Europe/Berlin", {d: (0, 1440) for d in range(7)})
    day = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)
    assert calendar.between(day, datetime(2026, 10, 26, 0, 0, tzinfo=BERLIN)) == 25 * 60
    spring = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    assert calendar.between(spring, datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)) == 23 * 60


def test_a_route_period_of_two_days_is_two_working_days():
    assert MOSCOW.add_period(msk(2026, 11, 5, 11, 0), days=2) == msk(2026, 11, 9, 11, 0)
    assert MOSCOW.add_period(msk(2026, 11, 5, 11, 0), hours=4, minutes=30) == msk(2026, 11, 5, 15, 30)


def test_the_default_config_runs_on_moscow_working_hours_with_the_new_year_holidays():
    calendar = load_config(DEFAULT_CONFIG).calendar.business
    assert calendar.timezone == "Europe/Moscow"
    assert calendar.add(msk(2026, 12, 31, 17, 0), 120) == msk(2027, 1, 11, 10, 0)


def _config_with(**calendar) -> dict:
    import tomllib
    from pathlib import Path

    data = tomllib.loads(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    data["calendar"] = {**data["calendar"], **calendar}
    return data


@pytest.mark.parametrize("calendar, message", [
    ({"timezone": "Europe/Mordor"}, "calendar.timezone: 'Europe/Mordor' is not an IANA time zone"),
    ({"working_hours": {"mon": "18:00-09:00"}}, "calendar.working_hours.mon: '18:00-09:00': the end is not after"),
    ({"working_hours": {"mon": "9 to 5"}}, "calendar.working_hours.mon: '9 to 5' is not a span of time"),
    ({"working_hours": {"monday": "09:00-18:00"}}, "calendar.working_hours.monday"),
    ({"holidays": ["2027-02-30"]}, "calendar.holidays[0]: "),
    ({"working_hours": {}}, "calendar.working_hours: at least one weekday"),
])
def test_a_bad_calendar_stops_the_start_naming_the_field(calendar, message):
    with pytest.raises(ConfigError) as error:
        parse_config(_config_with(**calendar), "desk.toml")
    assert f"desk.toml: {message}" in str(error.value)


def test_an_sla_override_for_an_unknown_category_names_it():
    data = _config_with()
    data["sla"]["categories"] = {"complains": {"first_response_hours": {"normal": 2}}}
    with pytest.raises(ConfigError, match=r"sla.categories.complains: unknown category 'complains'"):
        parse_config(data, "desk.toml")


def test_a_round_the_clock_calendar_is_allowed():
    config = parse_config(_config_with(working_hours={d: "00:00-24:00" for d in
                                                      ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}))
    start = msk(2026, 11, 7, 23, 0)
    assert config.calendar.business.add(start, 120) == start + timedelta(hours=2)


def test_a_route_stage_due_in_a_day_with_reminders_every_four_hours_counts_working_time():
    from chalicelib.core.routes.model import StageSpec
    from chalicelib.core.routes.progress import stage_due, timer_for

    stage = StageSpec("approve", {"en": "Approve"}, "approve", ("role:accountant",), due_minutes=24 * 60,
                      remind_minutes=4 * 60)
    started = msk(2026, 11, 6, 16, 0)
    due = stage_due(stage, started, MOSCOW)
    assert due == msk(2026, 11, 9, 16, 0), "one working day after Friday 16:00 is Monday 16:00"
    timer = timer_for(stage, started, due, MOSCOW)
    assert timer.next_wake(started, False) == msk(2026, 11, 9, 11, 0), "the first reminder: 2 h Friday, 2 h Monday"
    assert timer.next_wake(msk(2026, 11, 7, 12, 0), False) == msk(2026, 11, 9, 11, 0)
    assert timer.next_wake(msk(2026, 11, 9, 11, 0), False) == msk(2026, 11, 9, 15, 0)
    assert timer.next_wake(msk(2026, 11, 9, 15, 0), False) == due
    assert timer.next_wake(due, False) == due, "at the deadline: the escalation is due"


def test_a_route_stage_reminds_once_a_period_until_due_and_after_its_escalation_nobody_is_reminded():
    from chalicelib.core.routes.model import StageSpec
    from chalicelib.core.routes.progress import stage_due, timer_for

    stage = StageSpec("approve", {"en": "Approve"}, "approve", ("role:accountant",), due_minutes=24 * 60,
                      remind_minutes=4 * 60)
    started = msk(2026, 11, 9, 9, 0)
    due = stage_due(stage, started, MOSCOW)
    timer = timer_for(stage, started, due, MOSCOW)
    wakes, now, escalated = [], started, False
    while (wake := timer.next_wake(now, escalated)) is not None and len(wakes) < 10:
        reason = timer.wake_reason(wake, escalated)
        wakes.append((wake, reason))
        escalated = escalated or reason == "deadline"
        now = wake
    assert due == msk(2026, 11, 9, 18, 0), "a working day from Monday's opening is its closing"
    assert wakes == [(msk(2026, 11, 9, 13, 0), "remind"), (msk(2026, 11, 9, 17, 0), "remind"), (due, "deadline")]
    assert timer.wake_reason(due + timedelta(days=3), True) == "idle", "a late wake after the escalation sends nothing"


def test_a_route_stage_of_two_days_is_due_two_working_days_later():
    from chalicelib.core.routes.model import StageSpec
    from chalicelib.core.routes.progress import stage_due

    stage = StageSpec("execute", {"en": "Start"}, "execute", ("assignee",), due_minutes=2 * 24 * 60)
    assert stage_due(stage, msk(2026, 12, 30, 10, 0), MOSCOW) == msk(2027, 1, 11, 10, 0)
    assert stage_due(stage, msk(2026, 12, 30, 10, 0)) == msk(2027, 1, 1, 10, 0), "without a calendar: wall time"

"""The SLA ladder on the embedded stack's scaled clock: the scheduled scan reminds the assignee at the
due time and tells the manager one business hour later; the night between does not count."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.core.clock import parse_iso
from chalicelib.settings import DEFAULT_CONFIG

from .test_routes_flow import mail, start_stack, stop_stack, write_config

SCALE = 3600
"""A desk hour a wall second: Monday evening to Tuesday noon in Moscow passes in under twenty seconds."""
MSK = ZoneInfo("Europe/Moscow")


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    text = Path(DEFAULT_CONFIG).read_text(encoding="utf-8").replace("red_zone_hours = 4", "red_zone_hours = 1")
    config = write_config(tmp_path_factory.mktemp("sla") / "desk.toml", text)
    stack = start_stack("rfsla", time_scale=SCALE, config_path=config)
    try:
        yield stack
    finally:
        stop_stack(stack)


def sla_events(stack, request_id: str) -> list[dict]:
    return [e for e in stack.desk.table.events(request_id) if e["event"].startswith("sla_")]


def test_the_scheduled_scan_reminds_at_the_due_time_and_tells_the_manager_an_hour_later(stack):
    stack.clock.start += msk(2026, 11, 9, 16, 30) - stack.clock.now()
    outcome = stack.ingest(mail("p.devries@maasvlakte-logistics.nl", "Urgent: delivery to Rotterdam?",
                                "Do you deliver to Rotterdam? Please answer today.", name="Pieter"))
    request = stack.desk.table.get_request(outcome["ticket"])
    created, due = parse_iso(request.created_at), parse_iso(request.due_first_response)
    assert msk(2026, 11, 9, 16, 30) <= created < msk(2026, 11, 9, 18, 0)
    left_on_monday = msk(2026, 11, 9, 18, 0) - created
    assert due == msk(2026, 11, 10, 9, 0) + (timedelta(hours=4) - left_on_monday), \
        "4 business hours from Monday evening end on Tuesday morning: the night does not count"
    calendar = stack.desk.config.calendar.business
    red_zone = calendar.add(due, 60)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sla_events(stack, request.request_id)) < 2:
        stack.run_schedules_once()
        time.sleep(0.05)
    reminder, red = sla_events(stack, request.request_id)
    assert reminder["event"] == "sla_reminder_sent" and red["event"] == "sla_red_zone"
    assert due <= parse_iso(reminder["at"]) < due + timedelta(minutes=50)
    assert red_zone <= parse_iso(red["at"]) < red_zone + timedelta(minutes=50)
    assert red["late_minutes"] >= 60
    for _ in range(3):
        stack.run_schedules_once()
    assert len(sla_events(stack, request.request_id)) == 2
    sent = [m for m in stack.sent_mail() if m["message_id"].startswith(("<sla_reminder.", "<sla_red_zone."))]
    assert len(sent) == 2
    config = stack.desk.config
    manager = config.staff_member(config.department(config.staff_member(request.assignee).department).manager)
    assert sent[0]["to"] == [str(config.staff_member(request.assignee).email)]
    assert sent[1]["to"] == [str(manager.email)]

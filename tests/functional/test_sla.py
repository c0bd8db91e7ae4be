"""The SLA ladder on a business calendar: a soft reminder at the due time, one red-zone email a margin
of business time later, never twice, nothing while the customer is asked, and the red zone's
one-click reassignment."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from chalice.test import Client

from chalicelib.composition import sla_of
from chalicelib.core.clock import iso, parse_iso

from .test_staff_answers import PASS, customer_mail, staff_reply

MSK = ZoneInfo("Europe/Moscow")
CUSTOMER = "p.devries@maasvlakte-logistics.nl"


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK).astimezone(timezone.utc)


@pytest.fixture
def clock(clock):
    clock.current = msk(2026, 11, 6, 17, 0)
    """Friday 17:00 in Moscow: an hour before the weekend."""
    return clock


@pytest.fixture
def app_client(desk):
    import app

    with Client(app.app, stage_name="dev") as client:
        yield client


def scan(client) -> None:
    client.lambda_.invoke("sla_scan", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))


def at(desk, moment: datetime) -> None:
    desk.clock.current = moment


@pytest.fixture
def urgent(desk):
    outcome = desk.receive(customer_mail(subject="Urgent question: delivery to Rotterdam"))
    assert outcome.outcome == "created" and outcome.priority == "urgent"
    return outcome


def sla_mail(desk, kind: str) -> list[dict]:
    return [m for m in desk.sent() if m["message_id"].startswith(f"<sla_{kind}.")]


def events(desk, request_id: str, name: str) -> list[dict]:
    return [e for e in desk.service.table.events(request_id) if e["event"] == name]


def test_a_friday_evening_request_with_four_business_hours_is_due_on_monday_at_noon(desk, urgent):
    request = desk.service.table.get_request(urgent.request_id)
    assert parse_iso(request.due_first_response) == msk(2026, 11, 9, 12, 0)


def test_an_overdue_request_gets_one_reminder_at_its_due_time_then_one_red_zone_email(desk, urgent, app_client):
    config = desk.service.config
    holder = config.staff_member(urgent.assignee)
    manager = config.staff_member(config.department(holder.department).manager)
    for moment in (msk(2026, 11, 6, 21, 0), msk(2026, 11, 8, 12, 0), msk(2026, 11, 9, 11, 59)):
        at(desk, moment)
        scan(app_client)
    assert sla_mail(desk, "reminder") == [], "nights and the weekend do not count"

    at(desk, msk(2026, 11, 9, 12, 0))
    scan(app_client)
    scan(app_client)
    [reminder] = sla_mail(desk, "reminder")
    assert reminder["to"] == [str(holder.email)] and urgent.ticket in reminder["subject"]
    assert "2026-11-09 12:00 (Europe/Moscow)" in reminder["text"]
    [event] = events(desk, urgent.request_id, "sla_reminder_sent")
    assert (event["target"], event["person"]) == ("first_response", holder.id)

    at(desk, msk(2026, 11, 9, 15, 59))
    scan(app_client)
    assert sla_mail(desk, "red_zone") == []
    at(desk, msk(2026, 11, 9, 16, 0))
    scan(app_client)
    at(desk, msk(2026, 11, 10, 9, 30))
    scan(app_client)
    [red] = sla_mail(desk, "red_zone")
    assert red["to"] == [str(manager.email)]
    assert "4 business hours late" in red["text"] or "4 раб. ч" in red["text"]
    assert holder.name in red["text"] and "Pieter de Vries" in red["text"]
    assert "/sla/reassign/" in red["text"]
    [event] = events(desk, urgent.request_id, "sla_red_zone")
    assert event["late_minutes"] == 240 and event["holder"] == holder.id and event["manager"] == manager.id
    assert event["suggestion"].startswith("reassign:") and event["suggestion"] != f"reassign:{holder.id}"
    assert len(sla_mail(desk, "reminder")) == 1


def test_two_overlapping_scans_send_each_level_once(desk, urgent):
    """The second scan read the same overdue request before the first one sent its reminder."""
    sla = sla_of(desk.service)
    at(desk, msk(2026, 11, 9, 12, 5))
    [seen_by_first] = desk.service.table.sla_due(iso(desk.clock.now()))
    [seen_by_second] = desk.service.table.sla_due(iso(desk.clock.now()))
    assert sla._ladder(seen_by_first, desk.clock.now()) == ["reminder"]
    assert sla._ladder(seen_by_second, desk.clock.now()) == []
    assert len(sla_mail(desk, "reminder")) == 1
    assert len(events(desk, urgent.request_id, "sla_reminder_sent")) == 1


def test_nothing_is_sent_while_the_customer_is_asked_and_the_wait_moves_the_due_time(desk, urgent, app_client):
    staff = str(desk.service.config.staff_member(urgent.assignee).email)
    note = [m for m in desk.sent_to(staff)][-1]
    at(desk, msk(2026, 11, 9, 10, 0))
    result = desk.receive(staff_reply(note, staff, "Which pallet size do you use?", PASS),
                          [str(note["message"]["Reply-To"])])
    assert result.staff_action == "answered"
    request = desk.service.table.get_request(urgent.request_id)
    assert request.status == "waiting_customer"
    resolution_due = parse_iso(request.due_resolution)
    assert resolution_due == msk(2026, 11, 11, 14, 0)

    for moment in (msk(2026, 11, 11, 14, 0), msk(2026, 11, 11, 18, 0), msk(2026, 11, 12, 9, 30)):
        at(desk, moment)
        scan(app_client)
    assert sla_mail(desk, "reminder") == [] and sla_mail(desk, "red_zone") == []

    at(desk, msk(2026, 11, 12, 10, 0))
    desk.receive(customer_mail(subject=f"Re: [#{urgent.ticket}] Urgent question", body="Euro pallets.\r\n",
                               mid="<c2@maasvlakte>"))
    request = desk.service.table.get_request(urgent.request_id)
    assert request.status == "open" and request.sla_paused_at is None
    assert request.sla_paused_minutes == 27 * 60, "Monday 10:00 to Thursday 10:00 is 27 business hours"
    assert parse_iso(request.due_resolution) == msk(2026, 11, 16, 14, 0)
    at(desk, msk(2026, 11, 16, 13, 59))
    scan(app_client)
    assert sla_mail(desk, "reminder") == []
    at(desk, msk(2026, 11, 16, 14, 0))
    scan(app_client)
    [reminder] = sla_mail(desk, "reminder")
    assert events(desk, urgent.request_id, "sla_reminder_sent")[0]["target"] == "resolution"


def test_a_resolved_request_gets_nothing(desk, urgent, app_client):
    staff = str(desk.service.config.staff_member(urgent.assignee).email)
    note = [m for m in desk.sent_to(staff)][-1]
    desk.receive(staff_reply(note, staff, "#resolve\r\nYes, we deliver to Rotterdam.", PASS),
                 [str(note["message"]["Reply-To"])])
    at(desk, msk(2026, 11, 20, 12, 0))
    scan(app_client)
    assert sla_mail(desk, "reminder") == [] and sla_mail(desk, "red_zone") == []


def red_zone_link(desk, app_client, urgent) -> str:
    at(desk, msk(2026, 11, 9, 16, 0))
    scan(app_client)
    [red] = sla_mail(desk, "red_zone")
    return re.search(r"http://desk\.test(/sla/reassign/\S+)", red["text"]).group(1)


def test_the_reassign_link_shows_a_page_on_get_and_reassigns_once_on_post(desk, urgent, app_client):
    link = red_zone_link(desk, app_client, urgent)
    holder = urgent.assignee
    page = app_client.http.get(link)
    assert page.status_code == 200 and b'<form method="post">' in page.body and urgent.ticket.encode() in page.body
    assert desk.service.table.get_request(urgent.request_id).assignee == holder, "GET changes nothing"

    done = app_client.http.post(link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert done.status_code == 200
    request = desk.service.table.get_request(urgent.request_id)
    suggested = events(desk, urgent.request_id, "sla_red_zone")[0]["suggestion"].split(":", 1)[1]
    assert request.assignee == suggested != holder
    [event] = events(desk, urgent.request_id, "reassigned")
    manager = desk.service.config.department(desk.service.config.staff_member(holder).department).manager
    assert (event["assignee"], event["by"], event["via"]) == (suggested, manager, "red_zone")
    new_member = desk.service.config.staff_member(suggested)
    told = [m for m in desk.sent_to(str(new_member.email)) if m["message_id"].startswith("<reassigned.")]
    assert len(told) == 1 and urgent.ticket in told[0]["subject"]

    again = app_client.http.post(link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert again.status_code == 409
    assert len(events(desk, urgent.request_id, "reassigned")) == 1


def test_a_tampered_or_expired_reassign_link_gets_a_clear_page_and_changes_nothing(desk, urgent, app_client):
    link = red_zone_link(desk, app_client, urgent)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for method in ("get", "post"):
        response = getattr(app_client.http, method)(tampered, **({} if method == "get" else {
            "headers": {"Content-Type": "application/x-www-form-urlencoded"}, "body": ""}))
        assert response.status_code == 400 and b"<h1>" in response.body
    desk.clock.advance(days=8)
    expired = app_client.http.post(link, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert expired.status_code == 410
    assert desk.service.table.get_request(urgent.request_id).assignee == urgent.assignee
    assert events(desk, urgent.request_id, "reassigned") == []

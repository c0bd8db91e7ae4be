"""Route deadlines on the embedded stack with periods of minutes and a fast clock: reminders once per
period until the deadline, one escalation at it and no reminder after it, a default decision where the
stage says so."""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib.settings import DEFAULT_CONFIG

from .test_routes_flow import act, aws_tokens, decide, edit_stage, mail, running_desk, wait_for, write_config
from .test_routes_flow import client  # noqa: F401 - the fixture, on this module's desk

SCALE = 240
"""Ten desk minutes a second: a 20-minute reminder period is 2 s, a 60-minute deadline 6 s."""


def reminders_in(sent: list[dict], person: str, request_id: str) -> list[str]:
    """The reminders (r1, r2, …) of a person's task mail among `sent`, in the order they went."""
    prefix = f"<task.{request_id.lower()}."
    return [found.group(1) for m in sent if f"{person}@requestflow.example" in m["to"]
            and (m["message_id"] or "").startswith(prefix)
            and (found := re.search(r"\.(r\d+)\.[0-9a-f]+@", m["message_id"]))]


def round_the_clock(text: str) -> str:
    """Every minute a working minute: these deadlines of minutes pass whenever the test runs (the
    embedded stack's clock starts at the wall time, maybe at night)."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = "working_hours = { " + ", ".join(f'{d} = "00:00-24:00"' for d in days) + " }"
    return re.sub(r"(?m)^working_hours = \{.*\}$", hours, text, count=1)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    text = Path(DEFAULT_CONFIG).read_text(encoding="utf-8")
    text = edit_stage(text, "order_approval", "approve", due="{ minutes = 60 }", remind="{ minutes = 20 }")
    text = edit_stage(text, "order_approval", "summarize", people='["role:director", "staff:ivan"]')
    text = edit_stage(text, "complaint_investigation", "investigate", due="{ minutes = 20 }", remind=None,
                      on_deadline='"approve"')
    text = round_the_clock(text)
    config = write_config(tmp_path_factory.mktemp("deadlines") / "desk.toml", text)
    with running_desk("rfdeadlines", time_scale=SCALE, config_path=config) as running:
        yield running


def test_a_waiting_stage_reminds_once_a_period_escalates_once_at_its_deadline_and_then_stops(desk):
    outcome = desk.stack.ingest(mail("anna@stroymarket.ru", "Заказ плёнки", "Нужно 40 рулонов в месяц.",
                                     name="Анна"))
    rid = outcome["ticket"]
    assert desk.wait_open(rid, "approve", 2) == ["maria", "olga"]

    escalations = wait_for(lambda: desk.sent_to("sergey@requestflow.example", kind="escalation"), timeout=90)
    assert len(escalations) == 1 and rid in escalations[0]["subject"]
    assert escalations[0]["subject"].split("] ", 1)[1].startswith("Просрочено: ")
    assert not desk.sent_to("olga@requestflow.example", kind="escalation"), \
        "Olga manages sales but is one of the late approvers: the director hears of it instead"
    assert "Maria Kuznetsova" in escalations[0]["text"] and "Olga Smirnova" in escalations[0]["text"]
    sent = desk.sent()
    before = sent[:sent.index(escalations[0])]
    for person in ("maria", "olga"):
        assert reminders_in(before, person, rid) == ["r1", "r2"], person

    escalated_at = desk.stack.clock.now()
    assert wait_for(lambda: desk.stack.clock.now() >= escalated_at + timedelta(minutes=3 * 20), timeout=60), \
        "three reminder periods of desk time pass after the escalation"
    for person in ("maria", "olga"):
        assert reminders_in(desk.sent(), person, rid) == ["r1", "r2"], f"{person} is not reminded after the escalation"
    assert len(desk.sent_to("sergey@requestflow.example", kind="escalation", request_id=rid)) == 1
    assert not [mid for mid, n in Counter(m["message_id"] for m in desk.sent()).items() if n > 1]
    view = desk.view(rid)
    [stage] = [s for s in view["stages"] if s["stage"] == "approve"]
    assert stage["escalated"] and stage["state"] == "waiting" and view["status"] == "in_approval"
    assert {t["person"]: t["reminders_sent"] for t in view["tasks"]} == {"maria": 2, "olga": 2}
    assert len([e for e in view["events"] if e["event"] == "stage_overdue"]) == 1
    assert desk.open_tasks(rid, "approve") == ["maria", "olga"], "the stage still waits for their decisions"


def test_a_stage_that_approves_at_its_deadline_decides_by_default_and_the_route_moves_on(desk):
    outcome = desk.stack.ingest(mail("claims@fresh-line.de", "Complaint: damaged pallets",
                                     "Three pallets arrived damaged, we want a credit note.", name="Jana"))
    rid = outcome["ticket"]
    assert outcome["category"] == "complaint"
    assert desk.wait_open(rid, "investigate", 1) == ["pavel"]
    assignee = desk.view(rid)["assignee"]
    assert wait_for(lambda: desk.open_tasks(rid, "answer") == [assignee], timeout=40)
    view = desk.view(rid)
    [pavel] = [t for t in view["tasks"] if t["stage"] == "investigate"]
    assert pavel["state"] == "closed" and pavel["decision"] == "approve" and pavel["note"] == "default"
    assert [(e["stage"], e["by"]) for e in view["events"] if e["event"] == "stage_decided"] == [
        ("investigate", "default")]
    assert not desk.sent_to("pavel@requestflow.example", kind="escalation")
    assert not desk.sent_to("sergey@requestflow.example", kind="escalation", request_id=rid)
    assert len(desk.sent_to(f"{assignee}@requestflow.example", kind="task", request_id=rid)) == 1


def test_in_an_any_stage_the_first_decides_and_the_others_links_go_stale(desk, client):
    rid = desk.stack.ingest(mail("zakupki@agrotorg.ru", "Заявка на плёнку", "Нужно 30 рулонов ежемесячно.",
                                 name="Агроторг"))["ticket"]
    decide(desk, client, rid, "approve", 2, "approve")
    assert desk.wait_open(rid, "summarize", 2) == ["ivan", "sergey"]
    assert act(client, desk.link(rid, "summarize", 1, "ivan", "approve"), "go") == 200
    assert wait_for(lambda: desk.open_tasks(rid, "acknowledge"))
    for action in ("approve", "reject"):
        assert client.http.get(desk.link(rid, "summarize", 1, "sergey", action)).status_code == 409
        assert act(client, desk.link(rid, "summarize", 1, "sergey", action)) == 409
    view = desk.view(rid)
    assert view["status"] == "approved"
    assert [t["state"] for t in view["tasks"] if t["stage"] == "summarize" and t["person"] == "sergey"] == ["closed"]
    assert [e["person"] for e in view["events"] if e["event"] == "task_decided" and e["stage"] == "summarize"] == [
        "ivan"]


def test_a_decision_just_after_the_timer_fired_counts_and_the_route_moves_on(desk, client):
    """The stage's token timed out into its wake a moment before the last approver clicked: the desk
    still holds the old token. The click counts, and the wake carries the stage on."""
    rid = desk.stack.ingest(mail("inkoop@rotterdam-trade.nl", "Order: film", "We need 8 pallets per month.",
                                 name="Inkoop"))["ticket"]
    desk.wait_open(rid, "approve", 2)
    table = desk.stack.desk.table
    timed_out = table.stage(rid, "approve", 1)["token"]
    assert wait_for(lambda: "r1" in reminders_in(desk.sent(), "olga", rid), timeout=40)
    assert wait_for(lambda: table.stage(rid, "approve", 1)["token"] != timed_out)
    table.update_stage(rid, "approve", 1, {"token": timed_out})

    with aws_tokens(desk, closed=[timed_out]):
        assert act(client, desk.link(rid, "approve", 1, "maria", "approve")) == 200
        assert act(client, desk.link(rid, "approve", 1, "olga", "approve")) == 200
    assert table.stage(rid, "approve", 1)["state"] == "done"
    assert desk.wait_open(rid, "summarize", 2) == ["ivan", "sergey"]
    assert desk.stage_states(rid)["approve"] == "done"

"""KPIs through the real services: mail in, staff answers, resolutions → aggregates → the digest's
figures equal an independent recomputation from the exported event log (`./rf export events`)."""
from __future__ import annotations

import math
import threading
from collections import defaultdict
from datetime import datetime

import pytest

from chalicelib.core.kpi.contributions import bucket
from chalicelib.service.digests import Digests, digests_of
from devstack.kpi import export_events
from tests.functional.test_staff_answers import PASS, notification_of

CUSTOMERS = ["anna@kunde.example", "bert@kunde.example", "chen@kunde.example"]


def mail_from(customer: str, subject: str, body: str, mid: str) -> bytes:
    return (f"From: {customer}\r\nTo: desk@requestflow.example\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            "Date: Mon, 2 Nov 2026 08:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


def reply_of(to_mail: dict, sender: str, body: str, mid: str, auth: str = PASS) -> bytes:
    reply_to = str(to_mail["message"]["Reply-To"] or to_mail["message"]["From"])
    return (f"From: {sender}\r\nTo: {reply_to}\r\nSubject: Re: {to_mail['subject']}\r\nMessage-ID: {mid}\r\n"
            f"In-Reply-To: {to_mail['message_id']}\r\nReferences: {to_mail['message_id']}\r\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n{auth}Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


class Scenario:
    def __init__(self, desk):
        self.desk = desk
        self.n = 0

    def new(self, customer: str, subject: str) -> tuple[str, str, dict]:
        self.n += 1
        outcome = self.desk.receive(mail_from(customer, subject, "Could you tell me the delivery time, please?",
                                              f"<c{self.n}@kunde.example>"))
        assert outcome.outcome == "created"
        staff = str(self.desk.service.config.staff_member(outcome.assignee).email)
        return outcome.request_id, staff, notification_of(self.desk, staff)

    def staff_says(self, note: dict, staff: str, body: str) -> None:
        self.n += 1
        result = self.desk.receive(reply_of(note, staff, body, f"<s{self.n}@requestflow.example>"),
                                   [str(note["message"]["Reply-To"])])
        assert result.author == "staff", result

    def customer_says(self, request_id: str, customer: str, body: str) -> None:
        self.n += 1
        answer = [m for m in self.desk.sent_to(customer) if request_id.lower() in str(m["message"]["Reply-To"]).lower()][-1]
        result = self.desk.receive(reply_of(answer, customer, body, f"<r{self.n}@kunde.example>", auth=""))
        assert result.outcome == "threaded", result


@pytest.fixture
def worked(desk):
    """A week of work: an answer-and-resolve (first contact), a back-and-forth, a reopen, a repeat
    contact, a pending request, plus the survey and red-zone events other parts of the desk write."""
    s, clock, table = Scenario(desk), desk.clock, desk.service.table
    quick, quick_staff, quick_note = s.new(CUSTOMERS[0], "Question: delivery time")
    clock.advance(minutes=42)
    s.staff_says(quick_note, quick_staff, "#resolve\r\nTwo days to Hamburg.")
    clock.advance(hours=1)
    long_, long_staff, long_note = s.new(CUSTOMERS[1], "Question: pallets")
    clock.advance(hours=3, minutes=5)
    s.staff_says(long_note, long_staff, "Which pallets do you mean?")
    clock.advance(hours=2)
    s.customer_says(long_, CUSTOMERS[1], "Euro pallets, 40 of them.")
    clock.advance(hours=20)
    s.staff_says(long_note, long_staff, "#resolve\r\nWe have them in stock.")
    clock.advance(hours=1)
    table.add_event(quick, clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "survey", "survey_answered", score=5,
                    comment="fast")
    table.add_event(long_, clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "survey", "survey_answered", score=2,
                    comment="")
    clock.advance(hours=1)
    s.customer_says(quick, CUSTOMERS[0], "One more thing: is Saturday delivery possible?")
    clock.advance(hours=2)
    repeat, repeat_staff, repeat_note = s.new(CUSTOMERS[1], "Question: pallets again")
    clock.advance(minutes=7)
    s.staff_says(repeat_note, repeat_staff, "Yes, same as last time.")
    pending, _, _ = s.new(CUSTOMERS[2], "Question: invoices")
    table.add_event(pending, clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "red", "sla_red_zone",
                    target="first_response", due="2026-11-03T09:00:00Z", late_minutes=300, holder="ivan",
                    manager="olga", suggestion="li")
    clock.advance(hours=1)
    return {"quick": quick, "long": long_, "repeat": repeat, "pending": pending}


def nearest_rank(values: list[float], q: float):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def recompute(lines: list[dict]) -> dict:
    """The DESIGN's KPI definitions, straight from the exported JSON lines (no code of the desk)."""
    by_request = defaultdict(list)
    for line in lines:
        by_request[line["request"]].append(line)
    closed = ("resolved", "closed")
    out = {"received": 0, "resolved": 0, "frt": [], "res": [], "fcr": 0, "repeats": 0, "reopens": 0,
           "csat": [], "red_zone": 0, "resolved_by": defaultdict(int), "assigned": defaultdict(int)}
    resolutions = defaultdict(list)
    for request, events in by_request.items():
        received = next(e["time"] for e in events if e["type"] == "received")
        for e in events:
            if e["type"] == "status_changed" and (e["to"] == "resolved" or (e["to"] == "closed" and e["from"] not in closed)):
                resolutions[request].append(e["time"])
    minutes = lambda a, b: (datetime.fromisoformat(b.replace("Z", "+00:00"))  # noqa: E731
                            - datetime.fromisoformat(a.replace("Z", "+00:00"))).total_seconds() / 60
    for request, events in by_request.items():
        received = next(e for e in events if e["type"] == "received")
        out["received"] += 1
        answers = follow_ups = reopens = 0
        first_resolution_fcr = None
        for e in events:
            if e["type"] in ("assigned", "reassigned"):
                out["assigned"][e.get("assignee") or e.get("to")] += 1
            if e["type"] == "first_response":
                out["frt"].append(minutes(received["time"], e["time"]))
            if e["type"] == "survey_answered":
                out["csat"].append(e["score"])
            if e["type"] == "sla_red_zone":
                out["red_zone"] += 1
            if e["type"] == "staff_replied" and e.get("command") not in ("note", "assign", "unknown"):
                answers += 1
            if e["type"] == "customer_replied":
                follow_ups += 1
            if e["type"] == "status_changed" and e["from"] in closed and e["to"] not in closed:
                reopens += 1
            if e["type"] == "status_changed" and (e["to"] == "resolved" or (e["to"] == "closed" and e["from"] not in closed)):
                out["resolved"] += 1
                out["res"].append(minutes(received["time"], e["time"]))
                out["resolved_by"][e["assignee"]] += 1
                if first_resolution_fcr is None:
                    first_resolution_fcr = answers == 1 and follow_ups == 0 and reopens == 0
        out["reopens"] += reopens
        if first_resolution_fcr and reopens == 0:
            out["fcr"] += 1
        classified = next(e for e in events if e["type"] == "classified")
        for other, other_events in by_request.items():
            other_class = next(e for e in other_events if e["type"] == "classified")
            if other == request or other_class["customer"] != classified["customer"] \
                    or other_class["category"] != classified["category"]:
                continue
            earlier = [t for t in resolutions[other] if t < received["time"]]
            if earlier and 0 <= minutes(max(earlier), received["time"]) < 7 * 24 * 60:
                out["repeats"] += 1
                break
    return out


def test_the_digest_figures_equal_a_recomputation_from_the_exported_events(desk, worked):
    lines = export_events(desk.service)
    assert {"request", "type", "time", "actor"} <= set(lines[0])
    assert all(line["actor"] for line in lines if line["type"] in ("staff_replied", "status_changed", "first_response"))
    mine = recompute(lines)
    digests = digests_of(desk.service)
    rep, view = digests.rolling("week", "en", link=lambda rid: rid)
    f = rep.figures
    assert f.received == mine["received"] == 4
    assert f.resolved == mine["resolved"] == 2
    assert f.fcr == mine["fcr"] == 0, "the quick one was reopened by the customer's follow-up"
    assert f.reopens == mine["reopens"] == 1
    assert f.repeats == mine["repeats"] + mine["reopens"] == 2
    assert f.first_response.count == len(mine["frt"]) == 3
    assert f.first_response.mean == pytest.approx(sum(mine["frt"]) / len(mine["frt"]))
    assert f.first_response.median == bucket(int(nearest_rank(mine["frt"], 0.5)))
    assert f.resolution.median == bucket(int(nearest_rank(mine["res"], 0.5)))
    assert f.resolution.p90 == bucket(int(nearest_rank(mine["res"], 0.9)))
    assert f.csat_answers == len(mine["csat"]) == 2
    assert f.csat_share == sum(1 for s in mine["csat"] if s >= 4) / len(mine["csat"])
    assert f.red_zone == mine["red_zone"] == 1
    for row in rep.staff:
        assert row.resolved == mine["resolved_by"].get(row.staff_id, 0)
        assert row.assigned == mine["assigned"].get(row.staff_id, 0)


def test_an_event_written_twice_counts_once(desk, worked):
    table, at = desk.service.table, "2026-11-03T12:00:00Z"
    assert table.add_event(worked["pending"], at, "again", "sla_red_zone", holder="ivan", target="resolution")
    assert not table.add_event(worked["pending"], at, "again", "sla_red_zone", holder="ivan", target="resolution")
    rep, _ = digests_of(desk.service).rolling("week", "en", link=lambda rid: rid)
    assert rep.figures.red_zone == 2


def test_the_weekly_digest_is_sent_once_even_when_two_runs_overlap_with_bars_and_a_csv(desk, worked):
    desk.clock.current = datetime(2026, 11, 9, 6, 0, tzinfo=desk.clock.current.tzinfo)  # Monday 09:00 Moscow
    service = desk.service
    runs = [Digests(config=service.config, table=service.table, store=service.store, outbox=service.outbox,
                    templates=service.templates, clock=service.clock, signin_links=service.signin_links)
            for _ in range(2)]
    results: list[int] = []
    threads = [threading.Thread(target=lambda d=d: results.append(d.send_due())) for d in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert runs[0].send_due() == 0, "a later run of the same period sends nothing"
    [mail] = [m for m in desk.sent_to("olga@requestflow.example") if "Сводка" in m["subject"]]
    assert "2026-11-02 – 2026-11-08" in mail["subject"]
    html = mail["html"]
    assert 'class="rf-bar"' in html and "<img" not in html and "<script" not in html
    assert "Решено заявок" in html, "in the manager's language"
    [csv_part] = [p for p in mail["message"].iter_attachments() if p.get_filename().endswith(".csv")]
    text = csv_part.get_content()
    text = text.decode() if isinstance(text, bytes) else text
    assert text.startswith("section,name,value") and "headline,received,4" in text
    assert "/staff/signin/" in mail["text"], "overdue requests and the page link sign the manager in"


def test_the_board_counts_requests_in_work_per_person_for_managers_only(desk, worked):
    from chalice.test import Client

    from app import app
    from tests.functional.test_staff_pages import path_of, sign_in, text_of

    with Client(app, stage_name="dev") as client:
        cookie, _ = sign_in(client, desk.service.signin_links.url("olga", "board"))
        page = client.http.get("/staff/board?lang=en", headers={"Cookie": cookie})
        assert page.status_code == 200
        open_items = desk.service.table.open_requests()
        assert len(open_items) == 3, "the quick (reopened), the repeat and the pending request are in work"
        body = page.body.decode()
        assert f'href="board/list?lang=en">{len(open_items)}</a>' in body
        holder = open_items[0]["assignee"]
        mine = [r for r in open_items if r["assignee"] == holder]
        link = f"board/list?person={holder}&amp;lang=en"
        assert f'href="{link}">{len(mine)}</a>' in body
        listed = client.http.get("/staff/" + link.replace("&amp;", "&"), headers={"Cookie": cookie})
        assert listed.status_code == 200
        assert all(r["ticket"] in text_of(listed.body) for r in mine)
        digest_page = client.http.get("/staff/digest?period=week", headers={"Cookie": cookie})
        assert digest_page.status_code == 200 and "rf-digest-headline" in digest_page.body.decode()
        ivan_cookie, _ = sign_in(client, desk.service.signin_links.url("ivan", "board"))
        assert client.http.get("/staff/board", headers={"Cookie": ivan_cookie}).status_code == 403
        assert path_of("http://x/staff/board") == "/staff/board"


def test_the_events_of_one_step_written_twice_count_once_and_share_their_desk_item(desk):
    outcome = desk.receive(mail_from(CUSTOMERS[0], "Delivery time", "Could you tell me the delivery time, please?",
                                     "<once@kunde.example>"))
    table, outcome_day = desk.service.table, "2026-11-02"
    desk_item = lambda: next(i for i in table.kpi_items([outcome_day]) if i["SK"] == "desk")
    staff_item = lambda: next(i for i in table.kpi_items([outcome_day]) if i["SK"] == f"staff#{outcome.assignee}")
    assert (desk_item()["received"], staff_item()["assigned"]) == (1, 1)
    request = table.get_request(outcome.request_id)
    step = [("received", {"source": "email", "message_id": "<once@kunde.example>"}),
            ("classified", {"category": request.category, "priority": request.priority, "language": "en",
                            "missing_facts": []}),
            ("assigned", {"assignee": request.assignee, "department": request.department,
                          "strategy": "round_robin"})]
    table.add_events(request.request_id, request.created_at, step)
    table.add_events(request.request_id, request.created_at, step + [("received", {"source": "email"})])
    assert desk_item()["received"] == 2, "only the new event of the retried step counts"
    assert staff_item()["assigned"] == 1
    assert [e["event"] for e in table.events(request.request_id)][:4] == ["received", "classified", "assigned",
                                                                          "received"]

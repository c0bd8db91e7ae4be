"""The outbox as a user relies on it: with SES failing, every email still goes out exactly once; what
keeps failing is dead-lettered and can be retried; bounced and complaining addresses are not written
to again; a customer hears about their request's status at most once a window."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from chalice.test import Client

from app import app
from chalicelib.core.clock import iso
from chalicelib.core.requests.models import Outbound
from chalicelib.service.status_updates import StatusUpdates
from devstack.cli import format_outbox
from devstack.faults import inject_ses_failures

from .test_mail_intake import CORPUS

ORDER = (CORPUS / "new_01_en_utf8_7bit_gmail_quote.eml").read_bytes()
CUSTOMER = "p.devries@maasvlakte-logistics.nl"


def _mail(n: int, to: str = "customer{n}@example.com", request_id: str | None = None) -> Outbound:
    return Outbound(outbox_id=f"test.{n:03d}", kind="notice", request_id=request_id, to=[to.format(n=n)],
                    from_address="desk@requestflow.example", from_name="Desk", subject=f"Mail {n}",
                    text=f"Hello number {n}", message_id=f"<test.{n:03d}@requestflow.example>")


def _sent_per_message_id(desk) -> Counter:
    return Counter(m["message_id"] for m in desk.sent())


def _send_rounds(desk, rounds: int = 30) -> None:
    """What the send_outbox schedule does over the next hours, a user retrying what died."""
    for _ in range(rounds):
        desk.clock.advance(minutes=30)
        desk.service.send_outbox()
        for row in desk.service.outbox.unsent():
            if row.state == "dead":
                desk.service.outbox.retry(row.outbox_id)
        if not desk.service.outbox.unsent():
            return


class DownMailer:
    def send_raw(self, raw, source, destinations):
        raise ConnectionError("SES unreachable")


def _feedback(notification: dict) -> list[dict]:
    with Client(app, stage_name="dev") as client:
        event = client.events.generate_sns_event(message=json.dumps(notification), subject=None)
        return client.lambda_.invoke("on_mail_feedback", event).payload


def _bounce(address: str, kind: str = "Permanent") -> dict:
    return {"notificationType": "Bounce", "mail": {"messageId": "0102-ses"},
            "bounce": {"bounceType": kind, "bounceSubType": "General",
                       "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"}]}}


# --- delivered exactly once ---------------------------------------------------------------------------

def test_with_30_percent_of_ses_sends_failing_every_one_of_50_emails_goes_out_exactly_once(desk):
    flaky = inject_ses_failures(desk.service, desk.session.client("ses"), rate=0.3, seed=7)
    for n in range(50):
        desk.service.outbox.queue_and_send(_mail(n), iso(desk.clock.now()))
    assert 0 < len(desk.sent()) < 50, "some sends failed at first"
    _send_rounds(desk)
    assert _sent_per_message_id(desk) == {f"<test.{n:03d}@requestflow.example>": 1 for n in range(50)}
    assert flaky.failures >= 15 and desk.service.outbox.unsent() == []
    assert all(desk.service.table.outbound(f"test.{n:03d}")["status"] == "sent" for n in range(50))


def test_two_overlapping_senders_send_an_email_once(desk):
    table, outbox = desk.service.table, desk.service.outbox
    table.enqueue(_mail(1), iso(desk.clock.now()))
    first = table.claim_outbound_lease("test.001", desk.clock.now())
    assert first is not None
    assert outbox.send("test.001") is False, "the second sender finds it taken"
    assert desk.service.send_outbox() == 0
    mail, claim_no, _ = first
    assert table.mark_sent("test.001", "ses-1", iso(desk.clock.now()), claim_no)
    assert outbox.send("test.001") is False and desk.service.send_outbox() == 0
    assert desk.sent() == []  # the first sender was played by the test: SES was never called twice


def test_a_sender_whose_lease_ran_out_cannot_write_over_the_one_that_took_the_email_over(desk):
    table, outbox = desk.service.table, desk.service.outbox
    table.enqueue(_mail(1), iso(desk.clock.now()))
    _, stale_claim, _ = table.claim_outbound_lease("test.001", desk.clock.now())
    assert [r.state for r in outbox.unsent()] == []  # being sent, not stuck yet
    desk.clock.advance(minutes=6)
    assert [(r.outbox_id, r.state) for r in outbox.unsent()] == [("test.001", "stuck")]
    assert desk.service.send_outbox() == 1
    assert table.mark_unsent("test.001", "late failure", False, stale_claim, iso(desk.clock.now())) is False
    assert table.mark_sent("test.001", "ses-late", iso(desk.clock.now()), stale_claim) is False
    item = table.outbound("test.001")
    assert item["status"] == "sent" and item["ses_message_id"] != "ses-late"
    desk.clock.advance(hours=2)
    assert desk.service.send_outbox() == 0
    assert _sent_per_message_id(desk) == {"<test.001@requestflow.example>": 1}


def test_while_the_new_sender_still_holds_the_email_the_old_one_can_neither_finish_nor_requeue_it(desk):
    table = desk.service.table
    table.enqueue(_mail(1), iso(desk.clock.now()))
    _, old_claim, _ = table.claim_outbound_lease("test.001", desk.clock.now())
    desk.clock.advance(minutes=6)
    _, new_claim, _ = table.claim_outbound_lease("test.001", desk.clock.now())
    assert new_claim > old_claim
    assert table.mark_sent("test.001", "ses-old", iso(desk.clock.now()), old_claim) is False
    assert table.mark_unsent("test.001", "old failure", False, old_claim, iso(desk.clock.now())) is False
    assert table.outbound("test.001")["status"] == "sending"
    assert table.mark_sent("test.001", "ses-new", iso(desk.clock.now()), new_claim) is True
    assert table.outbound("test.001")["ses_message_id"] == "ses-new"


def test_a_long_html_email_that_failed_once_goes_out_later_whole(desk):
    outbox = desk.service.outbox
    real = outbox.mailer
    lines = [f"Строка {n}: заказ {hashlib.sha256(str(n).encode()).hexdigest()[:24]}" for n in range(60)]
    text = "\n".join(lines) + "\n"
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"
    outbox.mailer = DownMailer()
    outbox.queue_and_send(replace(_mail(1), text=text, html=html), iso(desk.clock.now()))
    assert desk.service.table.outbound("test.001")["status"] == "queued"
    outbox.mailer = real
    desk.clock.advance(minutes=2)
    assert desk.service.send_outbox() == 1
    [sent] = desk.sent()
    assert sent["text"] == text and f"<p>{lines[59]}</p>" in sent["html"]
    assert desk.service.table.outbound("test.001")["text"] == text


# --- backoff and dead letters --------------------------------------------------------------------------

def test_a_failed_email_is_not_tried_again_before_its_next_attempt_time(desk):
    outbox = desk.service.outbox
    real = outbox.mailer
    outbox.mailer = DownMailer()
    start = desk.clock.now()
    outbox.queue_and_send(_mail(1), iso(start))
    item = desk.service.table.outbound("test.001")
    assert item["status"] == "queued" and item["next_attempt_at"] == iso(start + timedelta(minutes=1))
    outbox.mailer = real
    desk.clock.advance(seconds=59)
    assert desk.service.send_outbox() == 0 and outbox.send("test.001") is False and desk.sent() == []
    outbox.mailer = DownMailer()
    desk.clock.advance(seconds=1)
    assert desk.service.send_outbox() == 0
    second = desk.service.table.outbound("test.001")
    assert second["attempts"] == 2 and second["next_attempt_at"] == iso(desk.clock.now() + timedelta(minutes=2))
    outbox.mailer = real
    desk.clock.advance(minutes=1, seconds=59)
    assert desk.service.send_outbox() == 0
    desk.clock.advance(seconds=1)
    assert desk.service.send_outbox() == 1 and len(desk.sent()) == 1


def test_mail_that_keeps_failing_is_dead_lettered_listed_and_retried_by_hand(desk):
    outbox = desk.service.outbox
    real = outbox.mailer
    outbox.mailer = DownMailer()
    outcome = desk.receive(ORDER)
    for _ in range(8):
        desk.clock.advance(hours=1)
        desk.service.send_outbox()
    ack_id = f"ack.{outcome.request_id}"
    ack = desk.service.table.outbound(ack_id)
    assert ack["status"] == "dead" and ack["attempts"] == outbox.settings.max_attempts == 5
    dead = [e for e in desk.service.table.events(outcome.request_id) if e["event"] == "mail_dead_lettered"]
    assert {e["outbox_id"] for e in dead} >= {ack_id}
    assert all(e["error"] == "ConnectionError: SES unreachable" for e in dead)
    rows = {r.outbox_id: r for r in outbox.unsent()}
    assert rows[ack_id].state == "dead" and rows[ack_id].request_id == outcome.request_id
    assert rows[ack_id].recipients == [CUSTOMER] and rows[ack_id].attempts == 5
    listing = format_outbox([r.as_dict() for r in outbox.unsent()])
    assert ack_id in listing and "ConnectionError: SES unreachable" in listing and CUSTOMER in listing

    outbox.mailer = real
    assert outbox.retry(ack_id) == "sent"
    assert len(desk.sent_to(CUSTOMER)) == 1
    assert outbox.retry(ack_id) == "not_dead" and outbox.retry("no.such.mail") == "unknown"
    desk.clock.advance(hours=3)
    desk.service.send_outbox()
    assert len(desk.sent_to(CUSTOMER)) == 1


# --- bounces and complaints ------------------------------------------------------------------------------

def test_a_permanently_bounced_address_is_not_written_to_again_and_the_request_says_why(desk):
    assert _feedback(_bounce("P.DeVries@maasvlakte-logistics.nl")) == [
        {"address": CUSTOMER, "reason": "bounce", "detail": "General"}]
    assert _feedback(_bounce(CUSTOMER)) == [{"address": CUSTOMER, "reason": "bounce", "detail": "General"}]
    entry = desk.service.table.suppression(CUSTOMER)
    assert entry["reason"] == "bounce" and entry["detail"] == "General"
    outcome = desk.receive(ORDER)
    assert outcome.outcome == "created"
    assert desk.sent_to(CUSTOMER) == [] and desk.sent(), "the assignee still hears of the request"
    ack = desk.service.table.outbound(f"ack.{outcome.request_id}")
    assert ack["status"] == "suppressed" and ack["suppressed"] == [CUSTOMER]
    [event] = [e for e in desk.service.table.events(outcome.request_id) if e["event"] == "mail_suppressed"]
    assert (event["address"], event["reason"]) == (CUSTOMER, "bounce")
    desk.clock.advance(hours=2)
    desk.service.send_outbox()
    assert desk.sent_to(CUSTOMER) == [] and desk.service.outbox.unsent() == []


def test_a_transient_bounce_suppresses_nothing(desk):
    assert _feedback(_bounce(CUSTOMER, kind="Transient")) == []
    assert desk.service.table.suppression(CUSTOMER) is None
    desk.receive(ORDER)
    assert len(desk.sent_to(CUSTOMER)) == 1


def test_a_complaint_suppresses_the_address(desk):
    _feedback({"notificationType": "Complaint", "mail": {"messageId": "m"},
               "complaint": {"complaintFeedbackType": "abuse", "complainedRecipients": [{"emailAddress": CUSTOMER}]}})
    outcome = desk.receive(ORDER)
    assert desk.sent_to(CUSTOMER) == []
    [event] = [e for e in desk.service.table.events(outcome.request_id) if e["event"] == "mail_suppressed"]
    assert event["reason"] == "complaint"


def test_mail_to_a_suppressed_and_a_good_address_goes_to_the_good_one_only(desk):
    _feedback(_bounce("gone@example.com"))
    desk.service.outbox.queue_and_send(replace(_mail(1), to=["gone@example.com", "here@example.com"]),
                                       iso(desk.clock.now()))
    [sent] = desk.sent()
    assert sent["to"] == ["here@example.com"]


# --- status updates, coalesced ----------------------------------------------------------------------------

def _update(request, event: str, text: str) -> Outbound:
    return Outbound(outbox_id=f"update.{request.request_id}.{event}.1", kind="update", request_id=request.request_id,
                    to=[request.customer_email], from_address="desk@requestflow.example", from_name="Desk",
                    subject=f"Re: [#{request.ticket}] status", text=text,
                    message_id=f"<update.{request.request_id.lower()}.{event}.1@requestflow.example>")


def test_a_customer_gets_at_most_one_status_update_a_window_and_the_newest_news_when_it_opens(desk):
    outcome = desk.receive(ORDER)
    request = desk.service.table.get_request(outcome.request_id)
    updates = StatusUpdates(table=desk.service.table, outbox=desk.service.outbox, window_hours=4)
    already = len(desk.sent_to(CUSTOMER))

    def told():
        return [m["text"].strip() for m in desk.sent_to(CUSTOMER)][already:]

    def at(**delta):
        desk.clock.advance(**delta)
        return iso(desk.clock.now())

    assert updates.tell(request, _update(request, "route_started", "Being approved."), at(minutes=10)) == "sent"
    assert updates.tell(request, _update(request, "approved", "Approved."), at(hours=1)) == "deferred"
    assert updates.tell(request, _update(request, "execution_started", "Started."), at(hours=1)) == "replaced"
    assert updates.tell(request, _update(request, "approved", "Approved."), at(minutes=5)) == "duplicate"
    assert told() == ["Being approved."]
    waiting = desk.service.table.outbound(f"update.{request.request_id}.w1")
    assert waiting["status"] == "queued" and waiting["text"] == "Started."
    assert [r.outbox_id for r in desk.service.outbox.unsent()] == [f"update.{request.request_id}.w1"]

    desk.service.send_outbox()
    assert told() == ["Being approved."], "not before the window opens"
    desk.clock.current = desk.service.clock.now().replace(hour=13, minute=0)  # the request came at 09:00
    desk.service.send_outbox()
    assert told() == ["Being approved.", "Started."]
    assert updates.tell(request, _update(request, "execution_started", "Started."), at(minutes=1)) == "duplicate"
    assert updates.tell(request, _update(request, "completed", "Done."), at(minutes=1)) == "deferred"
    assert told() == ["Being approved.", "Started."]


def test_with_a_window_of_zero_every_status_update_goes_out_at_once_but_only_once(desk):
    outcome = desk.receive(ORDER)
    request = desk.service.table.get_request(outcome.request_id)
    updates = StatusUpdates(table=desk.service.table, outbox=desk.service.outbox, window_hours=0)
    already = len(desk.sent_to(CUSTOMER))
    assert updates.tell(request, _update(request, "approved", "Approved."), iso(desk.clock.now())) == "sent"
    assert updates.tell(request, _update(request, "approved", "Approved."), iso(desk.clock.now())) == "duplicate"
    assert updates.tell(request, _update(request, "execution_started", "Go."), iso(desk.clock.now())) == "sent"
    assert len(desk.sent_to(CUSTOMER)) == already + 2

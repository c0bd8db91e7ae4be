"""SES delivers at least once, auto-responders answer us, and the handler sees SNS events."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from chalice.test import Client

from app import app

from .test_mail_intake import CORPUS

ORDER = (CORPUS / "new_01_en_utf8_7bit_gmail_quote.eml").read_bytes()


def _requests(desk) -> list[dict]:
    table = desk.session.resource("dynamodb").Table(desk.resources.table_name)
    return [i for i in table.scan()["Items"] if i.get("type") == "request"]


def test_the_same_message_delivered_three_times_at_once_is_one_request_and_one_acknowledgement(desk):
    keys = [desk.put_raw(ORDER) for _ in range(3)]
    outcomes, errors = [], []

    def deliver(key):
        try:
            outcomes.append(desk.service.receive_mail(key, ["desk@requestflow.example"]))
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_requests(desk)) == 1
    assert {o.ticket for o in outcomes} == {outcomes[0].ticket}
    assert sorted(o.duplicate for o in outcomes) == [False, True, True]
    customer_mail = desk.sent_to("p.devries@maasvlakte-logistics.nl")
    assert len(customer_mail) == 1


def test_an_auto_responder_answering_our_acknowledgement_gets_no_answer_however_often(desk):
    first = desk.receive(ORDER)
    ack = desk.sent_to("p.devries@maasvlakte-logistics.nl")[0]
    for n in range(5):
        bounce_back = (
            f"From: Pieter <p.devries@maasvlakte-logistics.nl>\r\nTo: {first.reply_to}\r\n"
            f"Subject: Automatic reply: {ack['subject']}\r\nMessage-ID: <ooo{n}@maasvlakte-logistics.nl>\r\n"
            f"In-Reply-To: {first.ack_message_id}\r\nX-Auto-Response-Suppress: All\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n"
        ).encode()
        outcome = desk.receive(bounce_back, [first.reply_to])
        assert (outcome.outcome, outcome.reason) == ("ignored", "auto_reply")
    assert len(desk.sent_to("p.devries@maasvlakte-logistics.nl")) == 1


def test_a_sender_gets_at_most_the_configured_number_of_automatic_replies_per_hour(desk):
    limit = desk.service.config.desk.auto_replies_per_sender_per_hour
    for n in range(limit + 2):
        raw = ORDER.replace(b"Message-ID: <CAW8E1pC", f"Message-ID: <n{n}CAW8E1pC".encode())
        assert desk.receive(raw).outcome == "created"
    acks = [m for m in desk.sent_to("p.devries@maasvlakte-logistics.nl")]
    assert len(acks) == limit
    desk.clock.advance(hours=1)
    raw = ORDER.replace(b"Message-ID: <CAW8E1pC", b"Message-ID: <later-CAW8E1pC")
    desk.receive(raw)
    assert len(desk.sent_to("p.devries@maasvlakte-logistics.nl")) == limit + 1


def test_the_sns_handler_reads_the_stored_message_and_the_ses_verdicts(desk):
    key = desk.put_raw(ORDER)
    notification = {"notificationType": "Received",
                    "receipt": {"recipients": ["desk@requestflow.example"], "spamVerdict": {"status": "FAIL"},
                                "virusVerdict": {"status": "PASS"},
                                "action": {"type": "S3", "bucketName": desk.resources.bucket, "objectKey": key}}}
    with Client(app, stage_name="dev") as client:
        event = client.events.generate_sns_event(message=json.dumps(notification), subject="SES")
        response = client.lambda_.invoke("on_inbound_mail", event)
    [outcome] = response.payload
    assert (outcome["outcome"], outcome["reason"]) == ("quarantined", "spam")
    assert desk.sent() == []


def test_queued_mail_that_failed_to_send_goes_out_on_the_next_schedule_run(desk):
    class FlakyMailer:
        def __init__(self, inner):
            self.inner, self.fail = inner, True

        def send_raw(self, raw, source, destinations):
            if self.fail:
                raise ConnectionError("SES throttled")
            return self.inner.send_raw(raw, source, destinations)

    mailer = FlakyMailer(desk.service.mailer)
    desk.service.outbox.mailer = mailer
    outcome = desk.receive(ORDER)
    assert outcome.outcome == "created" and desk.sent() == []
    mailer.fail = False
    desk.clock.advance(minutes=1)
    with Client(app, stage_name="dev") as client:
        client.lambda_.invoke("send_outbox", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert len(desk.sent_to("p.devries@maasvlakte-logistics.nl")) == 1
    with Client(app, stage_name="dev") as client:
        client.lambda_.invoke("send_outbox", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert len(desk.sent_to("p.devries@maasvlakte-logistics.nl")) == 1, "sent mail is never sent twice"


def test_a_retry_after_a_failure_midway_writes_the_same_request_not_a_second_one(desk):
    class BrokenOnce:
        """The store fails once while saving attachments, after the request was written."""
        def __init__(self, inner):
            self.inner, self.failed = inner, False

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def put_attachment(self, *args, **kwargs):
            if not self.failed:
                self.failed = True
                raise ConnectionError("S3 timed out")
            return self.inner.put_attachment(*args, **kwargs)

    desk.service.conversation.store = BrokenOnce(desk.service.conversation.store)
    raw = (Path(CORPUS) / "new_17_en_outlook_mixed_pdf_png_docx_order.eml").read_bytes()
    key = desk.put_raw(raw)
    try:
        desk.service.receive_mail(key, ["desk@requestflow.example"])
    except ConnectionError:
        pass
    desk.clock.advance(minutes=1)
    outcome = desk.service.receive_mail(key, ["desk@requestflow.example"])
    assert outcome.outcome == "created" and outcome.ticket == "RF-2611-0001"
    assert len(_requests(desk)) == 1
    events = desk.service.table.events(outcome.request_id)
    assert [e["event"] for e in events] == ["received", "classified", "assigned"]
    assert len(desk.sent_to("j.whitfield@brightwaterfoods.co.uk")) == 1
    assert len(outcome.attachments) == 3
    assert desk.service.table.counters(["open#" + outcome.assignee])["open#" + outcome.assignee] == 1


def test_mail_that_keeps_failing_is_dead_lettered_after_five_attempts_and_leaves_the_queue(desk):
    class DownMailer:
        def send_raw(self, raw, source, destinations):
            raise ConnectionError("SES unreachable")

    desk.service.outbox.mailer = DownMailer()
    desk.receive(ORDER)
    for _ in range(6):
        desk.clock.advance(hours=1)
        desk.service.send_outbox()
    assert desk.service.table.pending_outbound() == []
    ack = desk.service.table.outbound("ack.RF-2611-0001")
    assert ack["status"] == "dead" and ack["attempts"] == 5 and "SES unreachable" in ack["last_error"]

"""Threading rules, missing facts, assignment strategies and the audit trail of events."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .test_delivery import ORDER
from .test_mail_intake import CORPUS

ROOT = Path(__file__).resolve().parents[2]


def _mail(sender: str, subject: str, body: str, message_id: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: desk@requestflow.example\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def test_a_subject_tag_from_a_stranger_does_not_thread_into_someone_elses_request(desk):
    first = desk.receive(ORDER)
    stranger = desk.receive(_mail("mallory@evil.example", f"Re: [#{first.ticket}] change delivery address",
                                  "Please deliver the order to our new warehouse instead.", "m1@evil.example"))
    assert stranger.outcome == "created" and stranger.ticket != first.ticket
    customer = desk.receive(_mail("p.devries@maasvlakte-logistics.nl", f"[#{first.ticket}] one more thing",
                                  "Please add pallet labels as well.", "m2@maasvlakte-logistics.nl"))
    assert (customer.outcome, customer.ticket) == ("threaded", first.ticket)


def test_a_forged_reply_address_does_not_thread(desk):
    first = desk.receive(ORDER)
    forged = first.reply_to.replace(first.reply_to.split(".")[-2].split("@")[0], "0" * 12)
    outcome = desk.receive(_mail("x@example.org", "Hello", "A new question about film.", "f1@example.org"),
                           [forged])
    assert outcome.outcome == "created" and outcome.ticket != first.ticket


def test_the_acknowledgement_asks_for_exactly_the_missing_facts(desk):
    lacking = desk.receive((CORPUS / "new_22_ru_urgent_folded_long_subject.eml").read_bytes())
    complete = desk.receive(ORDER)
    assert lacking.missing_facts == ["monthly_need"] and complete.missing_facts == []
    assert desk.service.table.get_request(complete.request_id).facts.get("monthly_need"), \
        "the need the customer stated is on the request for staff and route conditions"
    [ack_lacking] = [m for m in desk.sent() if m["message_id"] == lacking.ack_message_id]
    [ack_complete] = [m for m in desk.sent() if m["message_id"] == complete.ack_message_id]
    assert "ежемесячная потребность" in ack_lacking["text"]
    assert "To start work we still need" not in ack_complete["text"]


def test_every_state_change_is_an_event_with_its_time(desk):
    outcome = desk.receive(ORDER)
    events = desk.service.table.events(outcome.request_id)
    assert [e["event"] for e in events] == ["received", "classified", "assigned", "route_started"], \
        "an order with its monthly need starts its approval route"
    assert all(e["at"] == "2026-11-02T09:00:00.000000Z" for e in events)
    assert events[2]["assignee"] == outcome.assignee


def test_round_robin_takes_turns_within_the_department(desk):
    people = []
    for n in range(4):
        raw = ORDER.replace(b"Message-ID: <CAW8E1pC", f"Message-ID: <rr{n}CAW8E1pC".encode())
        people.append(desk.receive(raw).assignee)
    sales_en = [s.id for s in desk.service.config.staff_of("sales") if "en" in s.languages]
    assert people == [sales_en[n % len(sales_en)] for n in range(4)]


def test_least_loaded_gives_the_request_to_whoever_has_fewest_open(desk):
    config = desk.service.config
    desk.service.config = config.model_copy(update={"assignment": config.assignment.model_copy(
        update={"strategy": "least_loaded"})})
    desk.service.table.increment("open#olga", 5)
    desk.service.table.increment("open#ivan", 2)
    first = desk.receive(ORDER)
    assert first.assignee == "li"
    second = desk.receive(ORDER.replace(b"Message-ID: <CAW8E1pC", b"Message-ID: <ll2CAW8E1pC"))
    assert second.assignee == "li"  # li has 1 open now, ivan 2, olga 5


def test_rf_ingest_prints_one_outcome_json_line_per_file():
    files = [CORPUS / "new_04_zh_utf8_base64_gmail_question.eml", CORPUS / "noreq_04_precedence_bulk_newsletter.eml",
             CORPUS / "bad_08_zero_bytes.eml"]
    result = subprocess.run([str(ROOT / "rf"), "ingest", "--json", *map(str, files)], capture_output=True,
                            text=True, timeout=180, cwd="/")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(l["file"], l["outcome"]) for l in lines] == [
        (files[0].name, "created"), (files[1].name, "ignored"), (files[2].name, "quarantined")]
    assert lines[0]["language"] == "zh" and lines[0]["ticket"] and lines[0]["ack_message_id"]
    assert lines[1]["reason"] == "bulk" and lines[2]["reason"] == "malformed"


def test_a_reply_that_gives_the_missing_monthly_need_takes_it_off_the_request(desk):
    lacking = desk.receive((CORPUS / "new_22_ru_urgent_folded_long_subject.eml").read_bytes())
    assert lacking.missing_facts == ["monthly_need"]
    request = desk.service.table.get_request(lacking.request_id)
    reply = _mail(request.customer_email, f"Re: [#{lacking.ticket}] плёнка",
                  "Ежемесячная потребность — около 3 тонн в месяц.", "facts1@example.ru",
                  f"In-Reply-To: {lacking.ack_message_id}\r\n")
    assert desk.receive(reply).outcome == "threaded"
    stored = desk.service.table.get_request(lacking.request_id)
    assert stored.missing_facts == []
    assert stored.facts["monthly_need"] == "Ежемесячная потребность — около 3 тонн в месяц"
    assert "facts_provided" in [e["event"] for e in desk.service.table.events(lacking.request_id)]


def test_the_assignee_is_told_who_actually_wrote_the_reply(desk):
    first = desk.receive(ORDER)
    colleague = _mail("Anna Colleague <anna@maasvlakte-logistics.nl>", "Re: quote", "Adding myself in copy.",
                      "col1@maasvlakte-logistics.nl", f"In-Reply-To: {first.ack_message_id}\r\n")
    assert desk.receive(colleague).outcome == "threaded"
    assignee = str(desk.service.config.staff_member(first.assignee).email)
    told = [m for m in desk.sent_to(assignee) if "wrote again" in m["text"] or "снова написал" in m["text"]]
    assert len(told) == 1 and "anna@maasvlakte-logistics.nl" in told[0]["text"]


def test_a_request_sent_only_as_a_text_attachment_is_read_from_it(desk):
    raw = ("From: buyer@example.ru\r\nTo: desk@requestflow.example\r\nSubject: Заявка\r\n"
           "Message-ID: <att1@example.ru>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "\r\n--b1\r\nContent-Type: text/plain; charset=utf-8; name=zayavka.txt\r\n"
           "Content-Disposition: attachment; filename=zayavka.txt\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           "Просим выставить счёт на 20 рулонов стрейч-плёнки.\r\n--b1--\r\n").encode()
    outcome = desk.receive(raw)
    assert outcome.outcome == "created" and "счёт на 20 рулонов" in outcome.text
    assert outcome.category == "documents"
    assert [a["filename"] for a in outcome.attachments] == ["zayavka.txt"]


def test_a_bad_config_stops_the_start_naming_the_field(tmp_path):
    bad = tmp_path / "desk.toml"
    text = (ROOT / "config" / "desk.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace('department = "quality"', 'department = "qualty"', 1), encoding="utf-8")
    result = subprocess.run([str(ROOT / "rf"), "ingest", "--config", str(bad), str(CORPUS / "bad_08_zero_bytes.eml")],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 2
    assert "desk.toml: staff[3].department: unknown department 'qualty'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_forwarded_report_keeps_the_forwarded_text_as_part_of_the_request(desk):
    body = ("Please see below the report from our warehouse and arrange a replacement.\r\n\r\n"
            "-----Original Message-----\r\nFrom: Warehouse <wh@buyer.example>\r\nSent: Monday, November 2, 2026 8:10 AM\r\n"
            "To: Purchasing <p@buyer.example>\r\nSubject: Damaged pallets on delivery DN-7781\r\n\r\n"
            "4 pallets of stretch film crushed on arrival, photos attached.\r\n")
    outcome = desk.receive(_mail("p@buyer.example", "FW: Damaged pallets on delivery DN-7781", body, "fw1@buyer.example"))
    assert outcome.outcome == "created" and "4 pallets of stretch film crushed" in outcome.text
    assert outcome.category == "complaint"

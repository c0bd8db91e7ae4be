"""Staff answer through the desk: a reply to a desk email reaches the customer from the desk's address."""
from __future__ import annotations

import re
from email.utils import getaddresses

import pytest

from chalice.test import Client

CUSTOMER = "p.devries@maasvlakte-logistics.nl"
PASS = "Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=requestflow.example; dkim=pass; dmarc=pass\r\n"
DMARC_FAIL = "Authentication-Results: amazonses.com; spf=pass; dkim=fail; dmarc=fail\r\n"
NONE = ""


def customer_mail(subject="Question: delivery to Rotterdam", body="Do you deliver stretch film to Rotterdam?\r\n\r\n"
                  "Pieter de Vries\r\nMaasvlakte Logistics\r\nTel. +31 10 123 4567\r\n", mid="<c1@maasvlakte>",
                  extra=""):
    return (f"From: Pieter de Vries <{CUSTOMER}>\r\nTo: desk@requestflow.example\r\nSubject: {subject}\r\n"
            f"Message-ID: {mid}\r\nDate: Mon, 2 Nov 2026 08:00:00 +0000\r\n{extra}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def notification_of(desk, staff_email: str) -> dict:
    return [m for m in desk.sent_to(staff_email)][-1]


def staff_reply(to_mail: dict, staff: str, body: str, auth: str = PASS, mid: str = "<s1@requestflow.example>",
                attachment: tuple[str, bytes] | None = None) -> bytes:
    """The staff member's mail client answering `to_mail`: Reply-To as To, the notification quoted."""
    reply_to = str(to_mail["message"]["Reply-To"] or to_mail["message"]["From"])
    quoted = "\r\n".join("> " + line for line in to_mail["text"].splitlines())
    headers = (f"From: Staff <{staff}>\r\nTo: {reply_to}\r\nSubject: Re: {to_mail['subject']}\r\n"
               f"Message-ID: {mid}\r\nIn-Reply-To: {to_mail['message_id']}\r\n"
               f"References: {to_mail['message_id']}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n{auth}")
    text = f"{body}\r\n\r\n--\r\nOlga Smirnova\r\nSales, +7 495 000 00 00\r\n\r\nOn Mon, 2 Nov 2026, desk wrote:\r\n{quoted}\r\n"
    if attachment is None:
        return (headers + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()
    name, data = attachment
    import base64

    return (headers + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
            f'--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(data).decode() + "\r\n--b1--\r\n").encode()


@pytest.fixture
def opened(desk):
    """A customer's request and the notification its assignee got."""
    outcome = desk.receive(customer_mail())
    assert outcome.outcome == "created"
    member = desk.service.config.staff_member(outcome.assignee)
    return outcome, str(member.email), notification_of(desk, str(member.email))


def answers_to_customer(desk):
    return [m for m in desk.sent_to(CUSTOMER) if "Auto-Submitted" not in m["message"]]


def test_the_assignee_answers_by_replying_to_the_notification_and_the_customer_gets_it_from_the_desk(desk, opened):
    outcome, staff, note = opened
    assert "+s." in str(note["message"]["Reply-To"]), "the notification's replies go to a staff reply address"
    result = desk.receive(staff_reply(note, staff, "Dear Pieter,\r\n\r\nwe can deliver 40 rolls at 12.50 EUR each."),
                          [str(note["message"]["Reply-To"])])
    assert result.outcome == "threaded" and result.author == "staff" and result.staff_action == "answered"
    [answer] = answers_to_customer(desk)
    message = answer["message"]
    assert getaddresses([message["From"]])[0][1] == "desk@requestflow.example"
    assert f"[#{outcome.ticket}]" in answer["subject"] and answer["subject"].startswith("Re:")
    assert message["In-Reply-To"] == "<c1@maasvlakte>"
    assert "<c1@maasvlakte>" in message["References"] and outcome.ack_message_id in message["References"]
    assert message["Reply-To"] == outcome.reply_to
    assert "we can deliver 40 rolls at 12.50 EUR each" in answer["text"]
    assert "> " not in answer["text"] and "+7 495 000 00 00" not in answer["text"], "quotes and signature removed"
    request = desk.service.table.get_request(outcome.request_id)
    assert request.status == "waiting_customer"
    assert request.first_response_at is not None
    events = [e["event"] for e in desk.service.table.events(outcome.request_id)]
    assert "first_response" in events and "status_changed" in events


def test_a_customer_reply_to_the_answer_reopens_the_request_and_reaches_the_assignee(desk, opened):
    outcome, staff, note = opened
    desk.receive(staff_reply(note, staff, "We can deliver next week."), [str(note["message"]["Reply-To"])])
    [answer] = answers_to_customer(desk)
    back = customer_mail("Re: " + answer["subject"], "Great, please send the invoice.\r\n", "<c2@maasvlakte>",
                         f"In-Reply-To: {answer['message_id']}\r\n")
    result = desk.receive(back, [outcome.reply_to])
    assert result.outcome == "threaded" and result.author == "customer" and result.status == "open"
    told = notification_of(desk, staff)
    assert "please send the invoice" in told["text"]
    desk.receive(staff_reply(told, staff, "Invoice attached.", mid="<s2@requestflow.example>"),
                 [str(told["message"]["Reply-To"])])
    second = answers_to_customer(desk)[-1]
    assert second["message"]["In-Reply-To"] == "<c2@maasvlakte>", "the answer replies to the latest customer mail"
    assert desk.service.table.get_request(outcome.request_id).status == "waiting_customer"


def test_a_staff_reply_is_never_mistaken_for_a_customer_reply(desk, opened):
    outcome, staff, note = opened
    desk.receive(staff_reply(note, staff, "Checking stock now."), [str(note["message"]["Reply-To"])])
    events = [e["event"] for e in desk.service.table.events(outcome.request_id)]
    assert "customer_replied" not in events and "staff_replied" in events
    assert [m for m in desk.sent_to(staff) if "wrote again" in m["text"] or "снова написал" in m["text"]] == []


def test_a_note_reaches_nobody_and_changes_no_status(desk, opened):
    outcome, staff, note = opened
    before = len(desk.sent())
    result = desk.receive(staff_reply(note, staff, "#note\r\nCustomer is a reseller, check the discount."),
                          [str(note["message"]["Reply-To"])])
    assert result.staff_action == "note"
    assert answers_to_customer(desk) == [] and len(desk.sent()) == before
    assert desk.service.table.get_request(outcome.request_id).status == "new"
    [kept] = [m for m in desk.service.table.messages(outcome.request_id) if m["kind"] == "note"]
    assert "reseller" in kept["text"]


def test_resolve_sends_the_answer_and_resolves(desk, opened):
    outcome, staff, note = opened
    result = desk.receive(staff_reply(note, staff, "#resolve\r\nThe film ships today."),
                          [str(note["message"]["Reply-To"])])
    assert result.staff_action == "resolved"
    [answer] = answers_to_customer(desk)
    assert "The film ships today." in answer["text"] and "#resolve" not in answer["text"]
    request = desk.service.table.get_request(outcome.request_id)
    assert request.status == "resolved" and request.resolved_at
    assert desk.service.table.counters([f"open#{outcome.assignee}"])[f"open#{outcome.assignee}"] == 0


def test_resolve_alone_resolves_without_writing_to_the_customer(desk, opened):
    outcome, staff, note = opened
    desk.receive(staff_reply(note, staff, "#resolve"), [str(note["message"]["Reply-To"])])
    assert answers_to_customer(desk) == []
    assert desk.service.table.get_request(outcome.request_id).status == "resolved"


def test_assign_passes_the_request_to_a_colleague_who_is_told_with_the_note(desk, opened):
    outcome, staff, note = opened
    colleague = next(m for m in desk.service.config.staff if m.id != outcome.assignee and m.department == "sales")
    result = desk.receive(staff_reply(note, staff, f"#assign {colleague.id}\r\nYou know this customer."),
                          [str(note["message"]["Reply-To"])])
    assert result.staff_action == "assigned" and result.assignee == colleague.id
    assert desk.service.table.get_request(outcome.request_id).assignee == colleague.id
    told = notification_of(desk, str(colleague.email))
    assert "You know this customer." in told["text"] and outcome.ticket in told["subject"]
    assert answers_to_customer(desk) == []
    counts = desk.service.table.counters([f"open#{outcome.assignee}", f"open#{colleague.id}"])
    assert counts == {f"open#{outcome.assignee}": 0, f"open#{colleague.id}": 1}


def test_assign_to_nobody_known_explains_and_keeps_the_assignee(desk, opened):
    outcome, staff, note = opened
    result = desk.receive(staff_reply(note, staff, "#assign Gandalf"), [str(note["message"]["Reply-To"])])
    assert result.staff_action == "unknown_person"
    assert desk.service.table.get_request(outcome.request_id).assignee == outcome.assignee
    explained = notification_of(desk, staff)
    assert "Gandalf" in explained["text"] and "#assign" in explained["text"]


def test_an_unknown_command_is_explained_to_the_sender_and_nothing_reaches_the_customer(desk, opened):
    outcome, staff, note = opened
    result = desk.receive(staff_reply(note, staff, "#solve\r\nDone."), [str(note["message"]["Reply-To"])])
    assert result.staff_action == "unknown_command"
    assert answers_to_customer(desk) == []
    assert "#solve" in notification_of(desk, staff)["text"]


@pytest.mark.parametrize("auth", [
    DMARC_FAIL, NONE,
    "Authentication-Results: amazonses.com; spf=fail; dkim=fail; dmarc=none\r\n",
    # SPF passed, but for the attacker's own envelope domain, not the staff member's.
    "Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=bounce@attacker.example; dkim=none; "
    "dmarc=none header.from=requestflow.example\r\n",
    # Verdicts written by some other server are the sender's to forge.
    "Authentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass\r\n",
], ids=["dmarc-fail", "no-verdicts", "spf-dkim-fail", "unaligned-spf", "foreign-authserv"])
def test_a_spoofed_staff_address_changes_nothing(desk, opened, auth):
    outcome, staff, note = opened
    before = len(desk.sent())
    result = desk.receive(staff_reply(note, staff, "#resolve\r\nYour refund is approved.", auth=auth),
                          [str(note["message"]["Reply-To"])])
    assert result.outcome == "threaded" and result.author == "unverified"
    assert len(desk.sent()) == before, "nothing is sent to anybody"
    request = desk.service.table.get_request(outcome.request_id)
    assert request.status == "new" and request.first_response_at is None
    assert "unverified_staff_message" in [e["event"] for e in desk.service.table.events(outcome.request_id)]


def test_dkim_aligned_with_the_staff_domain_vouches_without_a_dmarc_policy(desk, opened):
    outcome, staff, note = opened
    auth = ("Authentication-Results: amazonses.com; spf=none; dkim=pass header.i=@requestflow.example; "
            "dmarc=none\r\n")
    result = desk.receive(staff_reply(note, staff, "Aligned DKIM is enough.", auth=auth),
                          [str(note["message"]["Reply-To"])])
    assert result.author == "staff" and result.staff_action == "answered"


def test_the_same_staff_reply_delivered_twice_sends_one_answer(desk, opened):
    outcome, staff, note = opened
    raw = staff_reply(note, staff, "One answer only, please.")
    first = desk.receive(raw, [str(note["message"]["Reply-To"])])
    again = desk.receive(raw, [str(note["message"]["Reply-To"])])
    assert again.duplicate and again.request_id == first.request_id
    assert len(answers_to_customer(desk)) == 1


def test_attachments_of_a_staff_reply_are_passed_on_to_the_customer(desk, opened):
    outcome, staff, note = opened
    pdf = b"%PDF-1.4 price list " * 50
    desk.receive(staff_reply(note, staff, "Our price list is attached.", attachment=("Prijslijst 2026.pdf", pdf)),
                 [str(note["message"]["Reply-To"])])
    [answer] = answers_to_customer(desk)
    [part] = list(answer["message"].iter_attachments())
    assert part.get_filename() == "Prijslijst 2026.pdf" and part.get_content() == pdf


def test_a_staff_member_writing_with_the_ticket_tag_in_the_subject_answers_too(desk, opened):
    outcome, staff, _ = opened
    raw = (f"From: Olga <{staff}>\r\nTo: desk@requestflow.example\r\nSubject: [#{outcome.ticket}] follow-up\r\n"
           f"Message-ID: <tag1@requestflow.example>\r\n{PASS}Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "We have found the missing pallet.\r\n").encode()
    result = desk.receive(raw)
    assert result.author == "staff" and result.staff_action == "answered"
    assert "missing pallet" in answers_to_customer(desk)[0]["text"]


def test_a_reply_larger_than_a_table_item_is_kept_whole(desk, opened):
    outcome, _, _ = opened
    huge = "\r\n".join(f"Line {n}: the quantities we need for the coming season." for n in range(14000))
    assert len(huge) > 700_000
    back = customer_mail("Re: [#%s] forecast" % outcome.ticket, huge + "\r\n", "<big@maasvlakte>",
                         f"In-Reply-To: {outcome.ack_message_id}\r\n")
    result = desk.receive(back, [outcome.reply_to])
    assert result.outcome == "threaded"
    [kept] = [m for m in desk.service.table.messages(outcome.request_id) if m.get("message_id") == "<big@maasvlakte>"]
    assert desk.service.conversation.full_text(kept) == huge.replace("\r\n", "\n").strip()


def test_the_status_page_shows_the_status_and_both_sides_of_the_conversation(desk, opened):
    outcome, staff, note = opened
    desk.clock.advance(minutes=30)
    desk.receive(staff_reply(note, staff, "We will deliver on Friday."), [str(note["message"]["Reply-To"])])
    desk.receive(staff_reply(note, staff, "#note\r\nInternal: he pays late.", mid="<s9@requestflow.example>"),
                 [str(note["message"]["Reply-To"])])
    [ack] = [m for m in desk.sent_to(CUSTOMER) if m["message_id"] == outcome.ack_message_id]
    path = re.search(r"https?://[^/\s]+(/status/\S+)", ack["text"]).group(1)
    from app import app

    with Client(app) as client:
        page = client.http.get(path).body.decode()
    assert "We answered; waiting for your reply" in page
    assert page.index("Do you deliver stretch film to Rotterdam?") < page.index("We will deliver on Friday.")
    assert "he pays late" not in page, "internal notes are never shown to the customer"


def test_a_colleague_writing_to_another_staff_members_reply_address_changes_nothing(desk, opened):
    outcome, staff, note = opened
    colleague = next(str(m.email) for m in desk.service.config.staff if str(m.email) != staff)
    result = desk.receive(staff_reply(note, colleague, "I answer for Olga."),
                          [str(note["message"]["Reply-To"])])
    assert result.author == "unverified" and answers_to_customer(desk) == []


def test_after_the_first_answer_staff_notifications_show_the_resolution_deadline_and_thread(desk, opened):
    outcome, staff, note = opened
    desk.receive(staff_reply(note, staff, "We deliver on Friday."), [str(note["message"]["Reply-To"])])
    [answer] = answers_to_customer(desk)
    back = customer_mail("Re: " + answer["subject"], "And on Saturday?\r\n", "<c5@maasvlakte>",
                         f"In-Reply-To: {answer['message_id']}\r\n")
    result = desk.receive(back, [outcome.reply_to])
    assert result.missing_facts == [] and result.status == "open"
    told = notification_of(desk, staff)
    request = desk.service.table.get_request(outcome.request_id)
    due = request.due_resolution[:16].replace("T", " ")
    assert due in told["text"] and ("Resolution due" in told["text"] or "Решить" in told["text"])
    assert told["message"]["In-Reply-To"] == note["message_id"], "files under the assignment in the mailbox"

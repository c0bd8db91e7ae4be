"""A reply to the desk's mail finds its request by the signed ids the mail carried, with no thread
index item for the desk's own mail; a forged id attaches nothing."""
from __future__ import annotations

DESK = "desk@requestflow.example"
CUSTOMER = "p.devries@maasvlakte-logistics.nl"


def mail(message_id: str, subject: str, text: str, headers: str = "", sender: str = CUSTOMER) -> bytes:
    return (f"From: Pieter de Vries <{sender}>\r\nTo: {DESK}\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\n{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{text}\r\n").encode()


def first_request(desk):
    outcome = desk.receive(mail("<first@maasvlakte-logistics.nl>", "Pallets damaged",
                                "Three pallets arrived broken yesterday, please advise."))
    assert outcome.outcome == "created"
    [ack] = [m for m in desk.sent() if m["message_id"] == outcome.ack_message_id]
    return outcome, ack


def thread_index(desk) -> list[dict]:
    table = desk.service.table._table
    return [i for i in table.scan()["Items"] if i["PK"].startswith("MID#")]


def test_the_desk_writes_no_thread_index_item_for_its_own_mail(desk):
    outcome, ack = first_request(desk)
    indexed = {i["PK"] for i in thread_index(desk)}
    assert indexed == {"MID#<first@maasvlakte-logistics.nl>"}, "only the customer's own mail is indexed"
    assert desk.service.reply_addresses.request_of_message_id(ack["message_id"]) == outcome.request_id
    thread_id = ack["message"]["References"].split()[-1]
    assert desk.service.reply_addresses.request_of_message_id(thread_id) == outcome.request_id


def test_a_reply_quoting_only_the_desk_s_message_id_threads_into_its_request(desk):
    outcome, ack = first_request(desk)
    reply = desk.receive(mail("<second@maasvlakte-logistics.nl>", "Another question",
                              "Also: can you collect the broken ones?", f"In-Reply-To: {ack['message_id']}\r\n"))
    assert reply.outcome == "threaded" and reply.request_id == outcome.request_id


def test_a_reply_to_mail_whose_message_id_ses_replaced_threads_by_the_references_it_kept(desk):
    outcome, ack = first_request(desk)
    ses_id = "<0102018f-1234-5678-9abc-def012345678-000000@eu-west-1.amazonses.com>"
    references = " ".join([*ack["message"]["References"].split(), ses_id])
    reply = desk.receive(mail("<third@other-mailer.example>", "Something else", "When will you call?",
                              f"In-Reply-To: {ses_id}\r\nReferences: {references}\r\n"))
    assert reply.outcome == "threaded" and reply.request_id == outcome.request_id


def test_mail_quoting_an_old_unsigned_desk_id_still_threads_through_the_thread_index(desk):
    outcome, _ = first_request(desk)
    old_id = f"<ack.{outcome.request_id.lower()}.0123456789@requestflow.example>"
    desk.service.table.index_message_id(old_id, outcome.request_id, "out")
    reply = desk.receive(mail("<fourth@maasvlakte-logistics.nl>", "Old thread", "Any news?",
                              f"In-Reply-To: {old_id}\r\n"))
    assert reply.outcome == "threaded" and reply.request_id == outcome.request_id


def test_a_forged_desk_id_does_not_attach_mail_to_another_request(desk):
    victim, ack = first_request(desk)
    forged = ack["message_id"].replace(ack["message_id"].rsplit(".", 1)[1].split("@")[0], "0" * 12)
    other_sender = "mallory@elsewhere.example"
    outcome = desk.receive(mail("<forged@elsewhere.example>", "Hello", "Please add me to this request.",
                                f"In-Reply-To: {forged}\r\nReferences: {forged}\r\n", sender=other_sender))
    assert outcome.request_id != victim.request_id and outcome.outcome == "created"
    assert [m["author"] for m in desk.service.table.messages(victim.request_id) if m["direction"] == "in"] == [CUSTOMER]


def test_the_conversation_shows_the_text_of_sent_mail_kept_once_in_the_outbox(desk):
    outcome, ack = first_request(desk)
    [kept] = [m for m in desk.service.table.messages(outcome.request_id) if m["kind"] == "ack"]
    assert kept["text"].split() == ack["text"].split() and outcome.ticket in kept["text"]
    item = desk.service.table._table.get_item(Key={"PK": f"REQ#{outcome.request_id}", "SK": kept["SK"]})["Item"]
    assert "text" not in item and "text_z" not in item, "the sent text is not stored a second time"

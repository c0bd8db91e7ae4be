"""Ticket numbers, subject tags and signed reply addresses."""
from datetime import datetime, timezone

from chalicelib.core.requests.tickets import ReplyAddresses, tagged_subject, tags_in, ticket_number


def test_ticket_numbers_are_short_sortable_and_carry_year_and_month():
    moment = datetime(2026, 11, 2, tzinfo=timezone.utc)
    assert ticket_number("RF", moment, 42) == "RF-2611-0042"
    assert ticket_number("RF", moment, 12345) == "RF-2611-12345"


def test_subject_tags_are_found_in_any_reply_prefix_and_case():
    assert tags_in("Re:[#RF-2611-0042] Damaged") == ["RF-2611-0042"]
    assert tags_in("回复： [#rf-2611-0007] 食品包装") == ["RF-2611-0007"]
    assert tags_in("no tag here #RF-2611-0042") == []


def test_tagged_subject_drops_reply_prefixes_and_old_tags():
    assert tagged_subject("RF-2611-0042", "Re: Fwd: [#RF-2611-0042] Order") == "[#RF-2611-0042] Order"


def test_reply_address_round_trips_and_rejects_forgery():
    addresses = ReplyAddresses("desk@requestflow.example", b"k" * 32)
    address = addresses.for_request("RF-2611-0042")
    assert address.startswith("desk+r.rf-2611-0042.") and address.endswith("@requestflow.example")
    assert addresses.request_of(address) == "RF-2611-0042"
    assert addresses.request_of(address.upper()) == "RF-2611-0042"
    forged = address.replace("0042", "0043")
    assert addresses.request_of(forged) is None
    assert addresses.request_of("desk@requestflow.example") is None
    assert ReplyAddresses("desk@requestflow.example", b"x" * 32).request_of(address) is None


def test_an_internationalised_sender_domain_is_answered_in_punycode():
    from chalicelib.core.requests.intake import valid_address

    assert valid_address("Info@Упаковка-Плюс.рф") == "info@xn----7sbah3bbjtghxn7m.xn--p1ai"
    assert valid_address("иван@example.com") is None
    assert valid_address("a@b.com, c@d.com") is None


def test_a_signed_message_id_names_its_request_and_keeps_what_it_said():
    ids = ReplyAddresses("desk@requestflow.example", b"k" * 32)
    plain = "<task.rf-2611-0042.approve.1.olga.0123456789@requestflow.example>"
    signed = ids.message_id("RF-2611-0042", plain)
    assert signed.startswith("<task.rf-2611-0042.approve.1.olga.") and signed.endswith("@requestflow.example>")
    assert ids.request_of_message_id(signed) == "RF-2611-0042"
    assert ids.message_id("RF-2611-0042", signed) == signed, "signing twice changes nothing"
    assert ids.message_id("RF-2611-0042", plain) == signed, "the same mail always gets the same id"
    assert ids.request_of_message_id(ids.thread_root("RF-2611-0042")) == "RF-2611-0042"


def test_an_unsigned_forged_or_altered_message_id_names_no_request():
    ids = ReplyAddresses("desk@requestflow.example", b"k" * 32)
    signed = ids.message_id("RF-2611-0042", "<ack.rf-2611-0042.0123456789@requestflow.example>")
    assert ids.request_of_message_id(signed.replace("0042", "0043")) is None
    assert ids.request_of_message_id("<ack.rf-2611-0043.0123456789abc@requestflow.example>") is None
    assert ids.request_of_message_id("<ack.rf-2611-0042.0123456789@requestflow.example>") is None
    assert ReplyAddresses("desk@requestflow.example", b"x" * 32).request_of_message_id(signed) is None
    assert ids.request_of_message_id("<CAF1234@mail.gmail.com>") is None and ids.request_of_message_id("") is None

"""The status lifecycle and the commands on the first line of a staff reply."""
from __future__ import annotations

import pytest

from chalicelib.core.config import load_config
from chalicelib.core.requests.lifecycle import (after_customer_message, after_staff_answer, parse_staff_reply,
                                                staff_member_named)
from chalicelib.core.requests.tickets import ReplyAddresses
from chalicelib.settings import DEFAULT_CONFIG


@pytest.mark.parametrize("before, after", [("new", "new"), ("waiting_customer", "open"), ("open", "open"),
                                           ("resolved", "open"), ("closed", "closed")])
def test_a_customer_message_puts_an_answered_or_resolved_request_back_in_our_court(before, after):
    assert after_customer_message(before) == after


@pytest.mark.parametrize("before, resolve, after", [("new", False, "waiting_customer"), ("open", False, "waiting_customer"),
                                                    ("open", True, "resolved"), ("new", True, "resolved"),
                                                    ("closed", False, "closed")])
def test_a_staff_answer_waits_for_the_customer_or_resolves(before, resolve, after):
    assert after_staff_answer(before, resolve) == after


@pytest.mark.parametrize("text, command, argument, body", [
    ("#resolve\nShipped today.", "resolve", "", "Shipped today."),
    ("#RESOLVE Shipped today.", "resolve", "", "Shipped today."),
    ("\n\n#note\nHe is a reseller.", "note", "", "He is a reseller."),
    ("#assign ivan\nYou know him.", "assign", "ivan", "You know him."),
    ("#assign Li Wei", "assign", "Li Wei", ""),
    ("#solve\nDone", "unknown", "solve", "Done"),
    ("#1 priority for us: your order ships today.", None, "", "#1 priority for us: your order ships today."),
    ("Dear Pieter,\n#note is not a command here", None, "", "Dear Pieter,\n#note is not a command here"),
    ("#решено", "unknown", "решено", ""),
])
def test_a_command_is_a_word_after_hash_on_the_first_line(text, command, argument, body):
    reply = parse_staff_reply(text)
    assert (reply.command, reply.argument, reply.body) == (command, argument, body)


def test_a_person_to_assign_to_is_found_by_id_address_or_name():
    config = load_config(DEFAULT_CONFIG)
    assert staff_member_named(config, "ivan").id == "ivan"
    assert staff_member_named(config, "IVAN@requestflow.example").id == "ivan"
    assert staff_member_named(config, "Li Wei").id == "li"
    assert staff_member_named(config, "Gandalf") is None
    assert staff_member_named(config, "") is None


def test_staff_reply_addresses_name_the_request_and_the_person_and_cannot_be_forged():
    addresses = ReplyAddresses("desk@requestflow.example", b"secret")
    staff = addresses.for_staff("RF-2611-0042", "olga")
    assert staff.startswith("desk+s.rf-2611-0042.olga.") and staff.endswith("@requestflow.example")
    assert addresses.staff_of(staff) == ("RF-2611-0042", "olga")
    assert addresses.request_of(staff) == "RF-2611-0042"
    assert addresses.staff_of(staff.upper()) == ("RF-2611-0042", "olga"), "mail systems may fold the case"
    assert addresses.staff_of(staff.replace(".olga.", ".ivan.")) is None
    assert addresses.staff_of(addresses.for_request("RF-2611-0042")) is None
    assert ReplyAddresses("desk@requestflow.example", b"other").staff_of(staff) is None


def test_the_customer_reads_the_routes_progress_in_plain_words():
    from chalicelib.core.routes.model import RouteVersion, StageSpec
    from chalicelib.core.routes.progress import progress_words
    from chalicelib.core.routes.route_map import StageView

    route = RouteVersion("order", 1, {"en": "Order"}, (
        StageSpec("a", {"en": "Approve", "ru": "Согласование"}, "approve", ("assignee",)),
        StageSpec("b", {"en": "Check", "ru": "Проверка"}, "approve", ("assignee",)),
        StageSpec("c", {"en": "Start", "ru": "Начало"}, "execute", ("assignee",))))
    views = [StageView("a", "done"), StageView("b", "active", 2), StageView("c", "empty")]
    assert progress_words(route, views, "in_approval", "en") == "Approval: step 2 of 3, “Check” (round 2), is in progress."
    assert progress_words(route, views, "in_approval", "ru").startswith("Согласование: идёт этап 2 из 3 — «Проверка»")
    skipped = [StageView("a", "done"), StageView("b", "disabled"), StageView("c", "active")]
    assert "step 2 of 2" in progress_words(route, skipped, "approved", "en")
    assert progress_words(route, views, "not_approved", "en") == "The approval ended: not approved."

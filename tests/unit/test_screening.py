"""screen: robots, loops, lists and SES verdicts never become requests; customers always do."""
from __future__ import annotations

import pytest

from chalicelib.core.mime import parse_mime
from chalicelib.core.screening import Screening, screen
from tests.unit.corpus import DESK, entries, ids, raw

OWN = [DESK, "Noreply@RequestFlow.example"]
SCREENED = [e for e in entries() if e["expect"]["outcome"] in ("ignored", "quarantined")]
CUSTOMER = [
    e for e in entries()
    if e["expect"]["outcome"] in ("created", "threaded")
    or e["expect"].get("preferred_outcome") == "created"
    or (e["expect"]["outcome"] == "created_or_quarantined" and e["expect"].get("text_contains"))
]


def screened(data: bytes) -> Screening | None:
    return screen(parse_mime(data), OWN)


def mail(headers: str, body: str = "Hello") -> bytes:
    return (headers.strip("\n").replace("\n", "\r\n") + "\r\n\r\n" + body).encode()


@pytest.mark.parametrize("case", SCREENED, ids=ids(SCREENED))
def test_robot_and_hostile_mail_is_screened_with_the_expected_reason(case):
    expect = case["expect"]
    result = screened(raw(case))
    assert result is not None
    assert result.outcome == expect["outcome"]
    assert result.reason in [expect["reason"], *(expect.get("reason_also_ok") or [])]


@pytest.mark.parametrize("case", CUSTOMER, ids=ids(CUSTOMER))
def test_customer_mail_passes_screening(case):
    assert screened(raw(case)) is None


def test_auto_submitted_no_is_a_normal_message():
    assert screened(mail("From: a@b.c\nSubject: Order\nAuto-Submitted: no")) is None


def test_plus_addressed_own_address_is_a_loop():
    result = screened(mail("From: Desk <DESK+r.abc.sig@requestflow.example>\nSubject: [#RF-1] x"))
    assert result == Screening("ignored", "loop")


def test_own_address_in_sender_or_return_path_is_a_loop():
    assert screened(mail("From: a@b.c\nSender: noreply@requestflow.example\nSubject: x")).reason == "loop"
    assert screened(mail("Return-Path: <desk@requestflow.example>\nFrom: a@b.c\nSubject: x")).reason == "loop"


def test_vacation_reply_with_null_sender_is_an_auto_reply():
    result = screened(mail("Return-Path: <>\nFrom: bob@b.c\nSubject: Away\nAuto-Submitted: auto-replied"))
    assert result == Screening("ignored", "auto_reply")


@pytest.mark.parametrize(
    "headers",
    [
        "Return-Path: <>\nFrom: bob@b.c\nSubject: Mail delivery failed",
        "From: Mail Delivery Subsystem <MAILER-DAEMON@b.c>\nSubject: Returned mail",
        "From: postmaster@b.c\nSubject: Undeliverable: order",
        "From: a@b.c\nSubject: failure\nX-Failed-Recipients: old@b.c",
    ],
)
def test_bounces(headers):
    assert screened(mail(headers)) == Screening("ignored", "bounce")


@pytest.mark.parametrize(
    "subject",
    ["Auto: Away until Monday", "Autoreply: received", "Out of Office: back 9 Nov", "Автоматический ответ: отпуск",
     "自动回复：我已收到", "Automatic reply: [#RF-2611-0001] x"],
)
def test_auto_reply_subjects(subject):
    assert screened(mail(f"From: a@b.c\nSubject: {subject}")) == Screening("ignored", "auto_reply")


def test_subject_merely_mentioning_out_of_office_is_not_an_auto_reply():
    assert screened(mail("From: a@b.c\nSubject: Re: order while I am out of office")) is None


def test_list_unsubscribe_alone_is_not_a_list_but_with_list_post_it_is():
    assert screened(mail("From: a@b.c\nSubject: x\nList-Unsubscribe: <mailto:u@b.c>")) is None
    both = mail("From: a@b.c\nSubject: x\nList-Unsubscribe: <mailto:u@b.c>\nList-Post: <mailto:l@b.c>")
    assert screened(both) == Screening("ignored", "list")


def test_virus_verdict_wins_over_everything():
    data = mail("X-SES-Virus-Verdict: FAIL\nX-SES-Spam-Verdict: FAIL\nFrom: desk@requestflow.example\nSubject: x")
    assert screened(data) == Screening("quarantined", "virus")


def test_gray_verdicts_are_not_quarantined():
    assert screened(mail("X-SES-Spam-Verdict: GRAY\nX-SES-Virus-Verdict: GRAY\nFrom: a@b.c\nSubject: x")) is None

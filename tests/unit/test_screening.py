"""screen: robots, loops, lists and SES verdicts never become requests; customers always do."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.screening import Screening, screen
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


@pytest.mark.parametrize("value", ["no (manual)", "No (sent by a person)", "no; reason=manual", "  no  "])
def test_auto_submitted_no_with_a_comment_is_a_normal_message(value):
    # RFC 3834 allows comments after the keyword; only the keyword counts
    assert screened(mail(f"From: a@b.c\nSubject: Order\nAuto-Submitted: {value}")) is None


@pytest.mark.parametrize("value", ["auto-replied (vacation)", "auto-generated; owner-email=a@b.c", "auto-notified"])
def test_auto_submitted_keywords_with_comments_are_auto_replies(value):
    result = screened(mail(f"From: a@b.c\nSubject: Order\nAuto-Submitted: {value}"))
    assert result == Screening("ignored", "auto_reply")


@pytest.mark.parametrize(
    "headers",
    [
        # Outlook / Exchange out-of-office and inbox-rule replies carry no Auto-Submitted header
        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\nSubject: 您好",
        "X-MS-Exchange-Inbox-Rules-Loop: wang@hengda.example\nSubject: Re: order",
        "X-Auto-Response-Suppress: All\nSubject: I am on vacation until Monday",
        "X-Auto-Response-Suppress: All\nSubject: Я в отпуске до 10 ноября",
        "X-Auto-Response-Suppress: All\nSubject: 休假通知",
    ],
)
def test_exchange_generated_replies_are_auto_replies(headers):
    assert screened(mail(f"From: a@b.c\n{headers}")) == Screening("ignored", "auto_reply")


def test_auto_response_suppress_alone_is_not_an_auto_reply():
    # Outlook also sets it on ordinary mail (meeting requests, some add-ins): the subject must look automatic
    assert screened(mail("From: a@b.c\nX-Auto-Response-Suppress: All\nSubject: Order for 40 rolls")) is None


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
     "自动回复：我已收到", "Automatic reply: [#RF-2611-0001] x",
     "自动答复: [#RF-2611-0005] 请开具发票", "自動回覆：休假中", "Automatische Antwort: Bestellung",
     "Réponse automatique : commande", "Respuesta automática: pedido", "Abwesenheitsnotiz: Re: Folie",
     "Out of the office until 10 November", "Autosvar: order", "Автоответ: Re: заказ", "[Auto-Reply] Re: order"],
)
def test_auto_reply_subjects(subject):
    assert screened(mail(f"From: a@b.c\nSubject: {subject}")) == Screening("ignored", "auto_reply")


def test_subject_merely_mentioning_out_of_office_is_not_an_auto_reply():
    assert screened(mail("From: a@b.c\nSubject: Re: order while I am out of office")) is None


def test_list_unsubscribe_without_list_id_is_bulk_but_with_list_post_it_is_a_list():
    # newsletters and marketing platforms send List-Unsubscribe (often with List-Unsubscribe-Post) and
    # no List-Id; a person writing to a desk never does
    assert screened(mail("From: a@b.c\nSubject: x\nList-Unsubscribe: <mailto:u@b.c>")) == Screening("ignored", "bulk")
    one_click = mail(
        "From: news@shop.example\nSubject: Новинки ноября\n"
        "List-Unsubscribe: <https://shop.example/u?x=1>, <mailto:u@shop.example>\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    )
    assert screened(one_click) == Screening("ignored", "bulk")
    both = mail("From: a@b.c\nSubject: x\nList-Unsubscribe: <mailto:u@b.c>\nList-Post: <mailto:l@b.c>")
    assert screened(both) == Screening("ignored", "list")
    with_id = mail("From: a@b.c\nSubject: x\nList-Unsubscribe: <mailto:u@b.c>\nList-Id: <buyers.b.c>")
    assert screened(with_id) == Screening("ignored", "list")


def test_virus_verdict_wins_over_everything():
    data = mail("X-SES-Virus-Verdict: FAIL\nX-SES-Spam-Verdict: FAIL\nFrom: desk@requestflow.example\nSubject: x")
    assert screened(data) == Screening("quarantined", "virus")


def test_gray_verdicts_are_not_quarantined():
    assert screened(mail("X-SES-Spam-Verdict: GRAY\nX-SES-Virus-Verdict: GRAY\nFrom: a@b.c\nSubject: x")) is None

"""new_text: only what the author wrote now, without quoted history or signature."""
from __future__ import annotations

import pytest

from chalicelib.core.mime import parse_mime
from chalicelib.core.quotes import new_text
from tests.unit.corpus import collapse, entries, ids, raw

REPLIES = [e for e in entries("reply") if e["expect"].get("new_text") is not None]
WITH_TEXT = [e for e in entries() if e["expect"].get("text_contains")]
WITH_EXCLUSIONS = [e for e in entries() if e["expect"].get("text_not_contains")]


def body_of(case) -> str:
    return new_text(parse_mime(raw(case)).text)


@pytest.mark.parametrize("case", REPLIES, ids=ids(REPLIES))
def test_reply_keeps_exactly_the_new_text(case):
    assert collapse(body_of(case)) == collapse(case["expect"]["new_text"])


@pytest.mark.parametrize("case", WITH_TEXT, ids=ids(WITH_TEXT))
def test_what_the_customer_wrote_survives(case):
    text = body_of(case)
    for fragment in case["expect"]["text_contains"]:
        assert fragment in text


@pytest.mark.parametrize("case", WITH_EXCLUSIONS, ids=ids(WITH_EXCLUSIONS))
def test_quotes_and_signatures_are_gone(case):
    text = body_of(case)
    for fragment in case["expect"]["text_not_contains"]:
        assert fragment not in text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Please confirm the date.\n\nOn Tue, 3 Nov 2026 at 10:00, Desk <\n"
            "desk@requestflow.example> wrote:\n> old\n",
            "Please confirm the date.",
        ),
        (
            "Да, подтверждаем.\n\nпт, 6 нояб. 2026 г. в 9:15, Служба <desk@x.ru>:\n\n> Подтвердите заказ\n",
            "Да, подтверждаем.",
        ),
        (
            "Received, thanks.\n\nFrom: Desk <desk@x.example>\nSent: Monday, 2 November 2026 10:00\n"
            "To: Bob <bob@y.example>\nSubject: RE: order\n\nold text",
            "Received, thanks.",
        ),
        (
            "Danke.\n\nVon: Desk <desk@x.example>\nGesendet: Montag, 2. November 2026 10:00\n"
            "An: Bob\nBetreff: x\n\nalt",
            "Danke.",
        ),
        ("好的，明天发货。\n\n------------------ 原始邮件 ------------------\n发件人: desk\n", "好的，明天发货。"),
        ("Ok\n\nSent from my Galaxy\n", "Ok"),
        (
            "Noted.\n\nOn Monday, November 2, 2026, 09:09:00 AM GMT+1, Desk <d@x.example> wrote:\n\n\nDear customer",
            "Noted.",
        ),
        ("收到。\n\n发自网易邮箱大师\n", "收到。"),
        ("\ufeffПринято.\n\nОтправлено из мобильной Почты Mail.ru\n", "Принято."),
        ("Need 5 rolls.\n\nBest regards, Anna Schulz\nLager Nord GmbH\n+49 40 555 01\n", "Need 5 rolls."),
        ("Нужно 5 рулонов.\n\nС уважением, Иван\n", "Нужно 5 рулонов."),
    ],
)
def test_common_reply_styles(body, expected):
    assert new_text(body) == expected


def test_inline_answers_between_quotes_are_kept():
    body = "> Which width?\n500 mm.\n\n> How many rolls?\n40 rolls a month.\n\n-- \nBob"
    assert new_text(body) == "500 mm.\n\n40 rolls a month."


def test_koi8r_reply_with_quote_and_signature_after_it():
    text = (
        "Получили, спасибо.\n\nВы писали 5 ноября 2026 г., 10:00:\n\n> Отгрузили вам 20 рулонов.\n\n"
        "-- \nС уважением,\n Пётр Семёнов\n"
    )
    mail = (
        b"From: p@example.ru\r\nSubject: Re: x\r\nContent-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("koi8-r")
    )
    assert new_text(parse_mime(mail).text) == "Получили, спасибо."


def test_inline_forward_is_not_cut_as_history():
    body = (
        "See the complaint below.\n\n---------- Forwarded message ---------\nFrom: Shop <shop@example.com>\n"
        "Date: Mon, 2 Nov 2026 at 10:00\nSubject: Damaged rolls\nTo: me@example.com\n\nTwelve rolls arrived torn."
    )
    assert "Twelve rolls arrived torn." in new_text(body)


@pytest.mark.parametrize(
    "body",
    [
        "Hi,\nThank you!\nPlease send the price list for next month and the delivery terms for Leeds.",
        "Добрый день.\nОтправлено с опозданием на три дня, прошу разобраться.",
        "Hello,\nKind regards from the whole team, and could you quote 40 rolls?",
        "Спасибо,\nно можно ли отгрузить раньше, в четверг?",
        "Order: 20 rolls\n\nFrom: our warehouse in Leeds\nTo: your site\nfor delivery next week.",
        "Маршрут:\nОт: Москва\nДата: 05.11\nКому: ООО Ромашка\nВес: 2 т",
        'On the delivery note the driver wrote:\n"12 rolls damaged"',
        "Sent via DHL yesterday, tracking 1234567890.\nPlease confirm receipt.",
        "来自上海的订单：500卷\n请确认。",
        "Need 5 rolls.\n\nThanks,\nJohn\n\nP.S. Add 2 boxes of tape",
    ],
)
def test_real_content_is_not_mistaken_for_a_signature(body):
    assert collapse(new_text(body)) == collapse(body)


@pytest.mark.parametrize("body", ["-- \nBob Smith", "Sent from my iPhone\n\n> old", "> quoted only\n> more", ""])
def test_nothing_new_gives_empty_text(body):
    assert new_text(body) == ""


def html_mail(html: str) -> bytes:
    return (
        "From: a@b.c\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + html
    ).encode()


@pytest.mark.parametrize(
    "html",
    [
        '<div dir="ltr">Yes, ship on Friday.<div><br></div><div>Best regards,<br>Ann</div></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, 2 Nov 2026 at 09:09, Desk &lt;d@x.example&gt;'
        ' wrote:<br></div><blockquote class="gmail_quote"><div>Dear customer,</div></blockquote></div>',
        '<div>Yes, ship on Friday.</div><hr><div id="divRplyFwdMsg"><b>From:</b> Desk &lt;d@x&gt;<br>'
        "<b>Sent:</b> Tuesday, 3 November 2026<br><b>To:</b> Ann<br><b>Subject:</b> x</div><div>old</div>",
        "<p>Yes, ship on Friday.</p><p>&nbsp;</p><p>-- </p><p>Ann</p>"
        "<blockquote><p>Dear customer,</p></blockquote>",
    ],
)
def test_html_only_replies(html):
    assert new_text(parse_mime(html_mail(html)).text) == "Yes, ship on Friday."

"""Whole messages of the kinds QA found broken, end to end through the pure mail core:
parse_mime → screen → new_text → detect_language. The texts differ from the QA set on purpose."""
from __future__ import annotations

import base64
import quopri

import pytest

from chalicelib.core.mail.language import detect_language
from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import is_forward_subject, new_text
from chalicelib.core.mail.screening import Screening, screen

OWN = ["desk@requestflow.example"]


def ew(text: str, charset: str, codec: str | None = None) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode()}?="


def build(headers: list[str], body: bytes) -> bytes:
    return "\r\n".join(["Return-Path: <c@customer.example>", "From: c@customer.example",
                        "To: desk@requestflow.example", *headers]).encode() + b"\r\n\r\n" + body


def analysed(raw: bytes) -> tuple[object, Screening | None, str, str]:
    mail = parse_mime(raw)
    forwarded = is_forward_subject(mail.subject) and not mail.in_reply_to and not mail.references
    text = new_text(mail.text, forwarded=forwarded)
    return mail, screen(mail, OWN), text, detect_language(mail.subject, text or mail.text)


@pytest.mark.parametrize(("charset", "codec"), [("windows-1251", "cp1251"), ("koi8-r", "koi8-r")])
def test_outlook_message_with_subject_and_file_name_in_capitals(charset, codec):
    subject = "ЖАЛОБА! ПЛЁНКА РВЁТСЯ ПРИ НАМОТКЕ, ПАРТИЯ 8812"
    name = "ФОТО БРАКА И АКТ ПРИЁМКИ 3.pdf"
    text = "Добрый день!\r\nВ партии 8812 плёнка рвётся при намотке, 9 рулонов из 30.\r\nПросим заменить.\r\n"
    body = (
        b"--XX\r\nContent-Type: text/plain; charset=\"" + charset.encode() + b"\"\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quopri.encodestring(text.encode(codec))
        + b"\r\n--XX\r\nContent-Type: application/pdf; name=\"" + ew(name, charset, codec).encode() + b"\"\r\n"
        b"Content-Disposition: attachment; filename=\"" + ew(name, charset, codec).encode() + b"\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n"
    )
    raw = build([f"Subject: {ew(subject, charset, codec)}", "MIME-Version: 1.0",
                 'Content-Type: multipart/mixed; boundary="XX"'], body)
    mail, screening, new, language = analysed(raw)
    assert screening is None and language == "ru"
    assert mail.subject == subject
    assert "плёнка рвётся при намотке, 9 рулонов из 30" in new
    assert [a.filename for a in mail.attachments] == [name]


def test_body_declared_utf8_but_written_in_koi8r():
    text = "Здравствуйте!\nПрошу выставить счёт на 45 рулонов плёнки, самовывоз со склада в Твери."
    raw = build(["Subject: =?utf-8?B?" + base64.b64encode("Счёт на плёнку".encode()).decode() + "?=",
                 "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: 8bit"], text.encode("koi8-r"))
    mail, screening, new, language = analysed(raw)
    assert new == text and language == "ru"
    assert "declared utf-8, detected koi8-r" in mail.defects


@pytest.mark.parametrize(
    ("subject", "codec"),
    [("报价：热收缩膜 19微米", "gbk"), ("詢價：纏繞膜 500mm", "big5"), ("ЗАЯВКА НА ЯНВАРЬ - СРОЧНО", "cp1251")],
)
def test_raw_8bit_subject_and_body_without_mime_headers(subject, codec):
    text = {"gbk": "你好，请报一下19微米热收缩膜的价格，每月需要200卷。",
            "big5": "您好，請報價500mm纏繞膜，每月需要300卷，謝謝。",
            "cp1251": "Добрый день! Просим срочно прислать заявку на январь, 15 рулонов."}[codec]
    raw = b"From: c@customer.example\r\nSubject: " + subject.encode(codec) + b"\r\n\r\n" + text.encode(codec)
    mail, screening, new, language = analysed(raw)
    assert mail.subject == subject and new == text
    assert language == ("ru" if codec == "cp1251" else "zh")


@pytest.mark.parametrize(
    "headers",
    [
        ["Subject: " + ew("自动答复: [#RF-2611-0042] 请报价", "utf-8"), "X-Auto-Response-Suppress: All",
         "X-MS-Exchange-Inbox-Rules-Loop: c@customer.example",
         "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent"],
        ["Subject: Automatische Antwort: [#RF-2611-0042] Angebot", "X-Auto-Response-Suppress: All"],
        ["Subject: " + ew("Автоматический ответ: Re: заказ", "utf-8"),
         "X-MS-Exchange-Inbox-Rules-Loop: c@customer.example"],
        ["Subject: I'm away", "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent"],
    ],
)
def test_exchange_out_of_office_replies_never_become_requests(headers):
    raw = build([*headers, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"],
                "您好，我目前休假，11月20日返回。".encode())
    assert analysed(raw)[1] == Screening("ignored", "auto_reply")


def test_newsletter_with_list_unsubscribe_only_is_bulk_and_a_manual_auto_submitted_is_not():
    news = build(["Subject: Скидки недели", "List-Unsubscribe: <https://shop.example/u/1>",
                  "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Content-Type: text/html; charset=utf-8"],
                 "<p>Скидка 20% на плёнку</p>".encode())
    assert analysed(news)[1] == Screening("ignored", "bulk")
    manual = build(["Subject: Order", "Auto-Submitted: no (manual)"], b"Please quote 20 rolls.")
    assert analysed(manual)[1] is None


def test_complaint_citing_what_the_manager_wrote_keeps_the_complaint():
    text = (
        "Здравствуйте.\n\n28 октября 2026 г. в 11:05 ваш логист Пётр написал:\n«Отгрузим в пятницу, 30 октября».\n"
        "Сегодня 4 ноября, отгрузки не было. Линия стоит второй день.\nПросим сегодня же сообщить точную дату."
    )
    raw = build(["Subject: " + ew("Претензия: срыв отгрузки", "utf-8"), "Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: 8bit"], text.encode())
    new = analysed(raw)[2]
    assert "Линия стоит второй день." in new and "Просим сегодня же сообщить точную дату." in new


def test_reply_with_wrapped_gmail_attribution_and_outlook_mobile_tag():
    text = (
        "Добрый день!\nПлёнку получили, всё в порядке.\n\nПолучить Outlook для Android\n\n"
        "ср, 4 нояб. 2026 г. в 09:40, Requestflow Desk <\ndesk+r.rf-2611-0042.abc@requestflow.example>:\n\n"
        "> Уважаемый клиент,\n> ваша заявка зарегистрирована.\n"
    )
    raw = build(["Subject: Re: [#RF-2611-0042] Заявка", "In-Reply-To: <ack.1@requestflow.example>",
                 "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"], text.encode())
    assert analysed(raw)[2] == "Добрый день!\nПлёнку получили, всё в порядке."


def test_author_forwarded_outlook_message_keeps_the_forwarded_report():
    text = (
        "Hello,\n\nForwarding our QA report, please arrange credit for the damaged rolls.\n\nBest regards,\nTom\n\n"
        "-----Original Message-----\nFrom: QA Lab <qa@customer.example>\nSent: 04 November 2026 07:30\n"
        "To: Tom <c@customer.example>\nSubject: Batch 5520 test results\n\n"
        "Batch 5520 failed the puncture test: 14 of 40 rolls below spec.\n"
    )
    raw = build(["Subject: FW: Batch 5520 test results", "Content-Type: text/plain; charset=utf-8"], text.encode())
    mail, screening, new, language = analysed(raw)
    assert screening is None and language == "en"
    assert "please arrange credit" in new and "14 of 40 rolls below spec" in new


def test_short_russian_request_with_english_disclaimer_is_answered_in_russian():
    text = (
        "Добрый день!\nПришлите, пожалуйста, сертификат на плёнку.\n\nС уважением,\nАнна\n\n"
        "DISCLAIMER: This message and any attachments may contain confidential or privileged information and are "
        "intended only for the addressee. If you are not the intended recipient, please delete it; any use, "
        "copying or disclosure is strictly prohibited."
    )
    raw = build(["Subject: =?utf-8?B?" + base64.b64encode("Сертификат".encode()).decode() + "?=",
                 "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"], text.encode())
    mail, screening, new, language = analysed(raw)
    assert new == "Добрый день!\nПришлите, пожалуйста, сертификат на плёнку." and language == "ru"

"""Kinds of mail that public help desks' and mail libraries' test suites hold and the intake got wrong,
through the pure mail core (parse_mime → screen → new_text → detect_language). The messages are our own."""
from __future__ import annotations

import base64
import quopri

import pytest

from chalicelib.core.mail.language import detect_language
from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import is_forward_subject, new_text
from chalicelib.core.mail.screening import Screening, screen

OWN = ["desk@requestflow.example"]


def analysed(raw: bytes) -> tuple[object, Screening | None, str, str]:
    mail = parse_mime(raw)
    forwarded = is_forward_subject(mail.subject) and not mail.in_reply_to and not mail.references
    text = new_text(mail.text, forwarded=forwarded)
    return mail, screen(mail, OWN), text, detect_language(mail.subject, text or mail.text)


def message(headers: list[str], body: bytes) -> bytes:
    return "\r\n".join(["To: desk@requestflow.example", "Date: Tue, 3 Nov 2026 10:15:00 +0000", *headers]).encode() \
        + b"\r\n\r\n" + body


def ew(text: str, charset: str, codec: str | None = None) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode()}?="


# --- bounces whose sender is no usable address ------------------------------------------------------------
@pytest.mark.parametrize("headers", [
    ["From: MAILER-DAEMON <>", "Subject: Mail delivery failed"],
    ["From: Mail Delivery Subsystem <MAILER-DAEMON>", "Subject: Returned mail: see transcript for details"],
    ["From: <>", "Subject: Delivery Status"],
    ["From: mailer-daemon", "Subject: Недоставленное сообщение"],
    ["Return-Path: <MAILER-DAEMON@mx1.isp.example>", "From: Mail Delivery System <Mail.Delivery.System@mx1.isp.example>",
     "Subject: Delivery status notification"],
    ["From: post_master@sms.carrier.example", "Subject: Re: Заказ 8812"],
    ["Return-Path: <postmaster@mail.163.example>", "From: 系统退信 <system@mail.163.example>", "Subject: 系统退信"],
])
def test_bounces_without_a_usable_sender_are_not_requests(headers):
    body = ("This message was created automatically by mail delivery software.\r\n\r\n"
            "A message that you sent could not be delivered to one or more of its recipients.\r\n"
            "  nobody@customer.example\r\n    host not found\r\n").encode()
    _, screening, _, _ = analysed(message(headers, body))
    assert screening == Screening("ignored", "bounce")


@pytest.mark.parametrize("headers", [
    ["From: Mailer Daemon Fan Club <club@customer.example>", "Subject: Our newsletter bounced, please check"],
    ["From: Анна Постмастер <anna@customer.example>", "Subject: Fwd: Returned mail: see transcript for details"],
])
def test_a_person_forwarding_or_naming_a_bounce_still_writes_a_request(headers):
    body = "Hello, our mail to you came back, see below. Can you check your mail server?\r\n".encode()
    _, screening, text, _ = analysed(message(headers, body))
    assert screening is None
    assert "Can you check your mail server?" in text


# --- feedback reports: abuse complaints, DMARC forensic reports ---------------------------------------------
@pytest.mark.parametrize(("report_type", "subject", "part"), [
    ("feedback-report", "Abuse Report", "message/feedback-report"),
    ("feedback-report", "Fw: Заказ 8812", "message/feedback-report"),
    ("feedback-report", "DMARC Forensic report for requestflow.example", "message/feedback-report"),
    ("disposition-notification", "Read: 订单 8812", "message/disposition-notification"),
])
def test_machine_reports_are_not_requests(report_type, subject, part):
    body = (
        "--RB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThis is an email abuse report for an email message "
        "received from IP 192.0.2.1.\r\n\r\n--RB\r\nContent-Type: " + part + "\r\n\r\nFeedback-Type: abuse\r\n"
        "Version: 1\r\nUser-Agent: SomeGenerator/1.0\r\n\r\n--RB\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: desk@requestflow.example\r\nSubject: Re: order\r\n\r\nYour order has shipped.\r\n--RB--\r\n"
    ).encode()
    raw = message(["From: feedbackloop@isp.example", f"Subject: {subject}", "MIME-Version: 1.0",
                   f'Content-Type: multipart/report; report-type={report_type}; boundary="RB"'], body)
    _, screening, _, _ = analysed(raw)
    assert screening == Screening("ignored", "auto_reply")


# --- a boundary folded inside its quotes (Outlook 2000, Outlook Express) ------------------------------------
@pytest.mark.parametrize(("charset", "codec", "text", "name", "language"), [
    ("iso-8859-1", "latin-1", "The pallets arrived damaged, three of twelve boxes are crushed.", "damage.png", "en"),
    ("windows-1251", "cp1251", "Паллеты пришли повреждёнными, три коробки из двенадцати смяты.", "фото брака.png", "ru"),
    ("gb2312", "gbk", "托盘到货时已损坏，十二箱中有三箱被压坏。", "破损照片.png", "zh"),
])
def test_outlook_boundary_folded_inside_quotes_keeps_text_and_files(charset, codec, text, name, language):
    boundary = "----=_NextPart_000_0002_01BFC036.AE309650"
    body = (
        f"This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n"
        f'Content-Type: text/plain;\r\n\tcharset="{charset}"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    ).encode() + quopri.encodestring(text.encode(codec)) + (
        f"\r\n\r\n--{boundary}\r\nContent-Type: image/png;\r\n\tname=\"{ew(name, charset, codec)}\"\r\n"
        f"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n\tfilename=\"{ew(name, charset, codec)}\"\r\n"
        f"\r\niVBORw0KGgo=\r\n\r\n--{boundary}--\r\n"
    ).encode()
    folded = boundary.replace("_000_", "\r\n\t_000_")
    raw = message(["From: c@customer.example", "Subject: pallets", "MIME-Version: 1.0",
                   f'Content-Type: multipart/mixed;\r\n\tboundary="{folded}"'], body)
    assert b'NextPart\r\n\t_000_' in raw
    mail, screening, new, detected = analysed(raw)
    assert screening is None and new == text and detected == language
    assert [a.filename for a in mail.attachments] == [name]


def test_boundary_folded_with_the_space_kept_in_the_delimiter():
    body = (b"--==_Part A1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease send the invoice again.\r\n"
            b"--==_Part A1\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--==_Part A1--\r\n")
    raw = message(["From: c@customer.example", "Subject: invoice", "MIME-Version: 1.0",
                   'Content-Type: multipart/mixed;\r\n boundary="==_Part\r\n A1"'], body)
    mail, _, new, _ = analysed(raw)
    assert new == "Please send the invoice again."
    assert [a.filename for a in mail.attachments] == ["invoice.pdf"]


# --- the only text is a named part shown inline (Netscape, Apple Mail, web forms) ---------------------------
@pytest.mark.parametrize(("charset", "codec", "text", "name", "language"), [
    ("iso-8859-1", "latin-1", "Die Lieferung vom Montag fehlt noch. Bitte prüfen Sie den Versand.", "Lieferung.txt", "en"),
    ("utf-8", "utf-8", "Доставка за понедельник так и не пришла, проверьте, пожалуйста, отгрузку.", "доставка.txt", "ru"),
    ("gb2312", "gbk", "星期一的货还没有到，请帮忙查一下发货情况。", "发货.txt", "zh"),
])
def test_inline_named_text_part_is_the_body_and_stays_attached(charset, codec, text, name, language):
    body = (
        "--B1\r\nContent-Type: text/plain; charset=" + charset + ";\r\n name=\"" + ew(name, charset, codec) + "\"\r\n"
        "Content-Transfer-Encoding: base64\r\nContent-Disposition: inline;\r\n filename=\"" + ew(name, charset, codec)
        + "\"\r\n\r\n" + base64.b64encode(text.encode(codec)).decode() + "\r\n--B1--\r\n"
    ).encode()
    raw = message(["From: c@customer.example", "Subject: delivery", "MIME-Version: 1.0",
                   'Content-Type: multipart/mixed; boundary="B1"'], body)
    mail, screening, new, detected = analysed(raw)
    assert screening is None and new == text
    assert language == "en" or detected == language
    assert [a.filename for a in mail.attachments] == [name]


def test_inline_text_file_next_to_a_written_body_is_only_a_file():
    body = (b"--B1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe log is attached.\r\n"
            b"--B1\r\nContent-Type: text/plain; charset=utf-8; name=\"app.log\"\r\n"
            b"Content-Disposition: inline; filename=\"app.log\"\r\n\r\nERROR 42 at startup\r\n--B1--\r\n")
    raw = message(["From: c@customer.example", "Subject: log", "MIME-Version: 1.0",
                   'Content-Type: multipart/mixed; boundary="B1"'], body)
    mail, _, new, _ = analysed(raw)
    assert new == "The log is attached."
    assert [a.filename for a in mail.attachments] == ["app.log"]


# --- Gmail's attribution without a verb (Chinese, Japanese, Korean settings) --------------------------------
@pytest.mark.parametrize(("reply", "attribution", "quoted"), [
    ("好的，明天发货。", "2026/11/3 客服部 <desk@requestflow.example>", "> 请确认订单 8812 的收货地址。"),
    ("承知しました。金曜日に発送してください。", "2026/11/03 Desk <desk@requestflow.example>", "> ご注文の確認をお願いします。"),
    ("Ok, Friday works for us.", "2026-11-03 10:15 GMT+08:00 Wang Wei <wang@customer.example>", "> Can we ship on Friday?"),
])
def test_gmail_date_and_address_attribution_ends_the_reply(reply, attribution, quoted):
    body = f"{reply}\r\n\r\n{attribution}\r\n\r\n{quoted}\r\n> \r\n> Desk\r\n".encode()
    raw = message(["From: c@customer.example", "Subject: Re: order 8812", "In-Reply-To: <a1@requestflow.example>",
                   "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"], body)
    _, _, new, _ = analysed(raw)
    assert new == reply


def test_a_dated_line_naming_an_address_inside_prose_is_kept():
    text = "Order 2026/11/3 placed by Desk <desk@requestflow.example>\n\nplease ship it to the second warehouse."
    assert new_text(text) == text


# --- a quoted link the sender's client wrapped onto a line without '>' --------------------------------------
@pytest.mark.parametrize(("reply", "history"), [
    ("Blah, the fix works.", "On Monday, 24 September, 2026 at 3:46 PM, Desk wrote:\n\n> [Request 50] printer\n>\n"
                             "> View request (https://desk.requestflow.example/requests/50?action\n_nonce=3dd518)\n>\n"),
    ("Спасибо, всё получили.", "3 нояб. 2026 г., в 10:15, Desk <desk@requestflow.example> написал(а):\n\n>\n"
                               "> Ответьте на это письмо\n>\n (https://desk.requestflow.example/c/YzOTYzMmE) >\n"
                               "> Служба поддержки (https://desk.requestflow.example/c/YzMmE)\n>\n"),
    ("收到，谢谢。", "在 2026年11月3日 10:15，Desk <desk@requestflow.example> 写道：\n\n> 查看请求 "
                  "<https://desk.requestflow.example/requests/50\n/history>\n> 客服部\n"),
])
def test_wrapped_link_pieces_inside_the_quote_are_not_reply_text(reply, history):
    assert new_text(f"{reply}\n\n{history}") == reply


def test_a_link_written_as_an_inline_answer_is_kept():
    text = "> Can you ship on Friday?\nYes, Friday is fine.\n> Where is the invoice?\nhttps://portal.customer.example/i/8812\n> Thanks"
    kept = new_text(text)
    assert "Yes, Friday is fine." in kept and "https://portal.customer.example/i/8812" in kept


# --- UTF-8 encoded twice by a web form or a PHP mailer ------------------------------------------------------
@pytest.mark.parametrize(("text", "broken_by"), [
    ("Добрый день! Прошу выставить счёт на 45 рулонов плёнки.", "cp1252"),
    ("Здравствуйте, заказ №8812 не пришёл, жду ответа.", "latin-1"),
    ("你好，请报一下19微米热收缩膜的价格，每月需要200卷。", "latin-1"),
    ("Bonjour, la livraison prévue à Noël est arrivée abîmée.", "cp1252"),
])
def test_utf8_encoded_twice_is_read_as_written(text, broken_by):
    twice = text.encode("utf-8").decode(broken_by, "requestflow-c1" if broken_by == "cp1252" else "strict").encode("utf-8")
    name = "счёт.pdf".encode("utf-8").decode("latin-1").encode("utf-8")
    raw = message(
        ["From: =?utf-8?B?" + base64.b64encode("Ирина Ким".encode().decode("latin-1").encode()).decode() + "?= <c@customer.example>",
         "Subject: =?utf-8?B?" + base64.b64encode(twice).decode() + "?=",
         "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="B1"'],
        b"--B1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + twice
        + b"\r\n--B1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''"
        + "".join(f"%{b:02X}" for b in name).encode() + b"\r\n\r\nJVBERi0xLjQK\r\n--B1--\r\n",
    )
    mail, screening, new, language = analysed(raw)
    assert screening is None and new == text
    assert mail.from_name == "Ирина Ким"
    assert mail.subject == text
    assert [a.filename for a in mail.attachments] == ["счёт.pdf"]
    assert language == {"Д": "ru", "З": "ru", "你": "zh"}.get(text[0], language)


@pytest.mark.parametrize("text", [
    "Grüße aus Köln, à bientôt.",
    "Þórður Ð° Ásgeirsson skrifar: verð 5.000 kr.",
    "Цена: 500 ₽ — «скидка» Ã",
])
def test_text_that_only_looks_twice_encoded_is_left_alone(text):
    raw = message(["From: c@customer.example", "Subject: x", "Content-Type: text/plain; charset=utf-8",
                   "Content-Transfer-Encoding: 8bit"], text.encode())
    assert parse_mime(raw).text == text


# --- a name signed with a dash, and a list server's footer ---------------------------------------------------
@pytest.mark.parametrize(("text", "signature"), [
    ("What is the best way to reset the counter after a test run?", "-Abhishek Kona"),
    ("Счёт получили, оплатим в пятницу.", "— Иван Петров"),
    ("Die Ware ist angekommen, danke.", "--Jürgen"),
    ("Ok, we will wait for the new batch.", "~ Sam"),
])
def test_a_name_signed_with_a_dash_is_not_text(text, signature):
    assert new_text(f"{text}\n\n{signature}") == text


@pytest.mark.parametrize("text", [
    "We need the following.\n\n- Bread",
    "Items still missing:\n\n-Valve",
    "The part number is correct.\n\n-12 V, not 24 V",
])
def test_a_list_item_at_the_end_is_kept(text):
    assert new_text(text) == text


@pytest.mark.parametrize(("text", "footer"), [
    ("Hi folks\n\nHow do I clear a bucket after a test?",
     "_______________________________________________\nriak-users mailing list\nriak-users@lists.example.org\n"
     "http://lists.example.org/mailman/listinfo/riak-users"),
    ("Коллеги, когда будет новая прошивка?",
     "________________________________________\nСписок рассылки\nhttps://lists.example.ru/listinfo/fw"),
    ("Can the desk export requests as CSV?",
     "========================================\nYou received this message because you are subscribed to the Google Groups "
     "\"desk-users\" group.\nTo unsubscribe from this group, send an email to desk-users+unsubscribe@example.org."),
])
def test_a_list_footer_is_not_text(text, footer):
    assert new_text(f"{text}\n\n{footer}") == text


def test_a_rule_above_the_authors_own_words_is_kept():
    text = "Order summary\n________________________________\nFilm 19 mic, 45 rolls\nDelivery to Tver"
    assert new_text(text) == text


@pytest.mark.parametrize(("text", "codec", "language"), [
    ("Добрый день! Прошу выставить счёт на 45 рулонов плёнки.", "cp1251", "ru"),
    ("Здравствуйте, заказ 8812 не пришёл, жду ответа до пятницы.", "koi8-r", "ru"),
    ("你好，请报一下19微米热收缩膜的价格，每月需要200卷。", "gbk", "zh"),
    ("您好，請報價500mm纏繞膜，每月需要300卷，謝謝。", "big5", "zh"),
])
def test_legacy_charset_turned_into_latin_letters_and_sent_as_utf8_is_read_as_written(text, codec, language):
    mangled = text.encode(codec).decode("cp1252", "requestflow-c1").encode("utf-8")
    raw = message(["From: c@customer.example", b"Subject: ".decode() + mangled.decode(), "MIME-Version: 1.0",
                   "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"], mangled)
    mail, screening, new, detected = analysed(raw)
    assert screening is None and new == text and mail.subject == text and detected == language


# --- autoresponders that mark themselves only with their own headers ----------------------------------------
@pytest.mark.parametrize(("headers", "subject"), [
    (["X-Loop: yes"], "Ваше письмо получено"),
    (["X-Autoreply-From: sales@customer.example", "X-Mail-Autoreply: yes"], "Re: Заказ 8812"),
    (["X-POST-MessageClass: 9; Autoresponder"], "Vielen Dank für Ihre Nachricht"),
    (["Delivered-To: Autoresponder"], "我们已收到您的邮件"),
    (["X-Auto-Reply: yes"], "Thank you for your message"),
])
def test_autoresponder_headers_are_not_requests(headers, subject):
    raw = message(["From: sales@customer.example", f"Subject: {subject}", *headers,
                   "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
                  "Спасибо, мы ответим в течение дня. Thank you, we will answer within a day.".encode())
    _, screening, _, _ = analysed(raw)
    assert screening == Screening("ignored", "auto_reply")


def test_mail_that_went_round_through_the_desk_is_a_loop():
    raw = message(["From: forwarder@customer.example", "Subject: Re: request 50", "X-Loop: desk@requestflow.example"],
                  b"Auto-forwarded.")
    _, screening, _, _ = analysed(raw)
    assert screening == Screening("ignored", "loop")


@pytest.mark.parametrize("headers", [["X-Loop: no"], ["X-Auto-Reply: no"], ["Delivered-To: c@customer.example"],
                                     ["X-Loop: helpdesk@customer.example"]])
def test_a_person_with_such_headers_set_to_no_still_writes_a_request(headers):
    raw = message(["From: c@customer.example", "Subject: Where is my order?", *headers], b"Where is order 8812?")
    _, screening, text, _ = analysed(raw)
    assert screening is None and text == "Where is order 8812?"

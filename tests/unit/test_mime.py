"""parse_mime: what staff would see of each inbound message (text, subject, sender, files)."""
from __future__ import annotations

import base64
import random

import pytest

from chalicelib.core.mail.htmltext import html_to_text
from chalicelib.core.mail.mail_model import ParsedMail
from chalicelib.core.mail.mime import decode_bytes, decode_header_value, parse_mime, safe_filename
from tests.unit.corpus import ACK_MESSAGE_ID, DESK, entries, ids, raw

WITH_TEXT = [e for e in entries() if e["expect"].get("text_contains")]
WITH_SUBJECT = [e for e in entries() if e["expect"].get("subject_contains")]
WITH_ATTACHMENTS = [e for e in entries() if e["expect"].get("attachments")]
ALL = entries()


def parsed(file: str) -> ParsedMail:
    return parse_mime(raw(file))


def message(headers: str, body: bytes, *, crlf: bool = True) -> bytes:
    head = headers.strip("\n").replace("\n", "\r\n" if crlf else "\n").encode()
    return head + (b"\r\n\r\n" if crlf else b"\n\n") + body


# --- the corpus --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ALL, ids=ids(ALL))
def test_every_corpus_message_parses_without_raising(case):
    mail = parse_mime(raw(case))
    assert isinstance(mail, ParsedMail)
    assert not any(d.startswith("unparseable message") for d in mail.defects)
    assert "\x00" not in mail.text and "\r" not in mail.text
    for values in mail.headers.values():
        assert all("\r" not in v and "\n" not in v for v in values)


@pytest.mark.parametrize("case", WITH_TEXT, ids=ids(WITH_TEXT))
def test_body_text_contains_what_the_customer_wrote(case):
    text = parsed(case["file"]).text
    for fragment in case["expect"]["text_contains"]:
        assert fragment in text


@pytest.mark.parametrize("case", WITH_SUBJECT, ids=ids(WITH_SUBJECT))
def test_subject_is_decoded(case):
    mail = parsed(case["file"])
    assert case["expect"]["subject_contains"] in mail.subject
    assert "\n" not in mail.subject and "\r" not in mail.subject


@pytest.mark.parametrize("case", WITH_ATTACHMENTS, ids=ids(WITH_ATTACHMENTS))
def test_attachments_are_kept_with_their_decoded_names(case):
    kept = {(a.filename, a.content_type) for a in parsed(case["file"]).attachments}
    for expected in case["expect"]["attachments"]:
        assert (expected["filename"], expected["content_type"]) in kept
    assert all(a.data for a in parsed(case["file"]).attachments)


MALFORMED = entries("malformed")


@pytest.mark.parametrize("case", MALFORMED, ids=ids(MALFORMED))
def test_malformed_mail_is_flagged_only_when_unusable(case):
    mail = parse_mime(raw(case))
    if case["expect"]["outcome"] == "quarantined":
        assert mail.defects
    else:
        assert mail.subject


def test_html_only_mail_is_reduced_to_clean_text():
    mail = parsed("new_14_en_html_only_style_script_pixel_table.eml")
    assert "Pallet wrap 17 micron, 400 mm" in mail.text
    for junk in ("trackOpen", "font-family", "open.gif", "<", "{"):
        assert junk not in mail.text
    assert mail.html and "<table" in mail.html


def test_html_divs_become_lines_without_rewrapping():
    lines = parsed("new_15_ru_yandex_html_only_8bit_complaint_dept.eml").text.splitlines()
    assert "Прошу руководителя разобраться с работой бухгалтерии и связаться со мной." in lines


def test_javascript_link_is_never_kept_as_a_link():
    text = parsed("bad_22_body_javascript_link.eml").text
    assert "Pay invoice 4471" in text
    assert "javascript:" not in text and "document.cookie" not in text


def test_plain_alternative_is_preferred_over_html():
    mail = parsed("new_01_en_utf8_7bit_gmail_quote.eml")
    assert "<div" not in mail.text
    assert "would like to receive a quote\nfor machine stretch film." in mail.text
    assert mail.html is not None


def test_threading_headers_keep_angle_brackets():
    reply = parsed("reply_01_in_reply_to_only_gmail_uk_quote.eml")
    assert reply.in_reply_to == [ACK_MESSAGE_ID]
    assert reply.message_id == "<CAKESRNqxDMht8wGrWL56x2i2rEZ-65KJmcd+wE7IwBFvpNA63@mail.gmail.com>"
    refs = parsed("reply_02_references_only_gmail_ru_quote.eml").references
    assert refs[-1] == ACK_MESSAGE_ID and all(r.startswith("<") and r.endswith(">") for r in refs)


def test_sender_name_and_address_are_decoded_and_lower_cased():
    mail = parsed("new_05_ru_cp1251_qp_outlook_documents.eml")
    assert mail.from_name == "Наталья Кузнецова"
    assert mail.from_address == "n.kuznetsova@uraltara.ru"
    assert mail.to == [DESK]
    gb = parsed("new_07_zh_gb2312_base64_foxmail_order.eml")
    assert gb.from_name == "王芳"


def test_wrongly_declared_latin1_header_words_are_read_as_utf8():
    mail = parsed("new_12_ru_declared_latin1_bytes_utf8_phpmailer.eml")
    assert mail.from_name == "Алия Нурланова"
    assert "Ð" not in mail.text


def test_unknown_charset_encoded_words_are_guessed():
    mail = parsed("bad_12_encoded_word_unknown_charset.eml")
    assert mail.subject == "Order 5512 подтверждение"
    assert mail.from_name == "Sales Dept"


def test_reply_to_and_punycode_sender_are_kept():
    assert parsed("new_13_ru_8bit_utf8_no_mime_headers_site_form.eml").reply_to == ["m.sokolova@mebel-lux.ru"]
    assert parsed("new_23_ru_idn_punycode_sender_domain.eml").from_address == "zakaz@xn--80argkgdggch.xn--p1ai"


def test_inline_image_with_content_id_is_an_attachment():
    image = parsed("new_20_en_apple_inline_cid_image_complaint.eml").attachments[0]
    assert image.content_id == "83A8A052-7801-776B-E40A-EC92A53EFE95"
    assert image.inline and image.data.startswith(b"\xff\xd8")


def test_forwarded_message_is_kept_whole_as_an_eml_attachment():
    mail = parsed("new_21_ru_forward_message_rfc822_cp1251_inner.eml")
    (eml,) = mail.attachments
    inner = parse_mime(eml.data)
    assert inner.subject == "Отказ водителя от разгрузки"
    assert "водитель перевозчика отказался разгружать" in inner.text
    assert "водитель перевозчика" not in mail.text


def test_ses_verdicts_are_read():
    assert parsed("noreq_12_ses_virus_verdict_fail_zip.eml").verdicts.virus == "FAIL"
    spam = parsed("noreq_13_ses_spam_verdict_fail.eml").verdicts
    assert spam.spam == "FAIL"
    ok = parsed("new_01_en_utf8_7bit_gmail_quote.eml").verdicts
    assert (ok.spam, ok.virus, ok.spf, ok.dkim, ok.dmarc) == ("PASS", "PASS", "pass", "pass", "pass")


def test_header_injection_in_display_name_is_flattened():
    mail = parsed("bad_18_from_display_name_crlf_header_injection.eml")
    assert "\r" not in mail.from_name and "\n" not in mail.from_name
    assert mail.from_name == "Evil"
    assert mail.from_address == "a@b.com"
    assert "victim@x.com" not in [*mail.to, *mail.cc, *mail.reply_to, mail.customer_address]


def test_path_traversal_attachment_name_is_sanitised():
    (attachment,) = parsed("bad_24_attachment_path_traversal_name.eml").attachments
    assert "/" not in attachment.filename and "\\" not in attachment.filename
    assert ".." not in attachment.filename and attachment.filename
    assert attachment.data.startswith(b"root:")


def test_two_from_headers_take_the_first_and_say_so():
    mail = parsed("bad_15_two_from_headers.eml")
    assert mail.from_address == "ivan@stroy-opt.ru"
    assert mail.defects


def test_missing_from_falls_back_to_the_envelope_sender():
    assert parsed("bad_16_no_from_header.eml").from_address == "noone@nofrom.example"


def test_display_name_only_from_keeps_the_name():
    mail = parsed("bad_17_from_display_name_only.eml")
    assert mail.from_name == "Ivan Petrov"
    assert mail.customer_address == "unknown@nowhere.example"


def test_unparseable_date_is_none_and_valid_dates_are_aware():
    assert parsed("bad_19_unparseable_date.eml").date is None
    date = parsed("new_01_en_utf8_7bit_gmail_quote.eml").date
    assert date is not None and date.utcoffset() is not None


def test_huge_folded_subject_and_500_recipients():
    subject = parsed("bad_20_subject_10000_chars_folded.eml").subject
    assert len(subject) > 5000 and "\n" not in subject
    mail = parsed("bad_23_to_500_recipients.eml")
    assert len(mail.to) == 500 and DESK in mail.to


def test_nul_bytes_and_mixed_line_endings_are_cleaned():
    assert "\x00" not in parsed("bad_05_nul_bytes_in_header_and_body.eml").subject
    text = parsed("bad_11_mixed_crlf_lf_cr_line_endings.eml").text
    assert text.splitlines()[1] == "we need a quote for 10 rolls of 25 micron cling film."


def test_empty_and_garbage_objects_are_flagged():
    assert parse_mime(b"").defects == ["empty message"]
    assert "no headers" in parsed("bad_10_random_binary_garbage.eml").defects


# --- beyond the corpus -------------------------------------------------------------------------

def test_undeclared_windows_1251_body_is_detected():
    body = "Здравствуйте!\r\nПросим выставить счёт на 12 рулонов плёнки.\r\n".encode("cp1251")
    mail = parse_mime(message("From: a@b.ru\nSubject: test\nContent-Transfer-Encoding: 8bit", body))
    assert "Просим выставить счёт на 12 рулонов плёнки." in mail.text


def test_declared_koi8_that_is_really_cp1251_is_corrected():
    body = "Добрый день, пришлите прайс-лист на стрейч-плёнку.".encode("cp1251")
    headers = "From: a@b.ru\nSubject: x\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit"
    assert "пришлите прайс-лист на стрейч-плёнку" in parse_mime(message(headers, body)).text


def test_real_latin1_text_stays_latin1():
    body = "Guten Tag, wir benötigen 20 Rollen Folie. Grüße aus München".encode("latin-1")
    headers = "From: a@b.de\nSubject: x\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit"
    assert "Grüße aus München" in parse_mime(message(headers, body)).text


def test_big5_html_only_message():
    html = "<html><body><div>您好：</div><div>請報價熱收縮膜 500 卷。</div><img src='http://t.example/p.gif' width=1></body></html>"
    headers = (
        "From: =?big5?B?s6+n07uo?= <chen@example.tw>\nSubject: =?big5?B?uN+w3aFHvPamrMFZvaSquqtwq9ezV67m?=\n"
        "MIME-Version: 1.0\nContent-Type: text/html; charset=big5\nContent-Transfer-Encoding: base64"
    )
    mail = parse_mime(message(headers, base64.encodebytes(html.encode("big5"))))
    assert mail.text == "您好：\n請報價熱收縮膜 500 卷。"
    assert mail.subject == "詢問：熱收縮膜的厚度規格"
    assert mail.from_name == "陳志豪"


def test_raw_8bit_utf8_header_and_filename():
    headers = (
        "From: Иван <ivan@example.ru>\nSubject: Заказ плёнки\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"'
    )
    body = (
        "--b\nContent-Type: text/plain; charset=utf-8\n\nТекст\n"
        '--b\nContent-Type: application/pdf; name="Счёт 1.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERg==\n--b--\n'
    ).encode()
    mail = parse_mime(message(headers, body, crlf=False))
    assert mail.subject == "Заказ плёнки" and mail.from_name == "Иван"
    assert [(a.filename, a.data) for a in mail.attachments] == [("Счёт 1.pdf", b"%PDF")]


def test_encoded_words_split_inside_a_character_are_joined():
    word = "плёнка".encode()
    first, second = base64.b64encode(word[:3]).decode(), base64.b64encode(word[3:]).decode()
    mail = parse_mime(message(f"From: a@b.c\nSubject: =?utf-8?B?{first}?=\n =?utf-8?B?{second}?=", b"x"))
    assert mail.subject == "плёнка"


def test_rfc2231_continuations_with_charset():
    headers = 'From: a@b.c\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"'
    body = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*0*=UTF-8''%D0%90%D0%BA%D1%82; filename*1=\" 7.pdf\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n"
    )
    assert [a.filename for a in parse_mime(message(headers, body)).attachments] == ["Акт 7.pdf"]


def test_very_deep_nesting_does_not_raise():
    inner = b"Content-Type: text/plain\r\n\r\nhello from the bottom\r\n"
    for level in range(1500):
        boundary = b"b%d" % level
        inner = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary + b"\r\n"
            + inner + b"\r\n--" + boundary + b"--\r\n"
        )
    mail = parse_mime(b"From: a@b.c\r\nSubject: deep\r\n" + inner)
    assert mail.subject == "deep"
    assert "hello from the bottom" in mail.text
    assert mail.defects


def test_uuencoded_and_broken_base64_bodies():
    assert "образцы термоусадочной плёнки" in parsed("bad_14_cte_x_uuencode.eml").text
    mail = parsed("bad_03_invalid_base64_garbage_and_no_padding.eml")
    assert "30 рулонов в месяц" in mail.text and "invalid base64 repaired" in mail.defects


def test_mutated_corpus_messages_never_break_the_parser():
    rng = random.Random(20261102)
    samples = [raw(e) for e in ALL if e["kind"] != "malformed"][:20]
    for data in samples:
        for _ in range(10):
            buf = bytearray(data)
            for _ in range(rng.randint(1, 40)):
                pos = rng.randrange(len(buf))
                buf[pos] = rng.choice(b"\x00\r\n=?\"<>;:-\\\xff\xd0 ")
            cut = rng.randint(len(buf) // 2, len(buf))
            mail = parse_mime(bytes(buf[:cut]))
            assert not any(d.startswith("unparseable message") for d in mail.defects)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\system.ini", "windows_system.ini"),
        ("Карточка предприятия.pdf", "Карточка предприятия.pdf"),
        ("a\x00b\r\n.txt", "ab.txt"),
        ("", "attachment-1.pdf"),
        ("...", "attachment-1.pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name, "application/pdf") == expected


def test_decode_bytes_prefers_strict_utf8_then_declared():
    assert decode_bytes("ёлка".encode(), "iso-8859-1")[0] == "ёлка"
    assert decode_bytes("ёлка".encode("koi8-r"), "koi8-r") == ("ёлка", None)
    assert decode_bytes("中文内容".encode("gb18030"), "gb2312")[0] == "中文内容"
    assert decode_bytes("谢谢".encode("gbk"), "gbk")[0] == "谢谢"
    chinese = "您好，我们计划每月采购封箱胶带约三千卷，请报含税价格和交货期。"
    assert decode_bytes(chinese.encode("gbk"))[0] == chinese
    assert decode_bytes("Re: её".encode("koi8-r"), "koi8-r")[0] == "Re: её"
    assert decode_bytes("谢谢你们的帮助，我们收到了货物".encode(), "gb2312")[0] == "谢谢你们的帮助，我们收到了货物"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>One</div><div><br></div><div>Two<br>Three</div>", "One\n\nTwo\nThree"),
        ("<p>Hi,</p><blockquote><div>old</div><blockquote>older</blockquote></blockquote>", "Hi,\n> old\n> > older"),
        ("<ul><li>one</li><li>two</li></ul><ol><li>a</li></ol>", "- one\n- two\n1. a"),
        ("<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Film</td><td></td><td>5</td></tr></table>",
         "Item | Qty\nFilm | 5"),
        ("<p>a&nbsp;&amp;&lt;b&gt; <a href='javascript:alert(1)'>pay</a><img src=x alt=y></p>", "a &<b> pay"),
        ("<html><head><title>T</title><style>p{color:red}</style></head><body><p>x</p><script>s()</script>", "x"),
        ("<html><head><meta charset=utf-8><div>no body tag</div>", "no body tag"),
        ("<pre>  indented\n  code</pre>", "  indented\n  code"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("<div>\u200b\ufeffword</div>", "word"),
    ],
)
def test_html_to_text(html, expected):
    assert html_to_text(html) == expected


# --- charsets: trust a declaration that reads well, detect one that does not ---------------------

def b_word(text: str, charset: str, codec: str | None = None) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode()}?="


CAPITALS = [
    "Заказ ООО ТЕХНОПАК",
    "СРОЧНО! НЕ ПРИШЛА МАШИНА ПО ЗАКАЗУ 5531",
    "СЧЁТ НА ОПЛАТУ - СРОЧНО",
    "ПРЕТЕНЗИЯ ПО КАЧЕСТВУ ПЛЁНКИ",
    "ВОЗВРАТ БРАКА ПО НАКЛАДНОЙ 77",
    "ООО ВЕКТОР-ПАК",
]


@pytest.mark.parametrize("text", CAPITALS)
@pytest.mark.parametrize(("charset", "codec"), [("windows-1251", "cp1251"), ("koi8-r", "koi8-r")])
def test_declared_cyrillic_charset_of_text_in_capitals_is_trusted(text, charset, codec):
    # capitals in one of the two charsets look like small letters in the other: the declaration wins
    assert decode_header_value(b_word(text, charset, codec)) == text
    assert decode_bytes(text.encode(codec), charset) == (text, None)


def test_cp1251_attachment_name_in_capitals_is_kept():
    name = "АКТ О БРАКЕ № 17.pdf"
    headers = 'From: a@b.ru\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"'
    body = (
        b"--b\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n" + "Акт во вложении.".encode("cp1251")
        + b"\r\n--b\r\nContent-Type: application/pdf; name=\"" + b_word(name, "windows-1251", "cp1251").encode()
        + b"\"\r\nContent-Disposition: attachment; filename*=windows-1251''"
        + "".join(f"%{byte:02X}" for byte in name.encode("cp1251")).encode()
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n"
    )
    assert [a.filename for a in parse_mime(message(headers, body)).attachments] == [name]


def test_cp1251_body_and_subject_in_capitals_stay_cp1251():
    subject = "СРОЧНО! НЕ ПРИШЛА МАШИНА ПО ЗАКАЗУ 5531"
    body = "ДОБРЫЙ ДЕНЬ! МАШИНА ТАК И НЕ ПРИШЛА, СКЛАД ПРОСТАИВАЕТ.\r\nГДЕ ГРУЗ?".encode("cp1251")
    headers = (
        f"From: a@b.ru\nSubject: {b_word(subject, 'windows-1251', 'cp1251')}\n"
        "Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: 8bit"
    )
    mail = parse_mime(message(headers, body))
    assert mail.subject == subject
    assert "МАШИНА ТАК И НЕ ПРИШЛА" in mail.text and not mail.defects


@pytest.mark.parametrize(("real", "declared"), [("cp1251", "koi8-r"), ("koi8-r", "windows-1251")])
@pytest.mark.parametrize("upper", [False, True])
def test_a_wrong_cyrillic_declaration_is_still_corrected_by_letter_frequencies(real, declared, upper):
    text = "Добрый день, пришлите, пожалуйста, прайс-лист на стрейч-плёнку и условия доставки."
    text = text.upper() if upper else text
    decoded, note = decode_bytes(text.encode(real), declared)
    assert decoded == text and note == f"declared {declared}, detected {real}"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Добрый день!\nНужен счёт на 30 рулонов плёнки ПВД 150 мкм, доставка самовывозом.", "cp1251"),
        ("Здравствуйте! Каждый месяц берём около 150 рулонов, пришлите цену.", "koi8-r"),
        ("您好，请开具增值税专用发票，发票原件寄到我司财务部。谢谢！", "gb18030"),
        ("您好，今天收到的熱收縮膜有10箱外箱破損，請儘快安排換貨。", "cp950"),
    ],
)
def test_declared_utf8_that_is_really_another_charset_is_detected(text, codec):
    headers = "From: a@b.ru\nSubject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit"
    mail = parse_mime(message(headers, text.encode(codec)))
    assert mail.text == text
    assert any(d.startswith("declared utf-8, detected") for d in mail.defects)


def test_declared_utf8_with_a_few_stray_bytes_keeps_its_text():
    data = "Просим выставить счёт на 60 рулонов плёнки. Оплата в течение 5 дней.".encode()
    data = data[:20] + b"\xff\xfe" + data[20:]
    text, note = decode_bytes(data, "utf-8")
    assert "Оплата в течение 5 дней." in text and note == "invalid utf-8 bytes dropped"


@pytest.mark.parametrize(
    ("subject", "body", "codec"),
    [
        ("询价：缠绕膜500mm", "你好，请报一下500mm缠绕膜的价格，每月需要300卷。", "gbk"),
        ("詢價：熱收縮膜", "您好，請報價熱收縮膜 500 卷。", "big5"),
        ("СЧЁТ НА ОПЛАТУ - СРОЧНО", "Добрый день! Просим срочно прислать счёт на 12 рулонов.", "cp1251"),
        ("ЗАЯВКА НА ДЕКАБРЬ", "Здравствуйте! Направляю заявку на декабрь.", "koi8-r"),
    ],
)
def test_raw_8bit_subject_without_mime_is_read_like_the_body(subject, body, codec):
    raw_mail = (
        b"From: Zhou <zhou@example.cn>\r\nTo: desk@requestflow.example\r\nSubject: " + subject.encode(codec)
        + b"\r\n\r\n" + body.encode(codec)
    )
    mail = parse_mime(raw_mail)
    assert mail.subject == subject
    assert mail.text == body


def test_raw_8bit_subject_alone_is_detected_by_plausibility():
    # no body charset to lean on: still Chinese, not Korean
    raw_mail = b"From: a@b.cn\r\nSubject: " + "询价：缠绕膜500mm".encode("gbk") + b"\r\n\r\nhello"
    assert parse_mime(raw_mail).subject == "询价：缠绕膜500mm"
    assert decode_header_value("询价：缠绕膜500mm".encode("gbk").decode("ascii", "surrogateescape")) == "询价：缠绕膜500mm"


def test_raw_8bit_header_prefers_the_body_charset():
    subject = "СЧЁТ"  # four capitals: too short to judge alone
    raw_mail = (
        b"From: a@b.ru\r\nSubject: " + subject.encode("koi8-r")
        + b"\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Добрый день, пришлите счёт.".encode("koi8-r")
    )
    assert parse_mime(raw_mail).subject == subject


def test_latin1_and_undeclared_western_text_is_not_taken_for_cyrillic_or_chinese():
    text = "Grüße aus München, wir benötigen 20 Rollen Folie für Köln."
    assert decode_bytes(text.encode("cp1252"))[0] == text
    assert decode_bytes(text.encode("latin-1"), "iso-8859-1") == (text, None)


def test_hidden_preheader_filler_is_not_part_of_the_text():
    from chalicelib.core.mail.htmltext import html_to_text

    html = ('<div style="display:none;max-height:0">Preview text &zwnj;&nbsp;&zwnj;&nbsp;'
            '<div>nested filler</div> still hidden</div>'
            '<div>Пришла плёнка 17 мкм вместо 23 мкм.</div><div hidden>tracking</div><p>Ждём замену.</p>')
    assert html_to_text(html) == "Пришла плёнка 17 мкм вместо 23 мкм.\nЖдём замену."


def test_an_unclosed_hidden_element_does_not_swallow_the_message():
    from chalicelib.core.mail.htmltext import html_to_text

    assert "Real request text" in html_to_text('<div style="display: none">Real request text<p>more')


def test_a_plain_text_body_mislabelled_as_base64_is_kept_readable():
    raw = (b"From: a@b.com\r\nTo: desk@requestflow.example\r\nSubject: Crushed rolls\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"Hello, five rolls of stretch film arrived crushed.\r\nPlease send replacements.\r\n")
    assert "five rolls of stretch film arrived crushed" in parse_mime(raw).text

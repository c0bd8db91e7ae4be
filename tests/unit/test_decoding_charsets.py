"""Charsets as a careful mail client reads them: a declaration that reads well is kept, a missing or
wrong one is detected (Western and Central European, Russian, Chinese, Japanese)."""
from __future__ import annotations

import base64

import pytest

from chalicelib.core.mail.mime import decode_bytes, decode_header_value, parse_mime


def mail(headers: str, body: bytes) -> bytes:
    return headers.strip("\n").replace("\n", "\r\n").encode() + b"\r\n\r\n" + body


def eight_bit(body: bytes, charset: str | None = None, subject: bytes = b"Anfrage") -> bytes:
    content_type = f"Content-Type: text/plain; charset={charset}\r\n" if charset else ""
    return (b"From: Kunde <kunde@example.com>\r\nTo: desk@requestflow.example\r\nSubject: " + subject
            + b"\r\nMIME-Version: 1.0\r\n" + content_type.encode() + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body)


def q_word(text: str, charset: str, codec: str) -> str:
    encoded = "".join(
        "_" if byte == 0x20 else chr(byte) if 0x21 <= byte < 0x7F and chr(byte) not in "=?_" else f"={byte:02X}"
        for byte in text.encode(codec)
    )
    return f"=?{charset}?Q?{encoded}?="


WESTERN = [
    ("Grüße aus München, wir benötigen 20 Rollen Folie für Köln.", "de"),
    ("aaäöüßad asd", "de"),
    ("Bonjour, nous avons reçu des rouleaux abîmés. Pouvez-vous les échanger ? Merci d'avance.", "fr"),
    ("¿Podrían enviarnos el presupuesto? Año 2026, señora Muñoz, «urgente».", "es"),
    ("Hej! Vi behöver 30 rullar på lördag. Hälsningar från Malmö", "sv"),
    ("Vi trenger 30 ruller, levering til Bærum før fredag. Hilsen Øyvind", "no"),
    ("Goedemorgen, graag een offerte voor 20 rollen. Één keer per maand, onze cliënt.", "nl"),
]


@pytest.mark.parametrize(("text", "lang"), WESTERN)
@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "windows-1252", "iso-8859-15"])
def test_a_declared_western_charset_that_reads_well_is_kept(text, lang, label):
    assert decode_bytes(text.encode("latin-1"), label) == (text, None)
    assert decode_header_value(q_word(text, label, "latin-1")) == text


@pytest.mark.parametrize(("text", "lang"), WESTERN)
def test_a_latin1_subject_and_body_come_out_as_written(text, lang):
    raw = mail(f"From: a@example.com\nSubject: {q_word(text, 'iso-8859-1', 'latin-1')}\n"
               "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit", text.encode("latin-1"))
    parsed = parse_mime(raw)
    assert parsed.subject == text and parsed.text == text and not parsed.defects


def test_iso_8859_1_labels_read_the_windows_1252_punctuation_as_mail_clients_do():
    text = "Preis: 20 € pro Rolle – „sofort“ lieferbar… it’s “urgent”"
    assert decode_bytes(text.encode("cp1252"), "iso-8859-1") == (text, None)
    assert decode_header_value(q_word(text, "ISO-8859-1", "cp1252")) == text
    # the five bytes windows-1252 leaves open still decode, as their ISO-8859-1 controls
    assert decode_bytes(b"Caf\xe9 \x81", "iso-8859-1")[0].startswith("Café")


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        ("Zażółć gęślą jaźń. Proszę o ofertę na folię, dziękuję.", "iso-8859-2", "iso8859-2"),
        ("Dzień dobry, prosimy o fakturę za 12 rolek. Pozdrawiam, Łukasz Wróbel", "windows-1250", "cp1250"),
        ("Dobrý den, potřebujeme 20 rolí fólie, děkuji. Žlutý kůň", "iso-8859-2", "iso8859-2"),
        ("Prix : 20 € la pièce, Œuvre d'été", "iso-8859-15", "iso8859-15"),
    ],
)
def test_central_european_and_latin9_declarations_are_kept(text, label, codec):
    assert decode_bytes(text.encode(codec), label) == (text, None)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Zażółć gęślą jaźń. Proszę o ofertę na folię, dziękuję.", "iso8859-2"),
        ("Dzień dobry, prosimy o fakturę za 12 rolek. Pozdrawiam, Łukasz Wróbel. Mówię się.", "cp1250"),
        ("Grüße aus München, wir benötigen 20 Rollen Folie für Köln.", "cp1252"),
        ("¿Podrían enviarnos el presupuesto? Año 2026, señora Muñoz.", "cp1252"),
    ],
)
@pytest.mark.parametrize("label", [None, "us-ascii"])
def test_undeclared_or_ascii_labelled_latin_text_is_detected(text, codec, label):
    decoded, note = decode_bytes(text.encode(codec), label)
    assert decoded == text and note is not None


def test_polish_in_latin2_mislabelled_as_latin1_is_detected_by_its_signs_inside_words():
    text = "Proszę o ofertę na folię stretch, złożymy zamówienie na 40 rolek. Dziękuję, Paweł Kołodziej"
    assert decode_bytes(text.encode("iso8859-2"), "iso-8859-1")[0] == text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Просим выставить счёт на 12 рулонов плёнки.", "cp1251"),
        ("ПРОСИМ СРОЧНО ВЫСТАВИТЬ СЧЁТ", "cp1251"),
        ("您好，请报一下500mm缠绕膜的价格，每月需要300卷。", "gb18030"),
    ],
)
@pytest.mark.parametrize("label", ["iso-8859-1", "us-ascii", "windows-1252"])
def test_other_scripts_under_a_western_label_are_still_detected(text, codec, label):
    assert decode_bytes(text.encode(codec), label)[0] == text


# --- Japanese ----------------------------------------------------------------------------------

JAPANESE = [
    "お世話になっております。見積もりをお願いします。",
    "ストレッチフィルムを２０本注文したいです。納期を教えてください。",
    "先日届いた商品が破損していました。交換をお願いできますか。",
]


@pytest.mark.parametrize("text", JAPANESE)
def test_declared_iso_2022_jp_subject_and_body_are_decoded(text):
    subject = "=?ISO-2022-JP?B?" + base64.b64encode("見積依頼の件".encode("iso2022_jp")).decode() + "?="
    raw = mail(f"From: a@example.jp\nSubject: {subject}\nContent-Type: text/plain; charset=ISO-2022-JP\n"
               "Content-Transfer-Encoding: 7bit", text.encode("iso2022_jp"))
    parsed = parse_mime(raw)
    assert parsed.subject == "見積依頼の件" and parsed.text == text


@pytest.mark.parametrize("text", JAPANESE)
def test_undeclared_iso_2022_jp_is_recognised_by_its_escape_sequences(text):
    raw = b"From: a@example.jp\r\nSubject: " + "ご注文の件".encode("iso2022_jp") + b"\r\n\r\n" + text.encode("iso2022_jp")
    parsed = parse_mime(raw)
    assert parsed.subject == "ご注文の件" and parsed.text == text


NEC_ROW_13 = {"①": b"-!", "②": b"-\"", "㈱": b"-j", "Ⅲ": b"-7", "㎡": b"-V"}


@pytest.mark.parametrize(("char", "jis"), NEC_ROW_13.items())
def test_iso_2022_jp_with_nec_characters_decodes_as_mail_clients_show_it(char, jis):
    # ① ㈱ Ⅲ are NEC row 13, ⇒ is JIS X 0208: Windows and every Japanese mail client send them as ISO-2022-JP
    data = b"\x1b$B" + jis + b"\x1b(B 20 \x1b$B\"M$*4j$$$7$^$9\x1b(B"
    expected = f"{char} 20 ⇒お願いします"
    assert decode_bytes(data, "iso-2022-jp")[0] == expected
    assert decode_header_value("=?iso-2022-jp?B?" + base64.b64encode(data).decode() + "?=") == expected


@pytest.mark.parametrize(("name", "jis"), [("髙橋", b"|b66"), ("山﨑", b";3yu")])
def test_iso_2022_jp_with_ibm_extension_kanji_in_names_is_read_as_windows_sends_it(name, jis):
    # 髙 and 﨑 are IBM extensions; Windows (cp50220) sends them in the NEC-selected rows 0x79-0x7C
    data = b"\x1b$B" + jis + b"\x1b(B"
    assert decode_bytes(data, "iso-2022-jp")[0] == name
    raw = mail("From: =?ISO-2022-JP?B?" + base64.b64encode(data).decode() + "?= <t@example.jp>\nSubject: x", b"x")
    assert parse_mime(raw).from_name == name


@pytest.mark.parametrize("text", JAPANESE)
@pytest.mark.parametrize("codec", ["cp932", "shift_jis", "euc_jp"])
def test_undeclared_shift_jis_and_euc_jp_are_recognised(text, codec):
    subject = "お見積りのお願い"
    raw = eight_bit(text.encode(codec), subject=subject.encode(codec))
    parsed = parse_mime(raw)
    assert parsed.text == text
    assert parsed.subject == subject


def test_a_short_kanji_subject_in_shift_jis_follows_the_body():
    raw = eight_bit("納期を教えてください。".encode("cp932"), subject="請求書".encode("cp932"))
    assert parse_mime(raw).subject == "請求書"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("你好，请报一下500mm缠绕膜的价格，每月需要300卷。", "gb18030"),
        ("您好，請報價熱收縮膜 500 卷。", "cp950"),
        ("Здравствуйте! Направляю заявку на декабрь.", "cp1251"),
        ("Здравствуйте! Направляю заявку на декабрь.", "koi8-r"),
    ],
)
def test_chinese_and_russian_are_not_taken_for_japanese(text, codec):
    assert decode_bytes(text.encode(codec))[0] == text

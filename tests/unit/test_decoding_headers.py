"""RFC 2047 encoded words as mail clients read them: leniently (spaces, case, padding, split characters)."""
from __future__ import annotations

import base64

import pytest

from chalicelib.core.mail.mime import decode_header_value, parse_mime


def headers_only(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\nx").encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("=?UTF-8?Q? Personal=C3=A4nderung?=", "Personaländerung"),
        ("=?us-ascii?Q?ABC / 123 / Wetterau West / ABC?=", "ABC / 123 / Wetterau West / ABC"),
        ("AW: =?iso-8859-1?Q?Gr=FC=DFe aus K=F6ln?=", "AW: Grüße aus Köln"),
        ("=?utf-8?q?Commande n=C2=B0 5512 =E2=80=93 r=C3=A9clamation?=", "Commande n° 5512 – réclamation"),
        ("=?UTF-8?B?" + b64("Zamówienie nr 77".encode())[:8] + " " + b64("Zamówienie nr 77".encode())[8:] + "?=",
         "Zamówienie nr 77"),
    ],
)
def test_encoded_words_with_spaces_inside_are_decoded(raw, shown):
    assert decode_header_value(raw) == shown


@pytest.mark.parametrize(
    ("text", "charset"),
    [("Счёт на оплату", "utf-8"), ("Bestätigung der Bestellung", "iso-8859-1"), ("询价：缠绕膜", "gb2312"),
     ("Förfrågan om pris", "windows-1252")],
)
@pytest.mark.parametrize("marker", ["b", "B", "q", "Q"])
def test_encoding_markers_and_charset_names_are_case_insensitive(text, charset, marker):
    codec = {"gb2312": "gbk"}.get(charset, charset)
    data = text.encode(codec)
    payload = b64(data) if marker in "bB" else "".join(f"={b:02X}" for b in data)
    assert decode_header_value(f"=?{charset.upper()}?{marker}?{payload}?=") == text


@pytest.mark.parametrize("text", ["Заказ плёнки", "Bestellbestätigung", "注文の確認", "订单确认"])
def test_b_words_without_padding_are_decoded(text):
    assert decode_header_value(f"=?utf-8?b?{b64(text.encode()).rstrip('=')}?=") == text


@pytest.mark.parametrize(
    ("text", "cut", "codec"),
    [("плёнка", 3, "utf-8"), ("Größe", 3, "utf-8"), ("日本語の件名", 4, "utf-8"), ("订单确认", 3, "gbk"),
     ("お見積り", 3, "cp932")],
)
def test_adjacent_words_split_inside_a_character_are_joined(text, cut, codec):
    data = text.encode(codec)
    charset = {"cp932": "shift_jis"}.get(codec, codec)
    value = f"=?{charset}?B?{b64(data[:cut])}?=\r\n =?{charset.upper()}?b?{b64(data[cut:])}?="
    assert parse_mime(headers_only("From: a@b.c", "Subject: " + value)).subject == text


@pytest.mark.parametrize(
    ("from_header", "name"),
    [
        ('"=?utf-8?Q?J=C3=B6rg_M=C3=BCller?=" <jm@example.de>', "Jörg Müller"),
        ('"=?ISO-8859-1?Q?Andr=E9?= Pirard" <pirard@example.be>', "André Pirard"),
        ('"=?iso-8859-2?q?Pawe=B3_Ko=B3odziej?= (Dzia=?iso-8859-2?q?=B3?= zakup=?iso-8859-2?q?=F3?=w)" <p@example.pl>',
         "Paweł Kołodziej (Dział zakupów)"),
        ('"=?koi8-r?B?' + b64("Иван Петров".encode("koi8-r")) + '?=" <ivan@example.ru>', "Иван Петров"),
        ('"=?ISO-2022-JP?B?' + b64("山田太郎".encode("iso2022_jp")) + '?=" <yamada@example.jp>', "山田太郎"),
    ],
)
def test_encoded_words_inside_quoted_display_names_are_decoded(from_header, name):
    assert parse_mime(headers_only("From: " + from_header, "Subject: x")).from_name == name


@pytest.mark.parametrize(
    "subject",
    ["ご注文の件について", "【至急】納品日の変更", "お見積り依頼（２０本）"],
)
def test_raw_iso_2022_jp_subjects_are_decoded(subject):
    raw = b"From: a@example.jp\r\nSubject: " + subject.encode("iso2022_jp") + b"\r\n\r\nx"
    assert parse_mime(raw).subject == subject

"""Which body text a careful mail client shows: the alternative with words in it, every base64 line,
flowed paragraphs joined, and the customer's words recovered from damaged mail (garbage is not mail)."""
from __future__ import annotations

import base64
import random

import pytest

from chalicelib.core.config import load_config
from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.requests.intake import analyze
from chalicelib.core.requests.tickets import ReplyAddresses
from chalicelib.settings import DEFAULT_CONFIG

HEAD = "From: Kunde <kunde@example.com>\r\nTo: desk@requestflow.example\r\nSubject: Anfrage\r\nMIME-Version: 1.0\r\n"


def part(content_type: str, body: bytes, cte: str = "8bit") -> bytes:
    return f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n".encode() + body


def multipart(kind: str, *parts: bytes, boundary: str = "zz") -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    return f'Content-Type: multipart/{kind}; boundary="{boundary}"\r\n\r\n'.encode() + body + b"--" + boundary.encode() + b"--\r\n"


def message(body: bytes) -> bytes:
    return HEAD.encode() + body


# --- alternatives ------------------------------------------------------------------------------

TEXTS = [
    ("Bitte senden Sie uns ein Angebot für 20 Rollen Stretchfolie.", "utf-8"),
    ("Merci de nous envoyer un devis pour 20 rouleaux de film étirable.", "iso-8859-1"),
    ("Пришлите, пожалуйста, счёт на 20 рулонов стрейч-плёнки.", "koi8-r"),
    ("请给我们报20卷缠绕膜的价格。", "gb2312"),
    ("ストレッチフィルム２０本の見積もりをお願いします。", "shift_jis"),
]
EMPTY_PLAIN = [b"", b"\r\n", b"   \r\n\r\n  ", "\u200b\ufeff\r\n".encode(), b"\xc2\xa0\r\n"]


@pytest.mark.parametrize(("text", "charset"), TEXTS)
@pytest.mark.parametrize("empty", EMPTY_PLAIN)
@pytest.mark.parametrize("html_first", [False, True])
def test_an_empty_plain_alternative_does_not_hide_the_html_one(text, charset, empty, html_first):
    codec = {"gb2312": "gbk", "shift_jis": "cp932"}.get(charset, charset)
    html = part(f"text/html; charset={charset}", f"<div>{text}</div>".encode(codec))
    plain = part("text/plain; charset=utf-8", empty)
    mail = parse_mime(message(multipart("alternative", *((html, plain) if html_first else (plain, html)))))
    assert mail.text == text


def test_a_plain_alternative_with_words_still_wins_over_html():
    plain = part("text/plain; charset=utf-8", "Hej, vi behöver 30 rullar.".encode())
    html = part("text/html; charset=utf-8", "<p>Hej, vi behöver 30 rullar (HTML).</p>".encode())
    assert parse_mime(message(multipart("alternative", html, plain))).text == "Hej, vi behöver 30 rullar."


def test_an_empty_plain_alternative_next_to_html_with_inline_images():
    html = part("text/html; charset=utf-8", "<p>Zdjęcie uszkodzonej palety w załączniku.</p>".encode())
    related = multipart("related", html, part("image/png", b"iVBORw0KGgo=", "base64"), boundary="rel")
    mail = parse_mime(message(multipart("alternative", part("text/plain", b" \r\n"), related)))
    assert mail.text == "Zdjęcie uszkodzonej palety w załączniku."


# --- base64 encoded line by line ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("lines", "codec"),
    [
        (["Hallo,", "wir brauchen 20 Rollen.", "Grüße aus Köln"], "utf-8"),
        (["Здравствуйте!", "Просим счёт на 12 рулонов.", "Спасибо"], "cp1251"),
        (["您好！", "请报价。", "谢谢"], "gbk"),
        (["Goedemiddag,", "graag 5 pallets.", "Met vriendelijke groet"], "utf-8"),
    ],
)
def test_a_body_base64_encoded_line_by_line_keeps_every_line(lines, codec):
    charset = {"gbk": "gbk", "cp1251": "windows-1251"}.get(codec, codec)
    body = b"\r\n".join(base64.b64encode((line + "\r\n").encode(codec)) for line in lines)
    mail = parse_mime(message(part(f"text/plain; charset={charset}", body, "base64")))
    assert mail.text.splitlines() == lines


def test_invalid_base64_is_decoded_as_far_as_it_goes():
    data = base64.b64encode("Dzień dobry, prosimy o 40 rolek folii. Pozdrawiam".encode())
    body = data[:20] + b"!*#" + data[20:-2]
    mail = parse_mime(message(part("text/plain; charset=utf-8", body, "base64")))
    assert mail.text.startswith("Dzień dobry, prosimy o 40 rolek folii.")


# --- format=flowed -----------------------------------------------------------------------------

def flowed(text: str, charset: str = "utf-8", delsp: bool = False) -> bytes:
    params = f"text/plain; charset={charset}; format=flowed" + ("; delsp=yes" if delsp else "")
    return message(part(params, text.encode(charset)))


def test_flowed_paragraphs_are_joined_and_fixed_lines_kept():
    text = ("Guten Tag, wir möchten für das nächste Quartal 40 Rollen Stretchfolie \r\n"
            "bestellen und bitten um ein Angebot.\r\n\r\nMit freundlichen Grüßen\r\nAnna Schmidt\r\n")
    assert parse_mime(flowed(text)).text == (
        "Guten Tag, wir möchten für das nächste Quartal 40 Rollen Stretchfolie bestellen und bitten um ein "
        "Angebot.\n\nMit freundlichen Grüßen\nAnna Schmidt")


def test_flowed_quotes_are_joined_per_depth_and_space_stuffing_is_removed():
    text = ("Oui, c'est bien \r\nça.\r\n\r\n> Pouvez-vous confirmer la livraison \r\n> de vendredi ?\r\n"
            ">> Nous livrons \r\n>> jeudi.\r\n From the start of a line.\r\n")
    assert parse_mime(flowed(text, "iso-8859-1")).text == (
        "Oui, c'est bien ça.\n\n> Pouvez-vous confirmer la livraison de vendredi ?\n>> Nous livrons jeudi.\n"
        "From the start of a line.")


def test_delsp_yes_joins_without_the_trailing_space():
    text = "お世話になっております。明日の納品 \r\nについてご確認ください。\r\n"
    assert parse_mime(flowed(text, delsp=True)).text == "お世話になっております。明日の納品についてご確認ください。"


def test_the_signature_separator_is_not_a_soft_break():
    text = "Tack för snabb \r\nleverans!\r\n-- \r\nErik Lindqvist\r\n"
    assert parse_mime(flowed(text)).text == "Tack för snabb leverans!\n-- \nErik Lindqvist"


def test_fixed_text_is_never_reflowed():
    text = "Posición 1: 20 rollos \r\nPosición 2: 5 rollos\r\n"
    assert parse_mime(message(part("text/plain; charset=utf-8", text.encode()))).text == (
        "Posición 1: 20 rollos \nPosición 2: 5 rollos")


# --- damaged mail ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def analysis(raw: bytes, config):
    return analyze(raw, config, ReplyAddresses("desk@requestflow.example", b"secret"))


SES_HEAD = (b"Return-Path: <bounce@example.net>\r\nReceived: from mx.example.net\r\n"
            b"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <x1@example.net>\r\nTo: desk@requestflow.example\r\n")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_headers_followed_by_binary_garbage_are_not_mail(config, seed):
    garbage = random.Random(seed).randbytes(6000)
    result = analysis(SES_HEAD + b"\r\n" + garbage, config)
    assert not result.looks_like_mail
    assert result.mail.text == ""


def test_binary_garbage_under_a_real_sender_and_subject_is_kept_as_a_file(config):
    garbage = random.Random(7).randbytes(3000)
    raw = SES_HEAD + b"From: Jan <jan@example.nl>\r\nSubject: Offerte\r\n\r\n" + garbage
    result = analysis(raw, config)
    assert result.looks_like_mail and result.mail.subject == "Offerte"
    assert result.mail.text == "" and [a.data for a in result.mail.attachments] == [garbage]


@pytest.mark.parametrize(
    "body",
    ["Hola, necesitamos 30 rollos de film.", "Пришлите прайс, пожалуйста.", "请发一下价格表。"],
)
def test_mail_without_from_and_subject_but_with_words_is_still_mail(config, body):
    result = analysis(SES_HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.encode(), config)
    assert result.looks_like_mail and result.mail.text == body


@pytest.mark.parametrize(
    "html",
    ["<!DOCTYPE html><html><body><p>Hola,</p><p>necesitamos 30 rollos.</p></body></html>",
     "<html>\r\n<head><title>Formular</title></head><body><div>Name: Jörg</div><div>Menge: 20</div></body></html>",
     "  <div>Prosimy o fakturę.</div><div>Dziękuję</div>"],
)
def test_a_bare_html_body_without_content_type_is_read_as_html(html):
    text = parse_mime(b"From: a@example.com\r\nSubject: form\r\n\r\n" + html.encode()).text
    assert "<" not in text and text.splitlines()[-1] in ("necesitamos 30 rollos.", "Menge: 20", "Dziękuję")


def test_plain_text_that_mentions_a_tag_is_not_taken_for_html():
    text = "Our form shows <div> tags in the confirmation mail.\r\nPlease fix."
    assert parse_mime(b"From: a@example.com\r\nSubject: bug\r\n\r\n" + text.encode()).text == (
        "Our form shows <div> tags in the confirmation mail.\nPlease fix.")


@pytest.mark.parametrize("levels", [250, 600])
@pytest.mark.parametrize(
    ("content_type", "body", "shown"),
    [("text/plain; charset=utf-8", "Bitte um Rückruf.", "Bitte um Rückruf."),
     ("text/html; charset=koi8-r", "<p>Перезвоните, пожалуйста.</p>", "Перезвоните, пожалуйста.")],
)
def test_deeply_nested_mail_still_yields_the_innermost_text(levels, content_type, body, shown):
    codec = "koi8-r" if "koi8" in content_type else "utf-8"
    inner = f"Content-Type: {content_type}\r\n\r\n".encode() + body.encode(codec) + b"\r\n"
    for level in range(levels):
        boundary = b"b%d" % level
        inner = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary + b"\r\n"
                 + inner + b"\r\n--" + boundary + b"--\r\n")
    mail = parse_mime(b"From: a@b.c\r\nSubject: deep\r\n" + inner)
    assert shown in mail.text and mail.defects

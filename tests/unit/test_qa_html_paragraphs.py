"""HTML-only mail reads as a mail client shows it: paragraphs apart, Outlook's tight lines together."""
from __future__ import annotations

import pytest

from chalicelib.core.mail.htmltext import html_to_text
from chalicelib.core.mail.mime import parse_mime
from chalicelib.core.mail.quotes import new_text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Sehr geehrte Damen und Herren,</p><p>wir benötigen ein Angebot.</p>",
         "Sehr geehrte Damen und Herren,\n\nwir benötigen ein Angebot."),
        ("<p>Bonjour,</p>\n<p>merci pour le devis.</p>\n<p>Nous commandons 6 palettes.</p>",
         "Bonjour,\n\nmerci pour le devis.\n\nNous commandons 6 palettes."),
        ("<div><p>您好：</p></div><div><p>请报价。</p></div>", "您好：\n\n请报价。"),
        ("<p>Добрый день!<p>Пришлите счёт.", "Добрый день!\n\nПришлите счёт."),
    ],
)
def test_paragraphs_are_separated_by_a_blank_line(html, expected):
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p class=MsoNormal>Hello,<o:p></o:p></p><p class=MsoNormal>&nbsp;</p>'
         '<p class=MsoNormal>please send 5 rolls.</p><p class=MsoNormal>Tom</p>',
         "Hello,\n\nplease send 5 rolls.\nTom"),
        ('<p style="margin:0">Строка один</p><p style="margin: 0px;">Строка два</p>', "Строка один\nСтрока два"),
        ("<p>One</p><p>&nbsp;</p><p></p><p>Two</p>", "One\n\nTwo"),
        ("<div>One</div><div><br></div><div>Two</div><p>Three</p>", "One\n\nTwo\nThree"),
    ],
)
def test_blank_lines_are_not_doubled_and_tight_lines_stay_together(html, expected):
    assert html_to_text(html) == expected


def test_quoted_paragraphs_stay_quoted_with_their_blank_line():
    html = "<p>Ja, bitte.</p><blockquote><p>Liefern am Montag?</p><p>Gruß, Desk</p></blockquote>"
    assert html_to_text(html) == "Ja, bitte.\n> Liefern am Montag?\n>\n> Gruß, Desk"


def test_html_only_german_request_keeps_its_paragraphs_and_drops_the_quote():
    raw = (
        b"From: info@mueller-gmbh.example\r\nSubject: Anfrage\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        b"<html><head><style>p{color:red}</style></head><body><p>Sehr geehrte Damen und Herren,</p><p>wir ben=\r\n"
        b"&ouml;tigen ein Angebot f&uuml;r <b>10&nbsp;Paletten</b> pro Monat.</p><p>Mit freundlichen Gr&uuml;&szlig;"
        b"en<br>Klaus M&uuml;ller</p><div class=3D\"gmail_quote\">Am 1.12.2026 schrieb desk:<blockquote>alt"
        b"</blockquote></div></body></html>"
    )
    assert new_text(parse_mime(raw).text) == (
        "Sehr geehrte Damen und Herren,\n\nwir benötigen ein Angebot für 10 Paletten pro Monat."
    )


def test_an_empty_first_paragraph_gives_no_blank_line():
    assert html_to_text("<p></p><p>Hallo,</p><p>bitte liefern.</p>") == "Hallo,\n\nbitte liefern."

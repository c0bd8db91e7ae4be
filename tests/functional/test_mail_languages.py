"""Mail in a language without templates, through the inbound path: stored in its own language and category,
acknowledged in English, assigned to someone who can answer it."""
from __future__ import annotations

import hashlib
from email.message import EmailMessage

import pytest


def _mail(subject: str, body: str, sender: str = "kunde@example.de") -> bytes:
    message = EmailMessage()
    message["From"] = f"Kunde <{sender}>"
    message["To"] = "desk@requestflow.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{hashlib.sha256(subject.encode()).hexdigest()[:16]}@example.de>"
    message["Date"] = "Mon, 02 Nov 2026 09:15:00 +0100"
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


@pytest.mark.parametrize("language, subject, body, category", [
    ("de", "Reklamation Auftrag 7781",
     "Guten Tag,\n\nvon zwanzig Rollen sind sechs beim Transport beschädigt worden. Wir bitten um Ersatz.\n\n"
     "Mit freundlichen Grüßen\nAnna Schmidt\nSchmidt Verpackungen GmbH", "complaint"),
    ("fr", "Facture 4471", "Bonjour,\n\nmerci de renvoyer la facture, le PDF ne s'ouvre pas.\n\nCordialement,\nJulien",
     "documents"),
    ("es", "Presupuesto", "Hola, ¿podrían enviarme un presupuesto para 40 rollos de film estirable al mes?", "order"),
])
def test_a_german_french_or_spanish_email_is_stored_in_its_language_and_acknowledged_in_english(
        desk, language, subject, body, category):
    outcome = desk.receive(_mail(subject, body))
    assert outcome.outcome == "created"
    request = desk.service.table.get_request(outcome.request_id)
    assert (request.language, request.category) == (language, category)
    [ack] = [m for m in desk.sent() if m["message_id"] == outcome.ack_message_id]
    assert ack["message"]["Content-Language"] == "en"
    assert "We have registered your request under the number" in ack["text"]
    assert "en" in desk.service.config.staff_member(outcome.assignee).languages


def test_a_japanese_email_is_stored_as_japanese_not_chinese_and_answered_in_english(desk):
    outcome = desk.receive(_mail("見積依頼", "ストレッチフィルム500mmを月に20ロールお願いします。", "yamada@example.jp"))
    request = desk.service.table.get_request(outcome.request_id)
    assert request.language == "ja"
    [ack] = [m for m in desk.sent() if m["message_id"] == outcome.ack_message_id]
    assert ack["message"]["Content-Language"] == "en"


def test_a_chinese_email_is_still_answered_in_chinese(desk):
    outcome = desk.receive(_mail("询价", "您好，请报价500mm缠绕膜，每月大约300卷。", "wang@example.cn"))
    request = desk.service.table.get_request(outcome.request_id)
    assert (request.language, request.category) == ("zh", "order")
    [ack] = [m for m in desk.sent() if m["message_id"] == outcome.ack_message_id]
    assert ack["message"]["Content-Language"] == "zh"
    assert desk.service.config.staff_member(outcome.assignee).id == "li"

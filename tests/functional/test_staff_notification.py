"""What staff see is complete: the notification carries what they need to answer, in their language."""
from __future__ import annotations

import json
from pathlib import Path

from chalice.test import Client

from app import app

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def _notification(desk, outcome):
    member = desk.service.config.staff_member(outcome.assignee)
    return member, desk.sent_to(str(member.email))[-1]["text"]


def test_the_notification_lists_the_attachments_with_their_sizes(desk):
    outcome = desk.receive((CORPUS / "new_17_en_outlook_mixed_pdf_png_docx_order.eml").read_bytes())
    _, text = _notification(desk, outcome)
    for attachment in outcome.attachments:
        assert attachment["filename"] in text
    assert " KB)" in text or " B)" in text


def test_the_signature_cut_from_the_text_reaches_staff_with_the_phone_number(desk):
    raw = ("From: Hans Becker <h.becker@verpackung-becker.de>\r\nTo: desk@requestflow.example\r\n"
           "Subject: Stretch film offer\r\nMessage-ID: <sig1@becker>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Please send us an offer for 30 rolls of stretch film.\r\n\r\n--\r\nHans Becker\r\nEinkauf\r\n"
           "Tel. +49 40 1234 5678\r\n").encode()
    outcome = desk.receive(raw)
    assert "+49 40 1234 5678" not in outcome.text, "the stored text has no signature"
    _, text = _notification(desk, outcome)
    assert "+49 40 1234 5678" in text and "Hans Becker" in text


def test_a_form_request_shows_staff_the_phone_and_the_facts_with_translated_labels(desk):
    with Client(app, stage_name="dev") as client:
        body = {"name": "Анна Соколова", "email": "anna@example.com", "phone": "+7 912 345-67-89",
                "category": "order", "subject": "Заказ плёнки", "message": "Нужна стрейч-плёнка 23 мкм.",
                "fact_monthly_need": "40 рулонов в месяц"}
        response = client.http.post("/requests", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    request = desk.service.table.get_request(json.loads(response.body)["request_id"])
    member = desk.service.config.staff_member(request.assignee)
    text = desk.sent_to(str(member.email))[-1]["text"]
    assert "+7 912 345-67-89" in text and "40 рулонов в месяц" in text
    assert member.languages[0] == "ru", "a Russian request goes to a Russian speaker"
    assert "Приоритет:  обычный" in text and "Категория:  Заказ" in text
    assert "ежемесячная потребность" in text


def test_staff_who_read_chinese_get_the_notification_in_chinese(desk):
    raw = ("From: 王先生 <wang@example.cn>\r\nTo: desk@requestflow.example\r\nSubject: 询价：缠绕膜\r\n"
           "Message-ID: <zh1@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "请问缠绕膜23微米的价格是多少？我们每月需要200卷。\r\n").encode()
    outcome = desk.receive(raw)
    member, text = _notification(desk, outcome)
    assert member.languages[0] == "zh", "a Chinese request goes to a Chinese speaker"
    assert "优先级：普通" in text and "直接回复此邮件即可答复客户" in text

"""Standard replies: `#reply <name>` in a staff reply, or the request page's button, sends a configured text
to the customer in their language, in their thread, like any staff answer."""
from __future__ import annotations

import re

import pytest
from chalice.test import Client

from app import app

from .test_staff_answers import customer_mail, notification_of, staff_reply
from .test_staff_pages import FORM, sign_in, text_of

RU_CUSTOMER = "i.sidorov@upakovka-market.ru"
ZH_CUSTOMER = "wang.fang@huadong-pack.cn"
DE_CUSTOMER = "k.mueller@lager-mueller.de"


def mail_from(address: str, name: str, subject: str, body: str, mid: str) -> bytes:
    return (f"From: {name} <{address}>\r\nTo: desk@requestflow.example\r\nSubject: {subject}\r\n"
            f"Message-ID: {mid}\r\nDate: Mon, 2 Nov 2026 08:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


RUSSIAN_QUESTION = mail_from(RU_CUSTOMER, "Иван Сидоров", "Вопрос по стрейч-плёнке",
                             "Добрый день! Подскажите, пожалуйста, какие у вас есть виды стрейч-плёнки и "
                             "можно ли получить консультацию по выбору?\r\n\r\nИван Сидоров\r\n", "<ru1@upakovka>")
CHINESE_QUESTION = mail_from(ZH_CUSTOMER, "Wang Fang", "请问缠绕膜",
                             "您好！请问你们的缠绕膜有哪些规格？是否可以提供样品？\r\n\r\n王芳\r\n", "<zh1@huadong>")
GERMAN_QUESTION = mail_from(DE_CUSTOMER, "Klaus Müller", "Frage zu Stretchfolie",
                            "Guten Tag, können Sie uns sagen, welche Stretchfolien Sie anbieten und ob es "
                            "möglich ist, Muster zu bekommen?\r\n\r\nKlaus Müller\r\n", "<de1@lager>")


def opened_by(desk, raw: bytes):
    outcome = desk.receive(raw)
    assert outcome.outcome == "created"
    member = desk.service.config.staff_member(outcome.assignee)
    return outcome, str(member.email), notification_of(desk, str(member.email))


def reply(desk, note: dict, staff: str, body: str, mid: str = "<s1@requestflow.example>"):
    return desk.receive(staff_reply(note, staff, body, mid=mid), [str(note["message"]["Reply-To"])])


def mail_to(desk, address: str) -> list[dict]:
    return [m for m in desk.sent_to(address) if "Auto-Submitted" not in m["message"]]


def status_page(desk, outcome, address: str) -> str:
    """The customer's status page, opened from the link in their acknowledgement."""
    [ack] = [m for m in desk.sent_to(address) if m["message_id"] == outcome.ack_message_id]
    path = re.search(r"https?://[^/\s]+(/status/\S+)", ack["text"]).group(1)
    with Client(app) as status_client:
        return text_of(status_client.http.get(path).body)


def events_of(desk, request_id: str, name: str) -> list[dict]:
    return [e for e in desk.service.table.events(request_id) if e["event"] == name]


def test_hash_reply_sends_the_price_list_in_russian_to_a_russian_customer_in_their_thread(desk):
    outcome, staff, note = opened_by(desk, RUSSIAN_QUESTION)
    assert outcome.language == "ru" and outcome.category == "question"
    result = reply(desk, note, staff, "#reply price_list\r\nИван, добрый день! Высылаю цены.")
    assert result.staff_action == "answered" and result.answer_message_id
    [answer] = mail_to(desk, RU_CUSTOMER)
    text = answer["text"]
    assert "Здравствуйте, Иван Сидоров!" in text and "Стрейч-плёнка 500 мм × 23 мкм" in text
    assert f"по заявке {outcome.ticket}" in text, "the ticket placeholder is filled"
    assert text.index("Высылаю цены.") < text.index("Здравствуйте, Иван Сидоров!"), "own words come first"
    assert "#reply" not in text and "{" not in text
    staff_name = desk.service.config.staff_member(outcome.assignee).name
    assert staff_name in text, "signed by the staff member, as any answer"
    message = answer["message"]
    assert message["In-Reply-To"] == "<ru1@upakovka>" and f"[#{outcome.ticket}]" in answer["subject"]
    assert message["Reply-To"] == outcome.reply_to
    request = desk.service.table.get_request(outcome.request_id)
    assert request.status == "waiting_customer" and request.first_response_at
    [replied] = events_of(desk, outcome.request_id, "staff_replied")
    assert replied["template"] == "price_list"
    assert len(events_of(desk, outcome.request_id, "first_response")) == 1
    shown = status_page(desk, outcome, RU_CUSTOMER)
    assert "Высылаю цены." in shown and "Стрейч-плёнка 500 мм × 23 мкм" in shown, \
        "the customer's status page shows the answer as sent"


@pytest.mark.parametrize("raw, address, words", [
    (CHINESE_QUESTION, ZH_CUSTOMER, "Wang Fang，您好！\n\n我们的交货条款如下"),
    (customer_mail(), "p.devries@maasvlakte-logistics.nl", "Dear Pieter de Vries,\n\nour delivery terms"),
    (GERMAN_QUESTION, DE_CUSTOMER, "Dear Klaus Müller,\n\nour delivery terms"),
])
def test_the_customer_reads_the_reply_in_their_language_and_english_otherwise(desk, raw, address, words):
    outcome, staff, note = opened_by(desk, raw)
    reply(desk, note, staff, "#reply delivery_terms")
    [answer] = mail_to(desk, address)
    assert words in answer["text"]
    assert outcome.ticket in answer["text"]


def test_the_assignees_notification_names_the_replies_of_the_category(desk):
    _, _, note = opened_by(desk, customer_mail())
    assert "#reply <название>  отправить стандартный ответ: price_list, delivery_terms" in note["text"]


def test_an_unknown_name_gets_the_staff_member_the_list_and_the_customer_nothing(desk):
    outcome, staff, note = opened_by(desk, customer_mail())
    before = len(desk.sent_to(staff))
    result = reply(desk, note, staff, "#reply pricelist\r\nHere you are.")
    assert result.staff_action == "unknown_reply"
    assert mail_to(desk, "p.devries@maasvlakte-logistics.nl") == []
    [notice] = desk.sent_to(staff)[before:]
    assert "pricelist" in notice["text"]
    for offered in ("#reply price_list", "#reply delivery_terms"):
        assert offered in notice["text"]
    assert "#reply documents" not in notice["text"], "only the replies of this request's category are listed"
    assert notice["message"]["In-Reply-To"] == "<s1@requestflow.example>"
    request = desk.service.table.get_request(outcome.request_id)
    assert request.status == "new" and not request.first_response_at
    assert "template" not in events_of(desk, outcome.request_id, "staff_replied")[0]
    assert "Here you are." not in status_page(desk, outcome, "p.devries@maasvlakte-logistics.nl"), \
        "what was not sent is not on the customer's page"


def test_a_reply_of_another_category_is_refused_and_the_list_is_in_the_staff_members_language(desk):
    outcome, staff, note = opened_by(desk, customer_mail())
    assert outcome.category == "question"
    before = len(desk.sent_to(staff))
    reply(desk, note, staff, "#reply documents")
    [notice] = desk.sent_to(staff)[before:]
    assert "для этой категории он не предусмотрен" in notice["text"], "Olga reads Russian"
    assert "#reply price_list   (Прайс-лист)" in notice["text"]
    assert mail_to(desk, "p.devries@maasvlakte-logistics.nl") == []


def test_reply_with_resolve_sends_the_text_and_resolves(desk):
    outcome, staff, note = opened_by(desk, customer_mail())
    result = reply(desk, note, staff, "#reply delivery_terms #resolve")
    assert result.staff_action == "resolved"
    [answer] = mail_to(desk, "p.devries@maasvlakte-logistics.nl")
    assert "our delivery terms" in answer["text"] and "resolved" in answer["text"]
    assert desk.service.table.get_request(outcome.request_id).status == "resolved"


def test_the_same_reply_mail_delivered_twice_sends_one_answer(desk):
    outcome, staff, note = opened_by(desk, customer_mail())
    raw = staff_reply(note, staff, "#reply price_list")
    for _ in range(2):
        desk.receive(raw, [str(note["message"]["Reply-To"])])
    assert len(mail_to(desk, "p.devries@maasvlakte-logistics.nl")) == 1
    assert len(events_of(desk, outcome.request_id, "staff_replied")) == 1


# --- the request page -------------------------------------------------------------------------------


@pytest.fixture
def client(desk):
    with Client(app, stage_name="dev") as test_client:
        yield test_client


def page_of(client, desk, request_id: str, staff_id: str, query: str = ""):
    cookie, _ = sign_in(client, desk.service.signin_links.url(staff_id))
    page = client.http.get(f"/staff/requests/{request_id}{query}", headers={"Cookie": cookie})
    assert page.status_code == 200
    return cookie, page.body


def reply_form(body: bytes, name: str) -> dict:
    html = body.decode()
    form = re.search(r'<form method="post" action="([^"]+)">((?:(?!</form>).)*name="name" value="'
                     + name + r'"(?:(?!</form>).)*)</form>', html, re.S)
    assert form, f"no form for {name}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    return {"action": form.group(1), **fields}


def post_reply(client, cookie: str, request_id: str, form: dict, **extra):
    from urllib.parse import urlencode

    fields = {k: v for k, v in form.items() if k != "action"} | extra
    return client.http.post(f"/staff/requests/{form['action']}", headers={**FORM, "Cookie": cookie},
                            body=urlencode(fields))


def test_the_page_offers_the_categorys_replies_with_a_preview_in_the_customers_language(client, desk):
    outcome, _, _ = opened_by(desk, RUSSIAN_QUESTION)
    _, body = page_of(client, desk, outcome.request_id, outcome.assignee, "?lang=en")
    shown = text_of(body)
    assert "Standard replies" in shown and "Price list" in shown and "Delivery terms" in shown
    assert "Documents: invoice" not in shown, "a question is not offered the documents reply"
    assert "Здравствуйте, Иван Сидоров!" in shown, "the preview is what the Russian customer will read"
    assert 'lang="ru"' in body.decode()
    assert shown.count("Send this reply") == 2
    html = body.decode()
    assert '<label for="rf-reply-price_list-text">' in html and "<script" not in html


def test_the_page_is_in_the_staff_members_language(client, desk):
    outcome, _, _ = opened_by(desk, customer_mail())
    _, body = page_of(client, desk, outcome.request_id, outcome.assignee)
    shown = text_of(body)
    assert "Стандартные ответы" in shown and "Прайс-лист" in shown and "Отправить этот ответ" in shown
    assert "Dear Pieter de Vries," in shown


def test_sending_from_the_page_answers_once_even_when_posted_twice(client, desk):
    outcome, _, _ = opened_by(desk, customer_mail())
    cookie, body = page_of(client, desk, outcome.request_id, outcome.assignee)
    form = reply_form(body, "price_list")
    first = post_reply(client, cookie, outcome.request_id, form, text="Pieter, as promised.")
    again = post_reply(client, cookie, outcome.request_id, form, text="Pieter, as promised.")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"].startswith(f"../{outcome.request_id}")
    [answer] = mail_to(desk, "p.devries@maasvlakte-logistics.nl")
    assert answer["text"].startswith("Pieter, as promised.") and "Stretch film 500 mm × 23 µm" in answer["text"]
    assert answer["message"]["In-Reply-To"] == "<c1@maasvlakte>"
    request = desk.service.table.get_request(outcome.request_id)
    assert request.status == "waiting_customer" and request.first_response_at
    [replied] = events_of(desk, outcome.request_id, "staff_replied")
    assert replied["template"] == "price_list" and replied["author"] == outcome.assignee
    page = client.http.get(f"/staff/requests/{outcome.request_id}", headers={"Cookie": cookie})
    shown = text_of(page.body)
    assert "Ответ клиенту" in shown and "Pieter, as promised." in shown, "the answer shows in the conversation"
    assert re.search(r"Ответ сотрудника\s+\S+ \S+\s+Прайс-лист", shown), "the history names the reply"
    on_status_page = status_page(desk, outcome, "p.devries@maasvlakte-logistics.nl")
    assert "Pieter, as promised." in on_status_page and "Stretch film 500 mm × 23 µm" in on_status_page
    assert on_status_page.count("Pieter, as promised.") == 1


def test_another_reply_from_the_same_page_is_sent_too_and_can_resolve(client, desk):
    outcome, _, _ = opened_by(desk, customer_mail())
    cookie, body = page_of(client, desk, outcome.request_id, outcome.assignee)
    post_reply(client, cookie, outcome.request_id, reply_form(body, "price_list"))
    post_reply(client, cookie, outcome.request_id, reply_form(body, "delivery_terms"), resolve="yes")
    answers = mail_to(desk, "p.devries@maasvlakte-logistics.nl")
    assert len(answers) == 2 and "our delivery terms" in answers[1]["text"]
    assert desk.service.table.get_request(outcome.request_id).status == "resolved"


def test_a_post_without_the_sessions_csrf_token_or_with_an_unknown_reply_sends_nothing(client, desk):
    outcome, _, _ = opened_by(desk, customer_mail())
    cookie, body = page_of(client, desk, outcome.request_id, outcome.assignee)
    form = reply_form(body, "price_list")
    forged = post_reply(client, cookie, outcome.request_id, form, csrf="forged")
    assert forged.status_code == 403
    unknown = post_reply(client, cookie, outcome.request_id, form, name="documents")
    assert unknown.status_code == 404 and "Такого стандартного ответа нет" in text_of(unknown.body)
    assert mail_to(desk, "p.devries@maasvlakte-logistics.nl") == []
    assert desk.service.table.get_request(outcome.request_id).status == "new"

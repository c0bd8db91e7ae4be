"""What a customer sees of the desk in a real browser: the form, the answer pages, the acknowledgement.

Every test uses its own email address: the desk limits posts (5 an hour) and automatic replies
(3 an hour) per address, and all tests share one running desk.
"""
from __future__ import annotations

import json
import re
import urllib.request
import uuid
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .desk import sent_mail

TICKET = re.compile(r"RF-\d{4}-\d{4,}")
HOSTILE = "<script>alert(1)</script> {{7*7}} <img src=x onerror=alert(1)>"
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def address(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def fill_form(page, *, name, email, subject, message, category=None, facts=None):
    """Fill the visible form the way a person does: by the labels they read."""
    texts = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('label[for]')]
                               .map(l => [l.htmlFor, l.textContent.trim()]))""")
    page.get_by_label(texts["rf-name"], exact=True).fill(name)
    page.get_by_label(texts["rf-email"], exact=True).fill(email)
    if category:
        page.get_by_label(texts["rf-category"], exact=True).select_option(label=category)
    page.get_by_label(texts["rf-subject"], exact=True).fill(subject)
    page.get_by_label(texts["rf-message"], exact=True).fill(message)
    for field_id, value in (facts or {}).items():
        page.locator(f"#{field_id}").fill(value)


def submit(page):
    with page.expect_navigation():
        page.get_by_role("button").click()


def assert_no_injected_markup(page_or_frame):
    """Hostile text must stay text: no script or img[src=x] element may come out of it."""
    assert page_or_frame.locator("script").count() == 0
    assert page_or_frame.locator("img[src='x']").count() == 0




def open_ack_in_outbox(page, desk_url: str, ticket: str, customer: str):
    """Open the outbox index and follow the mail to the customer whose subject carries the ticket
    (the assignee's notification has the same subject, but goes to staff)."""
    page.goto(f"{desk_url}/_local/outbox.html")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ticket)).filter(has_text=customer)
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(page.locator("table")).to_contain_text(ticket)
    return page.frame_locator("iframe[title='message']")


def test_a_customer_sends_the_english_form_and_gets_a_ticket_with_a_working_status_link(page, desk_url,
                                                                                        shots):
    page.goto(f"{desk_url}/form?lang=en")
    expect(page).to_have_title(re.compile("Send us a request"))
    page.screenshot(path=str(shots / "form-en.png"), full_page=True)
    fill_form(page, name="Anna Example", email=address("anna"), subject="Stretch film 500 mm",
              message="We need 40 rolls of stretch film.\nPlease send a quote.",
              category="Order or quote", facts={"rf-fact-monthly-need": "40 rolls per month"})
    submit(page)

    expect(page.locator("h1")).to_have_text("Thank you! We have received your request.")
    ticket = page.locator(".ticket").inner_text().strip()
    assert TICKET.fullmatch(ticket), ticket
    page.screenshot(path=str(shots / "submitted-en.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("link", name="See the status of your request").click()
    assert "/status/" in page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1 .ticket")).to_have_text(ticket)
    expect(page.locator("dl")).to_contain_text("Stretch film 500 mm")
    expect(page.locator("dl")).to_contain_text("Order or quote")
    assert page.dialogs == []


def test_switching_language_on_the_success_page_keeps_the_ticket_in_view(page, desk_url):
    page.goto(f"{desk_url}/form?lang=en")
    fill_form(page, name="Anna Example", email=address("switch"), subject="Film samples",
              message="Could you send samples?")
    submit(page)
    ticket = page.locator(".ticket").inner_text().strip()
    with page.expect_navigation() as navigation:
        page.get_by_role("navigation").get_by_role("link", name="Русский").click()
    assert navigation.value.ok, f"{navigation.value.status} at {page.url}"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1 .ticket")).to_have_text(ticket)
    expect(page.locator("dl")).to_contain_text("Номер запроса")


def test_the_russian_form_speaks_russian_and_so_does_the_success_page(page, desk_url):
    page.goto(f"{desk_url}/form?lang=ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Отправьте нам запрос")
    for label in ("Ваше имя", "Электронная почта", "Тема", "Сообщение"):
        expect(page.get_by_label(label, exact=True)).to_have_count(1)
    expect(page.get_by_role("button")).to_have_text("Отправить запрос")
    fill_form(page, name="Иван Петров", email=address("ivan"), subject="Вопрос о плёнке",
              message="Подскажите, пожалуйста, какая плёнка подойдёт для паллет?")
    submit(page)

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Спасибо! Мы получили ваш запрос.")
    expect(page.get_by_text("Номер вашего запроса")).to_be_visible()
    ticket = page.locator(".ticket").inner_text().strip()
    assert TICKET.fullmatch(ticket)
    with page.expect_navigation():
        page.get_by_role("link", name="Посмотреть статус запроса").click()
    expect(page.locator("h1 .ticket")).to_have_text(ticket)
    expect(page.locator("dl")).to_contain_text("Вопрос о плёнке")
    assert page.dialogs == []


def test_an_invalid_email_is_pointed_out_and_everything_typed_is_kept(page, desk_url):
    page.goto(f"{desk_url}/form?lang=en")
    # "anna@example" passes the browser's own type=email check, so it is the desk that refuses it:
    # the mistake a real typo makes.
    fill_form(page, name="Anna Example", email="anna@example", subject="Pallet wrap",
              message="Line one\nLine two", category="Complaint")
    with page.expect_navigation() as navigation:
        page.get_by_role("button").click()
    assert navigation.value.status == 400

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Please correct the following:")
    expect(summary.get_by_role("link")).to_have_text(
        "Email: Enter a valid email address, like name@example.com.")
    email_box = page.get_by_label("Email", exact=True)
    expect(email_box).to_have_attribute("aria-invalid", "true")
    expect(email_box).to_have_accessible_description(re.compile("Enter a valid email address"))
    for field in ("Your name", "Subject", "Message"):
        expect(page.get_by_label(field, exact=True)).not_to_have_attribute("aria-invalid", "true")

    expect(email_box).to_have_value("anna@example")
    expect(page.get_by_label("Your name", exact=True)).to_have_value("Anna Example")
    expect(page.get_by_label("Subject", exact=True)).to_have_value("Pallet wrap")
    expect(page.get_by_label("Message", exact=True)).to_have_value("Line one\nLine two")
    expect(page.get_by_label("Topic (optional)", exact=True)).to_have_value("complaint")

    summary.get_by_role("link").click()
    expect(email_box).to_be_focused()

    email_box.fill(address("anna"))
    submit(page)
    assert TICKET.fullmatch(page.locator(".ticket").inner_text().strip())
    assert page.dialogs == []


def test_text_that_looks_like_code_is_shown_exactly_as_typed_everywhere(page, desk_url):
    customer = address("mallory")
    page.goto(f"{desk_url}/form?lang=en")
    fill_form(page, name="Mallory", email="mallory@example", subject=HOSTILE,
              message=f"Hello\n{HOSTILE}\nBye")
    submit(page)
    # re-shown after a validation error: the values come back as typed, nothing runs
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Subject", exact=True)).to_have_value(HOSTILE)
    expect(page.get_by_label("Message", exact=True)).to_have_value(f"Hello\n{HOSTILE}\nBye")
    assert_no_injected_markup(page)

    page.get_by_label("Email", exact=True).fill(customer)
    submit(page)
    ticket = page.locator(".ticket").inner_text().strip()
    assert TICKET.fullmatch(ticket)

    with page.expect_navigation():
        page.get_by_role("link", name="See the status of your request").click()
    subject = page.locator("dt", has_text="Subject").locator("xpath=following-sibling::dd[1]")
    expect(subject).to_have_text(HOSTILE)
    assert_no_injected_markup(page)

    message = open_ack_in_outbox(page, desk_url, ticket, customer)
    body = message.locator("body")
    expect(body).to_contain_text(ticket)
    expect(body).to_contain_text(f"Subject: {HOSTILE}")
    expect(message.locator("blockquote")).to_contain_text(HOSTILE)
    text = body.inner_text()
    assert "{{7*7}}" in text and "</script> 49 <img" not in text
    assert_no_injected_markup(message)
    assert_no_injected_markup(page)
    ack = next(m for m in sent_mail(desk_url) if customer in m["to"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ack["html"]
    assert page.dialogs == []


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_every_form_control_has_a_label_and_the_page_says_its_language(page, desk_url, lang):
    page.goto(f"{desk_url}/form?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    controls = page.locator("input:not([type=hidden]), select, textarea")
    checked = 0
    for i in range(controls.count()):
        control = controls.nth(i)
        if control.evaluate("e => !!e.closest('[aria-hidden=true]')"):
            continue  # the honeypot: hidden from people and screen readers alike
        field_id = control.get_attribute("id")
        assert field_id, control.evaluate("e => e.outerHTML")
        label = page.locator(f"label[for='{field_id}']")
        expect(label).to_have_count(1)
        text = label.inner_text().strip()
        assert text, f"empty label for #{field_id}"
        expect(control).to_have_accessible_name(text)
        assert field_id in page.get_by_label(text, exact=True).evaluate_all("els => els.map(e => e.id)")
        checked += 1
    assert checked >= 7  # name, email, phone, topic, subject, message and at least one fact


def test_the_form_works_with_javascript_turned_off(new_page, desk_url):
    page = new_page(java_script_enabled=False)
    page.set_content("<title>before</title><script>document.title = 'script ran'</script>")
    assert page.title() == "before", "this context runs page scripts after all"
    page.goto(f"{desk_url}/form?lang=en")
    expect(page.locator("noscript, script")).to_have_count(0)
    fill_form(page, name="No Script", email=address("noscript"), subject="Plain HTML please",
              message="Sent without JavaScript.")
    submit(page)
    expect(page.locator("h1")).to_have_text("Thank you! We have received your request.")
    assert TICKET.fullmatch(page.locator(".ticket").inner_text().strip())
    assert page.dialogs == []


def test_a_russian_email_gets_an_acknowledgement_the_customer_can_read(page, desk_url, shots):
    raw = (CORPUS / "new_02_ru_utf8_8bit_roundcube_order_2t.eml").read_bytes()
    customer = message_from_bytes(raw, policy=email_policy.default)["From"].addresses[0].addr_spec
    request = urllib.request.Request(f"{desk_url}/_local/inbound", data=raw, method="POST",
                                     headers={"Content-Type": "message/rfc822"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        outcome = json.load(answer)
    assert outcome["outcome"] == "created", outcome
    assert outcome["language"] == "ru"
    ticket = outcome["ticket"]
    assert TICKET.fullmatch(ticket), outcome
    assert outcome["ack_message_id"], outcome

    message = open_ack_in_outbox(page, desk_url, ticket, customer)
    expect(page.locator("table")).to_contain_text(outcome["ack_message_id"])
    body = message.locator("body")
    expect(body).to_contain_text(ticket)
    expect(body).to_contain_text("Ежемесячная потребность — 2 тонны")
    expect(message.locator("html")).to_have_attribute("lang", "ru")
    assert re.search(r"[А-Яа-яЁё]{5,}", body.inner_text())
    page.screenshot(path=str(shots / "ack-ru.png"), full_page=True)
    assert page.dialogs == []


def test_on_a_small_phone_the_ticket_number_stays_on_one_line(new_page, desk_url):
    page = new_page(viewport={"width": 320, "height": 640}, is_mobile=True)
    page.goto(f"{desk_url}/form?lang=en")
    fill_form(page, name="Small Screen", email=address("phone"), subject="Film on a phone",
              message="Typed on a small phone.")
    submit(page)
    one_line = """e => { const r = document.createRange(); r.selectNodeContents(e);
                         return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size === 1; }"""
    sideways = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
    assert page.locator(".ticket").evaluate(one_line), "ticket broken over lines on the success page"
    assert not page.evaluate(sideways)
    with page.expect_navigation():
        page.get_by_role("link", name="See the status of your request").click()
    assert page.locator("h1 .ticket").evaluate(one_line), "ticket broken over lines on the status page"
    assert not page.evaluate(sideways)


def test_the_acknowledgement_subject_keeps_every_word_of_a_long_russian_subject(page, desk_url):
    customer = address("olga")
    subject = "Заявка на плёнку для упаковки — ежемесячная потребность"
    page.goto(f"{desk_url}/form?lang=ru")
    fill_form(page, name="Ольга", email=customer, subject=subject,
              message="Нужно 2 тонны плёнки в месяц.")
    submit(page)
    ticket = page.locator(".ticket").inner_text().strip()
    open_ack_in_outbox(page, desk_url, ticket, customer)
    subject_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="subject"))
    # Python 3.11's EmailMessage folding used to drop the space in "плёнку для" (cpython gh-92081)
    expect(subject_row).to_contain_text(subject)


# --- language of status and error pages ------------------------------------------------------------

def test_the_status_page_of_a_russian_request_stays_russian_on_an_english_browser(page, desk_url):
    page.goto(f"{desk_url}/form?lang=ru")
    fill_form(page, name="Иван Петров", email=address("ivan"), subject="Статус по-русски",
              message="Подскажите, пожалуйста, сроки поставки?")
    submit(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Посмотреть статус запроса").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru", timeout=1_000)


def test_a_chinese_reader_sees_the_status_in_chinese(page, desk_url):
    page.goto(f"{desk_url}/form?lang=zh")
    fill_form(page, name="李雷", email=address("li"), subject="薄膜报价",
              message="请问每月两吨的价格是多少？")
    submit(page)
    with page.expect_navigation():
        page.get_by_role("link", name="查看请求状态").click()
    page.goto(page.url + "?lang=zh")
    status = page.locator("dt", has_text="状态").locator("xpath=following-sibling::dd[1]")
    expect(status).not_to_have_text("new", timeout=1_000)


def test_a_chinese_reader_of_a_broken_status_link_is_not_answered_in_russian(page, desk_url):
    page.goto(f"{desk_url}/status/not-a-token?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("main p").first).not_to_contain_text("Ссылка", timeout=1_000)


@pytest.mark.parametrize("lang, topic, hint, asked", [
    ("ru", "Заказ или расчёт цены", "поможет нам ответить быстрее", "ваша ежемесячная потребность"),
    ("en", "Order or quote", "helps us answer faster", "your monthly need"),
])
def test_an_order_without_the_monthly_need_is_sent_and_the_acknowledgement_asks_for_it(page, desk_url, lang,
                                                                                      topic, hint, asked):
    page.goto(f"{desk_url}/form?lang={lang}")
    need = page.locator("#rf-fact-monthly-need")
    expect(need).not_to_have_attribute("required", re.compile(".*"))
    expect(page.locator(f"#{need.get_attribute('aria-describedby').split()[0]}")).to_contain_text(hint)
    customer = address(f"noneed-{lang}")
    fill_form(page, name="Ольга Смирнова" if lang == "ru" else "Olga Example", email=customer,
              subject="Стрейч-плёнка" if lang == "ru" else "Stretch film",
              message="Пришлите цену на плёнку 23 мкм." if lang == "ru" else "Please quote film, 23 micron.",
              category=topic)
    submit(page)

    expect(page.locator(".error")).to_have_count(0)
    ticket = page.locator(".ticket").inner_text().strip()
    assert TICKET.fullmatch(ticket)
    message = open_ack_in_outbox(page, desk_url, ticket, customer)
    expect(message.locator("li")).to_contain_text(asked)
    assert page.dialogs == []


@pytest.mark.parametrize("query, lang, title", [("?lang=ru", "ru", "Отправьте нам запрос"),
                                               ("?lang=zh", "zh", "向我们提交请求"),
                                               ("", "en", "Send us a request")])
def test_opening_the_requests_address_in_a_browser_lands_on_the_form(page, desk_url, query, lang, title):
    answer = page.goto(f"{desk_url}/requests{query}")
    assert answer.ok, f"{answer.status} at {page.url}"
    assert page.url == f"{desk_url}/form{query}"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_role("button")).to_be_visible()


def test_reloading_after_a_failed_post_shows_the_form_not_an_error(page, desk_url):
    page.goto(f"{desk_url}/form?lang=ru")
    fill_form(page, name="Иван", email="ivan@example", subject="Вопрос", message="Есть ли плёнка 30 мкм?")
    submit(page)
    expect(page.locator(".error")).to_have_count(1)
    answer = page.goto(page.url)
    assert answer.ok and page.url.endswith("/form?lang=ru")
    expect(page.locator("h1")).to_have_text("Отправьте нам запрос")

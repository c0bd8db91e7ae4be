"""A colleague sends a standard reply from the request's page in a real browser, without JavaScript."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from .test_form_in_browser import fill_form, submit
from .test_staff_pages_in_browser import STAFF_DOMAIN, sent_mail, staff_links, wait_for_mail


def test_the_price_list_goes_from_the_page_to_the_russian_customer_in_russian(new_page, desk_url, shots):
    customer_address = f"anna-{uuid.uuid4().hex[:8]}@example.com"
    customer = new_page(locale="ru-RU")
    customer.goto(f"{desk_url}/form?lang=ru")
    fill_form(customer, name="Анна Соколова", email=customer_address, subject="Вопрос о ценах на плёнку",
              message="Подскажите, какие у вас цены на стретч-плёнку для паллет?")
    submit(customer)
    ticket = customer.locator(".ticket").inner_text().strip()
    notification = wait_for_mail(desk_url, lambda m: ticket in m["subject"] and m["to"][0].endswith(STAFF_DOMAIN))
    [link] = staff_links(notification)

    page = new_page(locale="ru-RU", java_script_enabled=False)
    page.goto(link)
    assert page.url == f"{desk_url}/staff/requests/{ticket}"
    section = page.get_by_role("region", name="Стандартные ответы")
    expect(section).to_be_visible()
    price_list = section.get_by_role("article", name="Прайс-лист")
    price_list.get_by_text("Просмотр").click()
    preview = price_list.locator('[lang="ru"]')
    expect(preview).to_contain_text("Здравствуйте, Анна Соколова!")
    expect(preview).to_contain_text(f"по заявке {ticket}")
    price_list.get_by_label("Ваш текст перед ним (необязательно)").fill("Анна, добрый день! Цены ниже.")
    page.screenshot(path=str(shots / "standard-replies-ru.png"), full_page=True)
    form = price_list.locator("form")
    fields = {name: form.locator(f'[name="{name}"]').input_value() for name in ("csrf", "once", "name", "text")}
    action = form.evaluate("f => f.action")
    with page.expect_navigation():
        price_list.get_by_role("button", name="Отправить этот ответ").click()
    assert page.url.startswith(f"{desk_url}/staff/requests/{ticket}")

    answer = wait_for_mail(desk_url, lambda m: m["to"] == [customer_address] and "Анна, добрый день!" in m["text"])
    assert answer["text"].index("Анна, добрый день!") < answer["text"].index("Здравствуйте, Анна Соколова!")
    assert "Стрейч-плёнка 500 мм × 23 мкм" in answer["text"] and f"[#{ticket}]" in answer["subject"]
    expect(page.locator(".conversation")).to_contain_text("Цены ниже.")
    expect(page.get_by_role("table", name="Что происходило с заявкой, по порядку")).to_contain_text("Прайс-лист")

    again = page.request.post(action, form=fields)
    assert again.ok, "the same form sent again (a double click) answers like the first"
    answers = [m for m in sent_mail(desk_url) if m["to"] == [customer_address] and "Цены ниже." in m["text"]]
    assert len(answers) == 1, "and sends nothing more"
    assert page.dialogs == []

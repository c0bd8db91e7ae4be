"""What a staff member sees in a real browser: sign in by the emailed link, my work, a request, a note.

The desk is shared by all e2e tests, so which colleague gets a request depends on what came before:
each test finds the assignee in the notification the desk sent.
"""
from __future__ import annotations

import time
import uuid

from playwright.sync_api import expect

from .desk import sent_mail

from .test_form_in_browser import fill_form, submit

STAFF_DOMAIN = "@requestflow.example"


def wait_for_mail(desk_url: str, wanted, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in sent_mail(desk_url) if wanted(m)]
        if found:
            return found[-1]
        assert time.monotonic() < deadline, "the mail did not arrive"
        time.sleep(0.2)


def staff_links(mail: dict) -> list[str]:
    return [link for link in mail["links"] if "/staff/signin/" in link]


def russian_request(page, desk_url: str) -> tuple[str, str]:
    """A Russian customer's request through the form: its ticket and the assignee's address."""
    page.goto(f"{desk_url}/form?lang=ru")
    fill_form(page, name="Анна Соколова", email=f"anna-{uuid.uuid4().hex[:8]}@example.com",
              subject="Вопрос о стретч-плёнке", message="Подскажите, какая плёнка подойдёт для паллет?")
    submit(page)
    ticket = page.locator(".ticket").inner_text().strip()
    notification = wait_for_mail(desk_url, lambda m: ticket in m["subject"] and m["to"][0].endswith(STAFF_DOMAIN))
    return ticket, notification["to"][0]


def test_a_russian_speaking_colleague_signs_in_by_email_sees_their_work_and_adds_a_note(new_page, desk_url, shots):
    customer = new_page(locale="ru-RU")
    ticket, staff = russian_request(customer, desk_url)

    page = new_page(locale="ru-RU", java_script_enabled=False)
    page.goto(f"{desk_url}/staff/work")
    assert page.url.startswith(f"{desk_url}/staff/signin"), "without a session the desk asks to sign in"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_label("Ваш рабочий адрес эл. почты").fill(staff)
    with page.expect_navigation():
        page.get_by_role("button", name="Прислать ссылку для входа").click()
    expect(page.locator("h1")).to_have_text("Проверьте почту")

    mail = wait_for_mail(desk_url, lambda m: m["to"] == [staff] and "Ссылка для входа" in m["subject"])
    [link] = staff_links(mail)
    page.goto(link)
    assert page.url == f"{desk_url}/staff/work"
    [cookie] = [c for c in page.context.cookies() if c["name"] == "rf_staff"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    expect(page.locator("h1")).to_have_text("Моя работа")
    page.screenshot(path=str(shots / "staff-work-ru.png"), full_page=True)
    table = page.get_by_role("table", name="Открытые заявки, назначенные вам; просроченные сверху")
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name=ticket))
    expect(row).to_contain_text("Вопрос о стретч-плёнке")
    expect(row).to_contain_text("первый ответ")

    with page.expect_navigation():
        row.get_by_role("link", name=ticket).click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1 .ticket")).to_have_text(ticket)
    expect(page.get_by_role("heading", name="Переписка")).to_be_visible()
    expect(page.locator(".conversation")).to_contain_text("Подскажите, какая плёнка подойдёт для паллет?")
    expect(page.get_by_role("heading", name="Клиент")).to_be_visible()
    expect(page.get_by_role("table", name="Что происходило с заявкой, по порядку")).to_contain_text("Назначена")

    page.get_by_label("Заметка (клиент её не увидит)").fill("Клиент — дилер <b>не</b> забыть про скидку")
    with page.expect_navigation():
        page.get_by_role("button", name="Сохранить заметку").click()
    assert page.url.startswith(f"{desk_url}/staff/requests/{ticket}")
    note = page.locator(".message.internal").filter(has_text="Клиент — дилер")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("<b>не</b>")
    expect(note).to_contain_text("внутреннее")
    expect(page.get_by_role("table", name="Что происходило с заявкой, по порядку")).to_contain_text(
        "Добавлена внутренняя заметка")
    page.screenshot(path=str(shots / "staff-request-ru.png"), full_page=True)
    assert page.dialogs == []


def test_the_link_in_the_assignees_notification_opens_the_request(new_page, desk_url):
    customer = new_page(locale="ru-RU")
    ticket, staff = russian_request(customer, desk_url)
    notification = wait_for_mail(desk_url, lambda m: ticket in m["subject"] and m["to"] == [staff])
    assert "Открыть:" in notification["text"]
    [link] = staff_links(notification)

    page = new_page(locale="en-US")
    response = page.goto(link)
    assert response.ok and page.url == f"{desk_url}/staff/requests/{ticket}"
    # The person's language (Russian), not the browser's (English).
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1 .ticket")).to_have_text(ticket)
    with page.expect_navigation():
        page.get_by_role("navigation").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()


def test_a_broken_sign_in_link_shows_a_clear_page(new_page, desk_url):
    page = new_page(locale="ru-RU")
    response = page.goto(f"{desk_url}/staff/signin/not-a-real-link")
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Ссылка для входа не работает")
    expect(page.get_by_label("Ваш рабочий адрес эл. почты")).to_be_visible()
    assert [c for c in page.context.cookies() if c["name"] == "rf_staff"] == []

"""A manager in a real browser: the board's counts lead to the requests behind them; the digest page."""
from __future__ import annotations

from playwright.sync_api import expect

from .test_staff_pages_in_browser import russian_request, staff_links, wait_for_mail

MANAGER = "olga@requestflow.example"


def signed_in_manager(new_page, desk_url: str, next_path: str):
    page = new_page(locale="en-GB", java_script_enabled=False)
    page.goto(f"{desk_url}/staff/{next_path}")
    assert page.url.startswith(f"{desk_url}/staff/signin"), "the board asks to sign in first"
    page.get_by_label("Your work email address").fill(MANAGER)
    with page.expect_navigation():
        page.get_by_role("button").first.click()
    mail = wait_for_mail(desk_url, lambda m: m["to"] == [MANAGER] and (
        "sign-in link" in m["subject"] or "Ссылка для входа" in m["subject"]))
    page.goto(staff_links(mail)[-1])
    assert page.url.startswith(f"{desk_url}/staff/board")
    return page


def test_the_manager_opens_the_board_follows_a_count_to_its_requests_and_reads_the_digest(new_page, desk_url):
    customer = new_page(locale="ru-RU")
    ticket, staff = russian_request(customer, desk_url)
    person = staff.split("@", 1)[0]

    page = signed_in_manager(new_page, desk_url, "board")
    page.goto(f"{desk_url}/staff/board?lang=en")
    expect(page.locator("h1")).to_have_text("Board")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    row = page.locator(f'#rf-board tr[data-staff="{person}"]')
    total = row.locator('td[data-col="total"] a')
    expect(total).to_be_visible()
    with page.expect_navigation():
        total.click()
    expect(page.locator("h1")).to_have_text("Requests")
    expect(page.get_by_role("link", name=ticket)).to_be_visible()

    page.goto(f"{desk_url}/staff/digest?period=week&lang=en")
    expect(page.locator("h1")).to_have_text("Desk digest")
    received = page.locator('#rf-digest-headline tr[data-key="received"] td').first
    assert int(received.inner_text()) >= 1
    expect(page.locator(f'#rf-digest-staff tr[data-staff="{person}"]')).to_be_visible()

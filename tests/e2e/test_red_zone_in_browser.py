"""A manager reassigns a late request from the red-zone email, in a real browser: the link's GET only
confirms, in the manager's language; the button reassigns once; a second POST changes nothing."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import ROOT, serve
from .desk import get_json, post_mail, sent_mail, wait_until

SCALE = 3600
"""A desk hour a wall second: the first response is due after an hour, the red zone an hour later."""


def fast_sla(text: str) -> str:
    """The default config with every hour a working hour and targets of an hour."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = "working_hours = { " + ", ".join(f'{d} = "00:00-24:00"' for d in days) + " }"
    text = re.sub(r"(?m)^working_hours = \{.*\}$", hours, text, count=1)
    text = re.sub(r"(?m)^first_response_hours = \{.*\}$", "first_response_hours = { normal = 1, urgent = 1 }",
                  text, count=1)
    return re.sub(r"(?m)^red_zone_hours = .*$", "red_zone_hours = 1", text, count=1)


@pytest.fixture(scope="module")
def fast_desk_url(tmp_path_factory):
    config = tmp_path_factory.mktemp("red-zone") / "desk.toml"
    config.write_text(fast_sla((ROOT / "config" / "desk.toml").read_text(encoding="utf-8")), encoding="utf-8")
    with serve("--time-scale", str(SCALE), "--config", str(config)) as url:
        yield url


def _late_question(desk_url: str) -> dict:
    """An English question nobody answers, and the red-zone email its manager gets: (outcome, mail)."""
    customer = f"late-{uuid.uuid4().hex[:6]}@example.com"
    raw = (f"From: Late Customer <{customer}>\r\nTo: desk@requestflow.example\r\nSubject: Question about pallets\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Hello, which pallet sizes do you ship, and can you deliver to Rotterdam?\r\n").encode()
    outcome = post_mail(desk_url, raw)
    assert outcome["category"] == "question", outcome
    mail = wait_until(lambda: next((m for m in sent_mail(desk_url) if outcome["ticket"] in m["subject"]
                                    and any("/sla/reassign/" in link for link in m["links"])), None),
                      "the red-zone email", timeout=60)
    return outcome, mail


def test_a_manager_reassigns_from_the_red_zone_link_once(fast_desk_url, page):
    outcome, mail = _late_question(fast_desk_url)
    ticket, holder = outcome["ticket"], outcome["assignee"]
    assert mail["to"] == ["olga@requestflow.example"], "sales' manager hears of it"
    link = next(link for link in mail["links"] if "/sla/reassign/" in link)
    before = get_json(f"{fast_desk_url}/_local/requests/{ticket}")

    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Передать заявку")
    expect(page.get_by_text(ticket)).to_be_visible()
    expect(page.get_by_text("Пока вы не нажмёте кнопку, ничего не изменится.")).to_be_visible()
    after_get = get_json(f"{fast_desk_url}/_local/requests/{ticket}")
    assert (after_get["assignee"], after_get["events"]) == (before["assignee"], before["events"]), \
        "opening the link changes nothing"

    page.get_by_role("button", name="Передать").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Заявка передана")
    view = get_json(f"{fast_desk_url}/_local/requests/{ticket}")
    [moved] = [e for e in view["events"] if e["event"] == "reassigned"]
    assert (moved["from"], moved["to"], moved["by"], moved["via"]) == (holder, view["assignee"], "olga", "red_zone")
    assert view["assignee"] != holder
    wait_until(lambda: [m for m in sent_mail(fast_desk_url) if m["to"] == [f"{view['assignee']}@requestflow.example"]
                        and (m["message_id"] or "").startswith(f"<reassigned.{ticket.lower()}.")],
               "the colleague's mail that the request was passed to them")

    again = page.request.post(link, form={})
    assert again.status == 409 and "ничего не изменено" in again.text(), "a second POST is refused politely"
    assert [e["event"] for e in get_json(f"{fast_desk_url}/_local/requests/{ticket}")["events"]].count(
        "reassigned") == 1, "the second POST reassigns nothing"
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Заявка уже не у "))
    assert page.get_by_role("button").count() == 0, "nothing left to confirm"

"""The customer rates a resolved request from the survey mail, in a real browser."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from .desk import get_json, post_mail, wait_until

PASS = "Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=requestflow.example; dkim=pass; dmarc=pass\r\n"


def _mail_to(desk_url: str, address: str, ticket: str, has: str) -> dict:
    def find():
        found = [m for m in get_json(f"{desk_url}/_local/outbox")
                 if address in m["to"] and ticket in m["subject"] and has in (m["text"] or "")]
        return found[-1] if found else None
    return wait_until(find, f"a mail to {address} about {ticket} with {has!r}")


def _resolved_request(desk_url: str) -> tuple[str, str]:
    """A customer's question, resolved by its assignee's `#resolve` reply: (ticket, customer)."""
    customer = f"client-{uuid.uuid4().hex[:6]}@example.com"
    raw = (f"From: Client <{customer}>\r\nTo: desk@requestflow.example\r\nSubject: Question about delivery\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Hello, do you deliver stretch film to Rotterdam, and how long does it take?\r\n").encode()
    outcome = post_mail(desk_url, raw)
    ticket, assignee = outcome["ticket"], outcome["assignee"]
    staff = f"{assignee}@requestflow.example"
    note = _mail_to(desk_url, staff, ticket, "")
    reply = (f"From: Staff <{staff}>\r\nTo: {note['reply_to']}\r\nSubject: Re: {note['subject']}\r\n"
             f"Message-ID: <{uuid.uuid4().hex}@requestflow.example>\r\nIn-Reply-To: {note['message_id']}\r\n{PASS}"
             "Content-Type: text/plain; charset=utf-8\r\n\r\n#resolve\r\nYes: two days to Rotterdam.\r\n").encode()
    assert post_mail(desk_url, reply)["staff_action"] == "resolved"
    return ticket, customer


def test_the_customer_rates_from_the_mail_and_a_second_visit_is_told_it_is_answered(desk_url, page):
    ticket, customer = _resolved_request(desk_url)
    survey = _mail_to(desk_url, customer, ticket, "/survey/")
    links = [link for link in survey["links"] if "/survey/" in link]
    assert [link[-1] for link in links] == ["1", "2", "3", "4", "5"]

    before = get_json(f"{desk_url}/_local/requests/{ticket}")["events"]
    page.goto(links[3])
    expect(page.get_by_role("heading", level=1)).to_have_text("How did we do?")
    group = page.get_by_role("group", name="How satisfied are you with how we handled your request?")
    expect(group.get_by_role("radio", name="4 – Satisfied")).to_be_checked()
    assert get_json(f"{desk_url}/_local/requests/{ticket}")["events"] == before, "opening the link records nothing"

    group.get_by_role("radio", name="5 – Very satisfied").check()
    page.get_by_label("Comment (optional)").fill("Fast and clear, thank you.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    answered = [e for e in get_json(f"{desk_url}/_local/requests/{ticket}")["events"] if e["event"] == "survey_answered"]
    assert [(e["score"], e["comment"]) for e in answered] == [(5, "Fast and clear, thank you.")]

    page.goto(links[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already answered")
    expect(page.get_by_text(re.compile("Very satisfied"))).to_be_visible()
    assert page.get_by_role("button").count() == 0, "nothing left to send"


def test_the_survey_works_without_javascript(desk_url, new_page):
    ticket, customer = _resolved_request(desk_url)
    survey = _mail_to(desk_url, customer, ticket, "/survey/")
    page = new_page(java_script_enabled=False)
    page.goto(next(link for link in survey["links"] if link.endswith("score=2")))
    expect(page.get_by_role("radio", name="2 – Dissatisfied")).to_be_checked()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    expect(page.get_by_text(re.compile("head of the department"))).to_be_visible()
    again = page.request.post(page.url, form={"score": "5"})
    assert again.status == 409 and "You have already answered" in again.text()

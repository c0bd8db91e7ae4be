"""Outgoing mail: the acknowledgement says what a customer needs, in their language, and is safe."""
import email
import email.policy
from datetime import datetime, timezone

import pytest

from chalicelib.core.config import load_config
from chalicelib.core.requests.models import Outbound, Request
from chalicelib.core.mail.outbound import acknowledgement, compose
from chalicelib.core.render import Templates
from chalicelib.settings import DEFAULT_CONFIG

from .samples import a_request

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _request(**overrides) -> Request:
    return a_request(**overrides)


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def test_acknowledgement_carries_ticket_reply_address_and_threading(config):
    ack = acknowledgement(config, Templates(), _request(), "We need film.", "http://x/status/t",
                          "<orig@example.com>", [])
    assert "RF-2611-0042" in ack.text and "RF-2611-0042" in ack.html
    assert ack.subject.startswith("[#RF-2611-0042]")
    assert ack.reply_to == "desk+r.rf-2611-0042.abc@requestflow.example"
    assert ack.in_reply_to == "<orig@example.com>" and ack.references == ["<orig@example.com>"]
    assert ack.to == ["buyer@example.com"]


def test_acknowledgement_follows_the_request_language_and_asks_for_missing_facts(config):
    ack = acknowledgement(config, Templates(), _request(language="ru", missing_facts=["monthly_need"]),
                          "Нужна плёнка", None, None, [])
    assert "зарегистрирована под номером RF-2611-0042" in ack.text
    assert "ежемесячная потребность" in ack.text and "ежемесячная потребность" in ack.html


def test_chinese_requests_get_a_chinese_acknowledgement_and_others_english(config):
    ack = acknowledgement(config, Templates(), _request(language="zh"), "需要500卷", None, None, [])
    assert "编号为 RF-2611-0042" in ack.text and "编号为" in ack.html
    other = acknowledgement(config, Templates(), _request(language="de"), "Hallo", None, None, [])
    assert "registered your request under the number RF-2611-0042" in other.text


def test_hostile_text_is_escaped_in_html_and_never_evaluated(config):
    hostile = "<script>alert(1)</script> {{7*7}} ${7*7} <img src=x onerror=alert(1)>"
    ack = acknowledgement(config, Templates(), _request(subject=hostile, customer_name=hostile), hostile,
                          None, None, [])
    assert "<script>" not in ack.html and "<img src=x" not in ack.html
    assert "&lt;script&gt;" in ack.html
    assert "{{7*7}}" in ack.text and "49" not in ack.text.replace("RF-2611-0042", "")


def test_composed_mail_cannot_have_its_headers_split():
    mail = Outbound(outbox_id="x", kind="ack", request_id=None, to=["a@b.com"],
                    from_address="desk@requestflow.example", from_name="Desk\r\nBcc: victim@x.com",
                    subject="Hi\r\nBcc: victim@x.com", text="hello", html=None, message_id="<m@x>")
    raw = compose(mail, NOW)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    header_lines = raw.split(b"\n\n")[0].replace(b"\r", b"").split(b"\n")
    assert parsed["Bcc"] is None and parsed["To"] == "a@b.com"
    assert not any(line.lower().startswith(b"bcc:") for line in header_lines)
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed.get_body(("plain",)).get_content().strip() == "hello"


@pytest.mark.parametrize("languages", [["en"], ["ru"], ["zh"]])
def test_the_assignment_mail_puts_the_due_time_and_the_subject_on_lines_of_their_own(config, languages):
    from dataclasses import replace

    from chalicelib.core.mail.outbound import staff_notification

    member = replace(config.staff[0], languages=languages)
    for answered in (None, "2026-11-02T10:00:00.000000Z"):
        mail = staff_notification(config, Templates(), _request(first_response_at=answered), member,
                                  event="assigned", text="We need film.", reply_to="desk+s.x@requestflow.example")
        lines = mail.text.splitlines()
        due_line = next(line for line in lines if "2026-11-0" in line and "UTC" in line)
        assert due_line.rstrip().endswith("UTC"), due_line
        assert any(line.split(":")[0].strip() in ("Subject", "Тема") or line.startswith("主题")
                   for line in lines), lines


@pytest.mark.parametrize("lang, approval, investigation", [
    ("en", "approval", "looking into"), ("ru", "согласование", "для разбора"), ("zh", "审批", "调查")])
def test_a_complaint_under_investigation_is_not_told_it_goes_through_approval(config, lang, approval, investigation):
    complaint = acknowledgement(config, Templates(), _request(
        language=lang, category="complaint", status="in_approval",
        route={"name": "complaint_investigation", "version": 1}), "Wrong film.", None, None, [])
    order = acknowledgement(config, Templates(), _request(
        language=lang, status="in_approval", route={"name": "order_approval", "version": 1}),
        "We need film.", None, None, [])
    for text in (complaint.text, complaint.html):
        assert investigation in text and approval not in text
    for text in (order.text, order.html):
        assert approval in text and investigation not in text


def test_the_desks_automatic_mail_to_the_customer_lands_in_their_thread_and_answers_reach_the_request(config):
    from chalicelib.core.requests.closure import closure_notice
    from chalicelib.core.requests.survey import survey_mail
    from chalicelib.core.routes.mail import customer_update_mail

    request = _request(language="ru", route={"name": "order_approval", "version": 1, "run": 1})
    route = next(r for r in config.routes if r.id == "order_approval")
    thread = dict(in_reply_to="<latest@example.com>", references=["<first@example.com>", None])
    mails = [closure_notice(config, Templates(), request, since="2026-11-02T09:00:00.000000Z", status_url=None, **thread),
             survey_mail(config, Templates(), request, links=[(5, "http://x/survey/t?score=5")],
                         resolution="2026-11-02T09:00:00.000000Z", status_url=None, **thread),
             customer_update_mail(config, Templates(), request, route, event="route_started", status_url=None,
                                  **thread)]
    for mail in mails:
        assert mail.to == ["buyer@example.com"] and mail.from_address == str(config.desk.address)
        assert mail.subject == "Re: [#RF-2611-0042] Quote: film"
        assert mail.reply_to == request.reply_address, "a reply to it joins the request"
        assert mail.in_reply_to == "<latest@example.com>"
        assert mail.references == ["<first@example.com>", "<latest@example.com>"]
        assert mail.automatic and mail.language == "ru"
    assert len({m.message_id for m in mails}) == 3 and len({m.outbox_id for m in mails}) == 3

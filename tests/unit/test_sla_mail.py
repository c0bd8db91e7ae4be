"""The red-zone email tells the manager, in their language, how late, who holds it, everyone's load and
what to do; the suggested colleague speaks the customer's language and has the fewest open requests."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.core.config import load_config
from chalicelib.core.render import Templates
from chalicelib.core.requests.models import Request
from chalicelib.core.sla.mail import Colleague, least_loaded_colleague, red_zone_mail, reminder_mail
from chalicelib.settings import DEFAULT_CONFIG

from .samples import a_request


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def _request(**overrides) -> Request:
    return a_request(**{"status": "open", "priority": "urgent", "language": "zh", "customer_email": "wang@example.cn",
                        "customer_name": "Wang", "subject": "订单", "assignee": "olga",
                        "created_at": "2026-11-06T14:00:00.000000Z", "due_first_response": "2026-11-09T09:00:00.000000Z",
                        "due_resolution": "2026-11-11T11:00:00.000000Z",
                        "reply_address": "desk+r.x@requestflow.example", "phone": "+86 21 5555 0101", **overrides})


def test_the_suggested_colleague_speaks_the_customers_language_even_when_busier(config):
    assert least_loaded_colleague(config, _request(), {"olga": 5, "ivan": 0, "li": 3}).id == "li"
    assert least_loaded_colleague(config, _request(language="en"), {"olga": 5, "ivan": 2, "li": 1}).id == "li"
    assert least_loaded_colleague(config, _request(language="de"), {}) is None


@pytest.mark.parametrize("manager, words", [
    ("olga", ("красной зоне", "просрочка 4 раб. ч", "Сейчас у: Ivan Petrov", "позвонить клиенту: +86 21 5555 0101")),
    ("li", ("红色区域", "已逾期 4 个工作小时", "当前处理人：Ivan Petrov", "致电客户：+86 21 5555 0101")),
])
def test_the_red_zone_email_is_in_the_managers_language(config, manager, words):
    mail = red_zone_mail(config, Templates(), _request(assignee="ivan"), config.staff_member(manager),
                         target="first_response", due=datetime(2026, 11, 9, 9, tzinfo=timezone.utc),
                         zone=config.calendar.business.zone, late_minutes=240, holder=config.staff_member("ivan"),
                         colleagues=[Colleague("Ivan Petrov", 4, False), Colleague("Li Wei", 1, True)],
                         suggested=config.staff_member("li"), reassign_url="http://desk.test/sla/reassign/t",
                         page_url="")
    for word in words:
        assert word in mail.text
    assert "2026-11-09 12:00 (Europe/Moscow)" in mail.text and "http://desk.test/sla/reassign/t" in mail.text
    assert mail.to == [str(config.staff_member(manager).email)] and "[#RF-2611-0042]" in mail.subject


def test_without_a_phone_the_red_zone_email_still_suggests_reaching_the_customer_in_english(config):
    manager = config.staff_member("olga").model_copy(update={"languages": ["en"]})
    mail = red_zone_mail(config, Templates(), _request(phone=None), manager, target="resolution",
                         due=datetime(2026, 11, 9, 9, tzinfo=timezone.utc), zone=config.calendar.business.zone,
                         late_minutes=90, holder=config.staff_member("olga"), colleagues=[], suggested=None,
                         reassign_url=None, page_url="")
    assert "1.5 business hours late" in mail.text and "no phone number is known" in mail.text
    assert "/sla/reassign/" not in mail.text


def test_the_reminder_names_the_target_and_the_local_due_time(config):
    mail = reminder_mail(config, Templates(), _request(), config.staff_member("ivan"), target="first_response",
                         due=datetime(2026, 11, 9, 9, tzinfo=timezone.utc), zone=config.calendar.business.zone,
                         reply_to="desk+s.x@requestflow.example", page_url="http://desk.test/p")
    assert "первый ответ" in mail.text and "2026-11-09 12:00 (Europe/Moscow)" in mail.text
    assert mail.reply_to == "desk+s.x@requestflow.example"

"""The acknowledgement as a careful reader sees it: capitals, agreement, and every fact it must carry."""
from __future__ import annotations

import re

import pytest

from chalicelib.core.config import DeskConfig, Localized, load_config
from chalicelib.core.mail.outbound import acknowledgement
from chalicelib.core.render import Templates
from chalicelib.core.requests.models import Request
from chalicelib.settings import DEFAULT_CONFIG

from .samples import a_request

TICKET = "RF-2611-0042"
STATUS_URL = "http://desk.test/status/t0k3n"


@pytest.fixture(scope="module")
def config() -> DeskConfig:
    return load_config(DEFAULT_CONFIG)


def _request(**overrides) -> Request:
    return a_request(**{"request_id": TICKET, "ticket": TICKET, "source": "form", "subject": "Film", **overrides})


def _ack(config: DeskConfig, **overrides):
    return acknowledgement(config, Templates(), _request(**overrides), "We need film.", STATUS_URL, None, [])


def _with_hours(config: DeskConfig, hours: float) -> DeskConfig:
    sla = config.sla.model_copy(update={"first_response_hours": {"normal": hours, "urgent": hours}})
    return config.model_copy(update={"sla": sla})


def _with_department_name(config: DeskConfig, department_id: str, name: Localized) -> DeskConfig:
    departments = [d.model_copy(update={"name": name}) if d.id == department_id else d for d in config.departments]
    return config.model_copy(update={"departments": departments})


def _sentences(text: str) -> list[str]:
    """Sentences of the prose: after a sentence end, and the line after the salutation."""
    prose = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("-"))
    return [s for s in re.split(r"(?<=[.!?])\s+|(?<=,)\n+", prose) if s.strip()]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("name", ["Pieter", "", "Анна Соколова"])
def test_every_sentence_of_the_acknowledgement_starts_with_a_capital(config, lang, name):
    ack = _ack(config, language=lang, customer_name=name, missing_facts=["monthly_need"])
    for sentence in _sentences(ack.text):
        first = next(ch for ch in sentence if ch.isalpha())
        assert first.isupper(), f"{lang}: {sentence!r}"


@pytest.mark.parametrize("hours, words", [(1, "1 hour."), (4, "4 hours."), (24, "24 hours."), (1.5, "1.5 hours.")])
def test_english_hours_agree_with_their_number(config, hours, words):
    ack = _ack(_with_hours(config, hours))
    assert f"within {words}" in ack.text and f"within {words}" in ack.html


@pytest.mark.parametrize("hours, words", [(1, "1 часа"), (21, "21 часа"), (1.5, "1,5 часа"), (4, "4 часов"),
                                          (11, "11 часов"), (24, "24 часов"), (72, "72 часов")])
@pytest.mark.parametrize("priority", ["normal", "urgent"])
def test_russian_hours_take_the_genitive_that_follows_в_течение(config, hours, words, priority):
    ack = _ack(_with_hours(config, hours), language="ru", priority=priority)
    assert f"в течение {words}." in ack.text and f"в течение {words}." in ack.html
    assert " ч." not in ack.text


@pytest.mark.parametrize("department, category, words", [
    ("sales", "order", "занимается отдел продаж."),
    ("accounting", "documents", "занимается бухгалтерия."),
    ("quality", "complaint", "занимается отдел качества и претензий."),
])
def test_a_russian_department_is_named_in_lower_case_inside_the_sentence(config, department, category, words):
    ack = _ack(config, language="ru", department=department, category=category)
    assert words in ack.text and words in ack.html


def test_an_abbreviated_department_keeps_its_capitals(config):
    renamed = _with_department_name(config, "quality", Localized(en="QA", ru="ОТК", zh="质检部"))
    ack = _ack(renamed, language="ru", department="quality", category="complaint")
    assert "занимается ОТК." in ack.text
    assert "passed to QA." in _ack(renamed, department="quality", category="complaint").text


@pytest.mark.parametrize("lang, category, department", [
    ("en", "Order or quote", "Sales"), ("ru", "Заказ или расчёт цены", "отдел продаж"),
    ("zh", "订单或报价", "销售部"),
])
def test_the_topic_and_the_department_are_named_in_the_readers_language(config, lang, category, department):
    ack = _ack(config, language=lang)
    for body in (ack.text, ack.html):
        assert category in body and department in body


def test_the_russian_list_of_missing_facts_follows_a_heading_its_items_agree_with(config):
    ack = _ack(config, language="ru", missing_facts=["monthly_need"])
    heading, item = re.search(r"\n([^\n]*:)\n\s+- ([^\n]+)\n", ack.text).groups()
    assert item.startswith("ваша ежемесячная потребность")
    assert heading.endswith("сведения:") and "знать" not in heading


@pytest.mark.parametrize("lang, asked, reply", [
    ("en", "your monthly need", "reply to this email"),
    ("ru", "ваша ежемесячная потребность", "ответьте на это письмо"),
    ("zh", "您的每月需求量", "直接回复本邮件"),
])
def test_every_acknowledgement_carries_ticket_status_link_missing_facts_and_how_to_reply(config, lang, asked,
                                                                                       reply):
    ack = _ack(config, language=lang, missing_facts=["monthly_need"])
    for body in (ack.text, ack.html):
        assert TICKET in body and STATUS_URL in body and asked in body and reply in body
    complete = _ack(config, language=lang)
    assert asked not in complete.text and asked not in complete.html

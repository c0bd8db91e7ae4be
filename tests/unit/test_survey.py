"""The survey's pure parts: links bound to a request and a resolution, the page's choices, reopening."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.core.clock import iso
from chalicelib.core.config import ConfigError, load_config, parse_config
from chalicelib.core.requests.closure import after_customer_reply, starts_follow_up
from chalicelib.core.requests.models import Request
from chalicelib.core.requests.survey import BadSurveyLink, SurveyLinks, outcome_view, score_of, survey_view
from chalicelib.settings import DEFAULT_CONFIG

from .samples import a_request

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
RESOLVED = iso(NOW)


def request(language="ru") -> Request:
    return a_request(status="resolved", category="question", language=language, customer_email="a@example.com",
                     customer_name="Пётр", subject="Доставка в Казань", assignee="olga", created_at=RESOLVED,
                     due_first_response=RESOLVED, due_resolution=RESOLVED, reply_address="desk+r@requestflow.example")


@pytest.fixture
def links():
    return SurveyLinks(b"k" * 32, "https://desk.example/")


def test_a_link_names_its_request_and_resolution(links):
    token = links.token("RF-2611-0042", RESOLVED, NOW, days=30)
    ticket = links.read(token, NOW + timedelta(days=29))
    assert (ticket.request_id, ticket.resolution) == ("RF-2611-0042", RESOLVED)
    assert [url for _, url in links.urls(token)] == [
        f"https://desk.example/survey/{token}?score={n}" for n in range(1, 6)]


def test_a_link_of_another_key_or_changed_by_hand_is_tampered(links):
    token = SurveyLinks(b"x" * 32, "https://desk.example").token("RF-2611-0042", RESOLVED, NOW, days=30)
    with pytest.raises(BadSurveyLink) as bad:
        links.read(token, NOW)
    assert bad.value.reason == "tampered" and bad.value.request_id is None
    good = links.token("RF-2611-0042", RESOLVED, NOW, days=30)
    with pytest.raises(BadSurveyLink):
        links.read(("X" if good[0] != "X" else "Y") + good[1:], NOW)


def test_an_old_link_is_expired_and_still_says_whose_it_is(links):
    token = links.token("RF-2611-0042", RESOLVED, NOW, days=30)
    with pytest.raises(BadSurveyLink) as bad:
        links.read(token, NOW + timedelta(days=30, seconds=1))
    assert bad.value.reason == "expired" and bad.value.request_id == "RF-2611-0042"


@pytest.mark.parametrize("raw, score", [("1", 1), ("5", 5), (" 3 ", 3), ("0", None), ("6", None), ("", None),
                                        (None, None), ("4.0", None), ("two", None)])
def test_only_the_five_scores_count(raw, score):
    assert score_of(raw) == score


def test_the_page_offers_five_choices_in_the_customers_language_with_the_clicked_one_chosen():
    view = survey_view(request(), score=4)
    assert view["lang"] == "ru" and view["t"]["legend"].startswith("Насколько")
    assert [c["value"] for c in view["choices"]] == [1, 2, 3, 4, 5]
    assert [c["checked"] for c in view["choices"]] == [False, False, False, True, False]
    assert survey_view(request("de"))["lang"] == "en", "English for languages without texts"
    assert survey_view(request(), lang="zh")["choices"][4]["label"] == "非常满意"


def test_a_link_nobody_can_read_is_explained_in_english_and_russian():
    view = outcome_view("tampered", None)
    assert [p["lang"] for p in view["parts"]] == ["en", "ru"]
    assert outcome_view("already", "zh", ticket="RF-1", score=5)["parts"][0]["text"].count("非常满意") == 1


def test_a_reply_reopens_within_the_reopen_days_only():
    week = dict(now=NOW + timedelta(days=6), reopen_days=7, closed_reason=None)
    assert after_customer_reply("resolved", since=RESOLVED, **week) == "open"
    assert after_customer_reply("resolved", since=RESOLVED, **{**week, "now": NOW + timedelta(days=8)}) == "resolved"
    assert after_customer_reply("closed", since=RESOLVED, **{**week, "closed_reason": "no_customer_reply"}) == "open"
    assert after_customer_reply("closed", since=RESOLVED, **{**week, "closed_reason": "resolved"}) == "closed"
    assert after_customer_reply("waiting_customer", since=RESOLVED, **week) == "open"
    assert after_customer_reply("new", since=RESOLVED, **week) == "new"


def test_mail_about_a_request_finished_for_good_opens_a_follow_up():
    week = dict(now=NOW + timedelta(days=6), reopen_days=7, closed_reason=None)
    later = {**week, "now": NOW + timedelta(days=8)}
    assert not starts_follow_up("resolved", since=RESOLVED, **week), "it reopens instead"
    assert starts_follow_up("resolved", since=RESOLVED, **later)
    assert starts_follow_up("closed", since=RESOLVED, **{**week, "closed_reason": "resolved"})
    assert not starts_follow_up("closed", since=RESOLVED, **{**week, "closed_reason": "no_customer_reply"})
    assert starts_follow_up("closed", since=RESOLVED, **{**later, "closed_reason": "no_customer_reply"})
    for status in ("new", "open", "waiting_customer", "in_approval"):
        assert not starts_follow_up(status, since=RESOLVED, **later)


def test_the_default_config_has_the_documented_survey_and_closure_settings():
    config = load_config(DEFAULT_CONFIG)
    assert (config.survey.low_rating, config.survey.link_days) == (2, 30)
    assert (config.closure.reopen_days, config.closure.waiting_customer_days) == (7, 14)


@pytest.mark.parametrize("section, values, field", [
    ("survey", {"low_rating": 6}, "survey.low_rating"),
    ("survey", {"link_days": 0}, "survey.link_days"),
    ("closure", {"reopen_days": "a week"}, "closure.reopen_days"),
    ("closure", {"waiting_days": 3}, "closure.waiting_days"),
])
def test_a_wrong_setting_is_named(section, values, field):
    import tomllib

    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data[section] = values
    with pytest.raises(ConfigError) as error:
        parse_config(data, "desk.toml")
    assert f"desk.toml: {field}:" in str(error.value)

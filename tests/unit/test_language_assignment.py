"""Who gets a request in a language: its speakers, else those who speak the language of our reply."""
import copy
import tomllib

import pytest

from chalicelib.core.config import parse_config
from chalicelib.core.mail.outbound import customer_language
from chalicelib.core.requests.assignment import candidates
from chalicelib.settings import DEFAULT_CONFIG


def _config(mutate=lambda data: None):
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    mutate(data)
    return parse_config(data, "desk.toml")


def _add_staff(data, **member):
    data["staff"].append({"name": member["id"].title(), "email": f"{member['id']}@requestflow.example", **member})


def test_a_request_goes_to_those_who_speak_its_language():
    config = _config(lambda d: _add_staff(d, id="jens", department="sales", languages=["de", "en"]))
    assert [s.id for s in candidates(config, "order", "de")] == ["jens"]
    assert [s.id for s in candidates(config, "order", "zh")] == ["li"]


@pytest.mark.parametrize("language", ["de", "fr", "es", "ja", "ko", "pl"])
def test_a_language_nobody_speaks_goes_to_those_who_speak_english_the_language_of_the_reply(language):
    config = _config(lambda d: _add_staff(d, id="dmitry", department="sales", languages=["ru"]))
    assert customer_language(language) == "en"
    assert [s.id for s in candidates(config, "order", language)] == ["olga", "ivan", "li"]


def test_when_nobody_speaks_english_either_the_whole_department_is_a_candidate():
    def russian_only(data):
        for member in data["staff"]:
            member["languages"] = ["ru"]

    config = _config(russian_only)
    assert [s.id for s in candidates(config, "order", "de")] == ["olga", "ivan", "li"]
    assert [s.id for s in candidates(config, "complaint", "ja")] == ["sergey"]


def test_customers_are_answered_in_their_language_where_templates_exist_and_in_english_otherwise():
    assert [customer_language(lang) for lang in ("ru", "en", "zh")] == ["ru", "en", "zh"]
    assert [customer_language(lang) for lang in ("de", "ja", "uk", "ko")] == ["en", "en", "en", "en"]

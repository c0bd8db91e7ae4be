"""The desk config: the shipped file is valid, and a mistake stops the start naming the field."""
import copy
import tomllib

import pytest

from chalicelib.core.config import ConfigError, load_config, parse_config
from chalicelib.settings import DEFAULT_CONFIG


def _data():
    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def test_the_shipped_config_is_valid_and_uses_the_corpus_desk_address():
    config = load_config(DEFAULT_CONFIG)
    assert config.desk.address == "desk@requestflow.example"
    assert {c.id for c in config.categories} >= {"order", "complaint", "documents", "question"}


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["categories"][1].update(department="salez"), "categories[1].department"),
    (lambda d: d["staff"][0].update(email="not-an-email"), "staff[0].email"),
    (lambda d: d["departments"][0].update(manager="nobody"), "departments[0].manager"),
    (lambda d: d["desk"].update(ticket_prefix="rf-1"), "desk.ticket_prefix"),
    (lambda d: d["assignment"].update(strategy="random"), "assignment.strategy"),
    (lambda d: d["categories"][0]["required_facts"][0].update(patterns=["(unclosed"]),
     "categories[0].required_facts[0].patterns"),
    (lambda d: d.update(default_category="misc"), "default_category"),
    (lambda d: d["desk"].update(colour="blue"), "desk.colour"),
    (lambda d: d["categories"][0]["keywords"].update(deu=["bestell"]), "categories[0].keywords.deu"),
    (lambda d: d["categories"][2]["keywords"].update(DE=["rechnung"]), "categories[2].keywords.DE"),
    (lambda d: d["priority"]["urgent_words"].update(german=["dringend"]), "priority.urgent_words.german"),
    (lambda d: d["priority"]["negations"].update(xx=["nicht"]), "priority.negations.xx"),
    (lambda d: d["staff"][1].update(languages=["ru", "en-GB"]), "staff[1].languages[1]"),
    (lambda d: d["categories"][1]["keywords"].update(de="beschädigt"), "categories[1].keywords.de"),
])
def test_a_bad_config_names_the_field(mutate, field):
    data = copy.deepcopy(_data())
    mutate(data)
    with pytest.raises(ConfigError) as error:
        parse_config(data, "desk.toml")
    assert f"desk.toml: {field}" in str(error.value)


def test_a_missing_or_broken_file_says_which_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[desk\nname=1", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config(broken)


def test_an_unknown_language_code_is_named_with_the_field_and_the_rule():
    data = copy.deepcopy(_data())
    data["categories"][0]["keywords"]["ger"] = ["bestell"]
    with pytest.raises(ConfigError, match=r"desk.toml: categories\[0\]\.keywords\.ger: 'ger' is not an ISO 639-1"):
        parse_config(data, "desk.toml")


def test_a_desk_adds_a_language_by_adding_its_words_and_nothing_else():
    from chalicelib.core.mail.language import detect_language
    from chalicelib.core.requests.classify import classify

    data = copy.deepcopy(_data())
    data["categories"][1]["keywords"]["sv"] = ["reklamation", "skadad", "trasig"]
    data["priority"]["urgent_words"]["sv"] = ["brådskande"]
    data["priority"]["negations"]["sv"] = ["inte"]
    config = parse_config(data, "desk.toml")
    subject, body = "Leverans 5512", "Hej! Två pallar kom fram skadade, och det är brådskande. Vi vill ha nya rullar."
    assert "sv" in config.languages
    assert detect_language(subject, body, also=config.languages) == "sv"
    assert classify(config, subject, body).category == "complaint"
    assert classify(config, subject, body).priority == "urgent"
    assert classify(config, "Fråga", "Det är inte brådskande.").priority == "normal"


def test_the_shipped_config_has_german_french_and_spanish_words_for_every_category():
    config = load_config(DEFAULT_CONFIG)
    for category in config.categories:
        assert {"de", "fr", "es"} <= set(category.keywords.languages), category.id
    assert {"de", "fr", "es"} <= set(config.priority.urgent_words.languages)
    assert {"de", "fr", "es"} <= set(config.priority.negations.languages)

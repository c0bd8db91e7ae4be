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

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


# --- the validated snapshot ------------------------------------------------------------------------

from chalicelib.core import config as config_module  # noqa: E402
from chalicelib.core.config import snapshot_path, write_snapshot  # noqa: E402


@pytest.fixture
def desk_toml(tmp_path):
    path = tmp_path / "desk.toml"
    path.write_bytes(DEFAULT_CONFIG.read_bytes())
    return path


@pytest.fixture
def validations(monkeypatch):
    """The files pydantic validated (a snapshot that is used validates nothing)."""
    seen = []
    real = config_module.parse_config

    def spy(data, source="config"):
        seen.append(source)
        return real(data, source)

    monkeypatch.setattr(config_module, "parse_config", spy)
    return seen


def test_a_current_snapshot_gives_the_validated_config_without_validating_again(desk_toml, validations):
    write_snapshot(desk_toml)
    validations.clear()

    loaded = load_config(desk_toml)

    assert validations == []
    assert loaded == parse_config(_data(), "desk.toml")
    assert loaded.desk.address == "desk@requestflow.example"
    assert loaded.category("complaint").keywords.stems
    assert "de" in loaded.languages


@pytest.mark.parametrize("old, new, field", [
    ('department = "sales"', 'department = "salez"', "staff[0].department: unknown department 'salez'"),
    ('ticket_prefix = "RF"', 'ticket_prefix = "rf-1"', "desk.ticket_prefix: String should match pattern"),
    ('[desk]', '[desk]\ncolour = "blue"', "desk.colour: Extra inputs are not permitted"),
    ('[priority.urgent_words]', '[priority.urgent_words]\ngerman = ["dringend"]',
     "priority.urgent_words.german: 'german' is not an ISO 639-1 language code"),
])
def test_an_edited_file_is_validated_again_and_its_mistake_named_despite_the_snapshot(desk_toml, old, new, field):
    write_snapshot(desk_toml)
    text = desk_toml.read_text(encoding="utf-8")
    assert old in text
    desk_toml.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(ConfigError) as error:
        load_config(desk_toml)
    assert f"{desk_toml}: " in str(error.value)
    assert field in str(error.value)


@pytest.mark.parametrize("name", ["Support Desk", "Служба поддержки", "客服中心"])
def test_a_valid_edit_is_seen_at_once_though_the_snapshot_holds_the_old_file(desk_toml, validations, name):
    write_snapshot(desk_toml)
    text = desk_toml.read_text(encoding="utf-8")
    desk_toml.write_text(text.replace('name = "Requestflow Desk"', f'name = "{name}"', 1), encoding="utf-8")
    validations.clear()

    assert load_config(desk_toml).desk.name == name
    assert validations == [str(desk_toml)]


def test_a_snapshot_made_by_another_version_of_the_config_module_is_not_used(desk_toml, validations, monkeypatch):
    write_snapshot(desk_toml)
    monkeypatch.setattr(config_module, "_schema_version", lambda: "a changed config.py")
    validations.clear()

    assert load_config(desk_toml).desk.address == "desk@requestflow.example"
    assert validations == [str(desk_toml)]


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", b"\x80\x05K\x01.", b"\x80\x05}\x94.trailing"])
def test_a_damaged_snapshot_is_ignored_and_the_file_validated(desk_toml, validations, garbage):
    snapshot_path(desk_toml).write_bytes(garbage)

    assert load_config(desk_toml).desk.address == "desk@requestflow.example"
    assert validations == [str(desk_toml)]


def test_writing_a_current_snapshot_again_keeps_its_bytes(desk_toml):
    first = write_snapshot(desk_toml).read_bytes()
    assert write_snapshot(desk_toml).read_bytes() == first
    assert snapshot_path(desk_toml) == desk_toml.with_name("desk.toml.snapshot")


def test_a_file_that_does_not_validate_gets_no_snapshot_and_the_error_names_the_field(desk_toml):
    text = desk_toml.read_text(encoding="utf-8")
    desk_toml.write_text(text.replace('department = "sales"', 'department = "salez"', 1), encoding="utf-8")

    with pytest.raises(ConfigError, match=r"desk.toml: staff\[0\]\.department: unknown department 'salez'"):
        write_snapshot(desk_toml)
    assert not snapshot_path(desk_toml).exists()


_COLD_LOAD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import app
from chalicelib.core.config import load_config
from chalicelib.settings import Settings
settings = Settings.from_env({"RF_TABLE": "t", "RF_BUCKET": "b", "RF_CONFIG": sys.argv[2]})
config = load_config(settings.config_path)
print(json.dumps({"address": config.desk.address, "categories": [c.id for c in config.categories],
                  "pydantic": sorted(name for name in sys.modules if name.split(".")[0] == "pydantic")}))
"""


def _cold_load(desk_toml) -> dict:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-I", "-c", _COLD_LOAD, str(root), str(desk_toml)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_fresh_process_loads_a_snapshot_without_importing_pydantic(desk_toml):
    write_snapshot(desk_toml)

    seen = _cold_load(desk_toml)

    assert seen["pydantic"] == []
    assert seen["address"] == "desk@requestflow.example"
    assert "complaint" in seen["categories"]


def test_a_fresh_process_without_a_snapshot_validates_with_pydantic(desk_toml):
    seen = _cold_load(desk_toml)

    assert "pydantic" in seen["pydantic"]
    assert seen["address"] == "desk@requestflow.example"


def test_a_request_of_someone_taken_out_of_the_config_is_held_by_their_departments_manager():
    config = load_config(DEFAULT_CONFIG)
    assert config.holder("ivan", "sales").id == "ivan"
    assert config.holder("gone", "sales").id == config.department("sales").manager
    assert config.holder("gone", "quality").id == config.department("quality").manager
    assert config.holder("gone", "no-such-department").id == config.departments[0].manager
    assert (config.staff_name("ivan"), config.staff_name("gone")) == ("Ivan Petrov", "gone")

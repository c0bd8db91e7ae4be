"""The deployment settings come from the function's environment; a missing one stops the start by name."""
from pathlib import Path

import pytest

from chalicelib.settings import DEFAULT_CONFIG, Settings


def test_the_environment_gives_every_setting_and_the_config_file_is_a_path():
    settings = Settings.from_env({"RF_TABLE": "desk-table", "RF_BUCKET": "desk-mail", "RF_SIGNING_KEY_PARAM": "/k",
                                  "RF_PUBLIC_URL": "https://desk.example", "RF_CONFIG": "/opt/desk/настройки.toml",
                                  "RF_AWS_ENDPOINT": "http://127.0.0.1:4566", "RF_SES_CONFIGURATION_SET": "desk"})
    assert (settings.table, settings.bucket, settings.signing_key_param) == ("desk-table", "desk-mail", "/k")
    assert settings.public_url == "https://desk.example"
    assert settings.config_path == Path("/opt/desk/настройки.toml")
    assert (settings.endpoint_url, settings.ses_configuration_set) == ("http://127.0.0.1:4566", "desk")


def test_unset_or_empty_optional_variables_leave_the_defaults():
    settings = Settings.from_env({"RF_TABLE": "t", "RF_BUCKET": "b", "RF_PUBLIC_URL": "", "RF_AWS_ENDPOINT": ""})
    assert settings.config_path == DEFAULT_CONFIG
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.endpoint_url is None
    assert settings.signing_key_param == "/requestflow/signing-key"


@pytest.mark.parametrize("env, named", [
    ({}, "RF_TABLE, RF_BUCKET"),
    ({"RF_TABLE": "t"}, "RF_BUCKET"),
    ({"RF_BUCKET": "b", "RF_TABLE": ""}, "RF_TABLE"),
])
def test_a_missing_required_variable_is_named(env, named):
    with pytest.raises(RuntimeError, match=f"^missing or invalid environment variables: {named}$"):
        Settings.from_env(env)


def test_settings_built_in_code_take_a_config_path_as_text_too():
    settings = Settings(table="t", bucket="b", config_path="config/desk.toml")
    assert settings.config_path == Path("config/desk.toml")
    with pytest.raises(AttributeError):
        settings.table = "other"

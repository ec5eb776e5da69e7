import pytest

from service.config import DEFAULTS, SettingsError, load_settings


def test_environment_then_overrides():
    settings = load_settings({"MAX_SENTENCES": 7}, environ={"CLAIMS_MAX_SENTENCES": "9", "CLAIMS_MODEL_DIR": "/m",
                                                            "CLAIMS_LOG_LEVEL": "debug"})
    assert settings["MAX_SENTENCES"] == 7 and settings["MODEL_DIR"] == "/m" and settings["LOG_LEVEL"] == "DEBUG"
    assert load_settings(environ={})["MAX_BODY_BYTES"] == DEFAULTS["MAX_BODY_BYTES"]


@pytest.mark.parametrize("env", [{"CLAIMS_MAX_SENTENCES": "many"}, {"CLAIMS_MAX_BODY_BYTES": "0"}])
def test_bad_values_name_the_setting(env):
    with pytest.raises(SettingsError, match="MAX_"):
        load_settings(environ=env)

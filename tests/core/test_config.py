"""Settings: every problem reported at once, one line each; platforms switched on by env."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.trust.directory import enabled_platforms


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(
            {
                "DATABASE_URL": "mysql://x/y",
                "PORT": "eighty",
                "SLACK_BOT_TOKEN": "xoxp-wrong",
                "RUN_WORKER": "maybe",
                "POLICY_KB": "/no/such/kb.yaml",
                "TEAMS_LOCAL_MODE": "perhaps",
            }
        )
    text = "\n".join(err.value.problems)
    for name in ("DATABASE_URL", "PORT", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "RUN_WORKER"):
        assert name in text
    assert "POLICY_KB" in text and "TEAMS_LOCAL_MODE" in text
    assert len(err.value.problems) == 7


def test_defaults_need_nothing_set() -> None:
    s = load_settings({})
    assert s.database_url.startswith("sqlite:///") and s.port == 3978
    assert not s.slack_enabled and not s.teams_enabled
    assert enabled_platforms(s) == ("console",)


def test_slack_and_teams_switch_on_from_env() -> None:
    s = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": "app-id",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
        }
    )
    assert s.slack_api_url == "http://127.0.0.1:9999/api/"
    assert enabled_platforms(s) == ("slack", "teams", "console")
    assert load_settings({"TEAMS_LOCAL_MODE": "true"}).teams_enabled

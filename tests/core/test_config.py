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


def test_smtp_url_and_from_are_read_and_checked() -> None:
    s = load_settings(
        {"SMTP_URL": "smtps://pb%40trust.org:p%2Fw@mail.trust.org", "SMTP_FROM": "pb@trust.org"}
    )
    assert s.smtp is not None
    assert (s.smtp.host, s.smtp.port, s.smtp.use_tls, s.smtp.start_tls) == (
        "mail.trust.org",
        465,
        True,
        False,
    )
    assert (s.smtp.username, s.smtp.password) == ("pb@trust.org", "p/w")
    assert "p/w" not in repr(s)
    starttls = load_settings({"SMTP_URL": "smtp://mail:2525?starttls=true", "SMTP_FROM": "a@b.org"})
    assert starttls.smtp is not None and starttls.smtp.start_tls is True
    assert starttls.smtp.port == 2525
    plain = load_settings({"SMTP_URL": "smtp://mail?starttls=true", "SMTP_FROM": "a@b.org"})
    assert plain.smtp is not None and plain.smtp.port == 587
    assert load_settings({}).smtp is None


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SMTP_URL": "smtp://mail.example.org"}, "SMTP_FROM is missing"),
        ({"SMTP_FROM": "pb@trust.org"}, "SMTP_URL is missing"),
        ({"SMTP_URL": "http://mail", "SMTP_FROM": "pb@trust.org"}, "should start with smtp://"),
        ({"SMTP_URL": "smtp://mail:99999", "SMTP_FROM": "pb@trust.org"}, "bad port"),
        ({"SMTP_URL": "smtp://mail", "SMTP_FROM": "policybot"}, "not an email address"),
        ({"SMTP_URL": "smtp://mail?starttls=maybe", "SMTP_FROM": "a@b.org"}, "true, false or auto"),
        ({"SMTP_URL": "smtps://mail?starttls=true", "SMTP_FROM": "a@b.org"}, "already TLS"),
        ({"SMTP_URL": "smtp://u:hunter2@/", "SMTP_FROM": "a@b.org"}, "names no host"),
    ],
)
def test_bad_smtp_settings_are_explained(env: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    text = "\n".join(err.value.problems)
    assert problem in text and "hunter2" not in text

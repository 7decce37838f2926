"""Configuration from environment variables, read and validated in one place.

Every problem is collected and reported together, one clear line per missing or bad value,
so a school's admin can fix them all in one go. Names are fixed by DESIGN.md; the README
documents each.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from bot.emails import is_email_address
from bot.reports.settings import problems_and_settings


def report_problems(env: Mapping[str, str], host: str, port: int) -> list[str]:
    """Problems in the governors' report and retention settings (bot/reports/settings.py)."""
    return problems_and_settings(env, host, port)[0]


DEFAULT_SLACK_API_URL = "https://slack.com/api/"
#: the Agents SDK's own variable naming the bot's app (client) id
TEAMS_CLIENT_ID_VAR = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"


class ConfigError(ValueError):
    """One or more configuration values are missing or bad; ``problems`` lists each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Configuration problems:\n" + "\n".join(f"  - {p}" for p in problems))


def default_database_url(cwd: Path | None = None) -> str:
    """A SQLite file under ``var/`` in the working directory (created on demand)."""
    var = (cwd or Path.cwd()) / "var"
    return f"sqlite:///{var / 'policybot.sqlite3'}"


@dataclass(frozen=True)
class SmtpSettings:
    """Where email alerts are sent from (``SMTP_URL`` + ``SMTP_FROM``).

    ``use_tls``: implicit TLS (``smtps://``); ``start_tls``: True = require STARTTLS,
    False = never, None = upgrade when the server offers it (aiosmtplib's own rule).
    """

    host: str
    port: int
    from_address: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    start_tls: bool | None = None
    timeout: float = 30.0

    @property
    def describe(self) -> str:
        """``smtps://host:465`` (no credentials), for messages to an admin."""
        return f"{'smtps' if self.use_tls else 'smtp'}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    """All runtime settings. Build with :func:`load_settings`."""

    database_url: str
    host: str = "127.0.0.1"
    port: int = 3978
    policy_kb: Path | None = None
    trust_config: Path | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    run_worker: bool = True
    log_level: str = "INFO"
    reminder_minutes: int = 60
    teams_enabled: bool = False
    #: how long "Send report" waits for the database before saying it could not save
    submit_timeout_ms: int = 2500
    #: an outbox worker's hold on a message it is sending, renewed while it works
    outbox_lease_seconds: int = 20
    #: messages one worker sends at once (so one slow call holds nothing else)
    outbox_concurrency: int = 8
    #: how long one Slack Web API call may take before it counts as failed
    slack_timeout_seconds: int = 10
    smtp: SmtpSettings | None = None
    #: ``PUBLIC_URL`` when set: the address people open policybot's pages at
    public_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def slack_enabled(self) -> bool:
        """Slack is served when its token and signing secret are both set."""
        return bool(self.slack_bot_token and self.slack_signing_secret)


def _int(
    env: Mapping[str, str], name: str, default: int, lo: int, hi: int, problems: list[str]
) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}={raw!r} is not a whole number")
        return default
    if not lo <= value <= hi:
        problems.append(f"{name}={value} is out of range ({lo} to {hi})")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool, problems: list[str]) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    low = raw.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    problems.append(f"{name}={raw!r} should be true or false")
    return default


def _path(env: Mapping[str, str], name: str, problems: list[str]) -> Path | None:
    raw = env.get(name)
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        problems.append(f"{name}={raw!r}: no such file")
    return path


_STARTTLS = {"true": True, "required": True, "false": False, "off": False, "auto": None}


def _smtp(env: Mapping[str, str], problems: list[str]) -> SmtpSettings | None:
    """``SMTP_URL`` (smtp://user:pass@host:port[?starttls=true|false|auto], smtps://...)
    and ``SMTP_FROM``, both or neither. The password is never repeated in a problem."""
    raw = (env.get("SMTP_URL") or "").strip()
    sender = (env.get("SMTP_FROM") or "").strip()
    if not raw and not sender:
        return None
    if not raw:
        problems.append("SMTP_URL is missing: email alerts need both SMTP_URL and SMTP_FROM")
        return None
    if not sender:
        problems.append(
            "SMTP_FROM is missing: set the address email alerts come from "
            "(e.g. policybot@yourtrust.org.uk)"
        )
    elif not is_email_address(sender):
        problems.append(f"SMTP_FROM={sender!r} is not an email address")
    try:
        url = urlsplit(raw)
        port_in_url = url.port
    except ValueError:
        problems.append("SMTP_URL has a bad port (e.g. smtp://mail.example.org:587)")
        return None
    if url.scheme not in {"smtp", "smtps"}:
        problems.append(
            "SMTP_URL should start with smtp:// (STARTTLS when offered) or smtps:// "
            "(implicit TLS), e.g. smtp://user:password@mail.example.org:587"
        )
        return None
    if not url.hostname:
        problems.append("SMTP_URL names no host (e.g. smtp://mail.example.org:587)")
        return None
    use_tls = url.scheme == "smtps"
    start_tls: bool | None = None
    query = {k.lower(): v[-1] for k, v in parse_qs(url.query).items()}
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        problems.append(f"SMTP_URL: unknown option(s) {', '.join(unknown)} (only starttls)")
    if "starttls" in query:
        choice = query["starttls"].strip().lower()
        if choice not in _STARTTLS:
            problems.append("SMTP_URL: starttls should be true, false or auto")
        elif use_tls and _STARTTLS[choice]:
            problems.append("SMTP_URL: smtps:// is already TLS; starttls=true needs smtp://")
        else:
            start_tls = _STARTTLS[choice]
    if use_tls:
        start_tls = False
    port = port_in_url or (465 if use_tls else 587 if start_tls else 25)
    return SmtpSettings(
        host=url.hostname,
        port=port,
        from_address=sender,
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
    )


def load_settings(env: Mapping[str, str] | None = None, *, require_slack: bool = False) -> Settings:
    """Read settings from ``env`` (default ``os.environ``).

    Raises :class:`ConfigError` listing every problem at once.
    """
    env = os.environ if env is None else env
    problems: list[str] = []
    database_url = env.get("DATABASE_URL") or default_database_url()
    if "://" not in database_url:
        problems.append(
            f"DATABASE_URL={database_url!r} is not a database URL "
            "(e.g. sqlite:///var/policybot.sqlite3 or postgresql://user@host/db)"
        )
    elif database_url.split("://", 1)[0].split("+", 1)[0] not in {
        "sqlite",
        "postgresql",
        "postgres",
    }:
        scheme = database_url.split(":", 1)[0]
        problems.append(f"DATABASE_URL: only sqlite and postgresql are supported, got {scheme!r}")
    port = _int(env, "PORT", 3978, 1, 65535, problems)
    reminder = _int(env, "REMINDER_MINUTES", 60, 1, 7 * 24 * 60, problems)
    run_worker = _bool(env, "RUN_WORKER", True, problems)
    submit_timeout = _int(env, "SUBMIT_TIMEOUT_MS", 2500, 200, 20_000, problems)
    lease = _int(env, "OUTBOX_LEASE_SECONDS", 20, 3, 600, problems)
    concurrency = _int(env, "OUTBOX_CONCURRENCY", 8, 1, 100, problems)
    slack_timeout = _int(env, "SLACK_TIMEOUT_SECONDS", 10, 1, 120, problems)
    slack_api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not slack_api_url.startswith(("http://", "https://")):
        problems.append(f"SLACK_API_URL={slack_api_url!r} must start with http:// or https://")
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"
    token = env.get("SLACK_BOT_TOKEN") or None
    secret = env.get("SLACK_SIGNING_SECRET") or None
    app_token = env.get("SLACK_APP_TOKEN") or None
    if token and not token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN should be a bot token starting with 'xoxb-'")
    if app_token and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN should be an app-level token starting with 'xapp-'")
    if bool(token) != bool(secret):
        missing = "SLACK_SIGNING_SECRET" if token else "SLACK_BOT_TOKEN"
        problems.append(
            f"{missing} is missing: Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
        )
    elif require_slack and not token:
        problems.append("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are required to serve Slack")
    # Teams is on with Agents SDK credentials or the development-only local mode; the
    # adapter (adapters/teams/auth.py) validates the details when it starts.
    teams_local = _bool(env, "TEAMS_LOCAL_MODE", False, problems)
    teams_enabled = teams_local or bool(env.get(TEAMS_CLIENT_ID_VAR))
    log_level = (env.get("LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problems.append(f"LOG_LEVEL={log_level!r} should be DEBUG, INFO, WARNING or ERROR")
    smtp = _smtp(env, problems)
    problems += report_problems(env, env.get("HOST") or "127.0.0.1", port)
    settings = Settings(
        database_url=database_url,
        host=env.get("HOST") or "127.0.0.1",
        port=port,
        policy_kb=_path(env, "POLICY_KB", problems),
        trust_config=_path(env, "TRUST_CONFIG", problems),
        slack_bot_token=token,
        slack_signing_secret=secret,
        slack_app_token=app_token,
        slack_api_url=slack_api_url,
        run_worker=run_worker,
        log_level=log_level,
        reminder_minutes=reminder,
        teams_enabled=teams_enabled,
        submit_timeout_ms=submit_timeout,
        outbox_lease_seconds=lease,
        outbox_concurrency=concurrency,
        slack_timeout_seconds=slack_timeout,
        smtp=smtp,
        public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
    )
    if problems:
        raise ConfigError(problems)
    return settings

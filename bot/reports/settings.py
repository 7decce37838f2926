"""Settings of governors' reports and retention, from environment variables.

Checked at start-up with the rest (:func:`bot.config.load_settings` lists every problem):

- ``REPORT_TERM_DATES``: the days each term's monitoring report is made, ``MM-DD`` comma
  separated (default ``12-18,04-01,07-21``: the end of the autumn, spring and summer
  terms); each report covers the days since the previous one;
- ``POLICY_REVIEW_DATE``: the policy's yearly review day, ``MM-DD`` (default ``09-01``);
- ``RETENTION_YEARS``: closed incidents are kept this many years after closure (default 6;
  the trust must decide) and removed only by ``policybot admin retention --apply``;
- ``PUBLIC_URL``: the address people open report links at (default ``http://HOST:PORT``);
- ``REPORT_LINK_DAYS``: how long a report link works (default 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_TERM_DATES = "12-18,04-01,07-21"
DEFAULT_REVIEW_DATE = "09-01"
DEFAULT_RETENTION_YEARS = 6
DEFAULT_LINK_DAYS = 14


@dataclass(frozen=True)
class ReportSettings:
    """Validated report settings."""

    term_dates: tuple[tuple[int, int], ...] = ((12, 18), (4, 1), (7, 21))
    review_date: tuple[int, int] = (9, 1)
    retention_years: int = DEFAULT_RETENTION_YEARS
    public_url: str = "http://127.0.0.1:3978"
    link_lifetime: timedelta = timedelta(days=DEFAULT_LINK_DAYS)


def _month_day(text: str) -> tuple[int, int]:
    month, _, day = text.strip().partition("-")
    value = (int(month), int(day))
    date(2024, *value)  # a leap year, so 02-29 is allowed; raises if no such day
    return value


def problems_and_settings(
    env: Mapping[str, str], host: str = "127.0.0.1", port: int = 3978
) -> tuple[list[str], ReportSettings]:
    """Every problem (one line each) and the settings (defaults where a value was bad)."""
    problems: list[str] = []
    raw = env.get("REPORT_TERM_DATES") or DEFAULT_TERM_DATES
    try:
        terms = tuple(sorted({_month_day(p) for p in raw.split(",") if p.strip()}))
        if not terms:
            raise ValueError
    except ValueError:
        problems.append(
            f"REPORT_TERM_DATES={raw!r} should be days like 12-18,04-01,07-21 (MM-DD, commas)"
        )
        terms = ReportSettings.term_dates
    raw = env.get("POLICY_REVIEW_DATE") or DEFAULT_REVIEW_DATE
    try:
        review = _month_day(raw)
    except ValueError:
        problems.append(f"POLICY_REVIEW_DATE={raw!r} should be a day like 09-01 (MM-DD)")
        review = ReportSettings.review_date
    years = _whole(env, "RETENTION_YEARS", DEFAULT_RETENTION_YEARS, 1, 100, problems)
    days = _whole(env, "REPORT_LINK_DAYS", DEFAULT_LINK_DAYS, 1, 365, problems)
    public = (env.get("PUBLIC_URL") or f"http://{host}:{port}").rstrip("/")
    if not public.startswith(("http://", "https://")):
        problems.append(f"PUBLIC_URL={public!r} must start with http:// or https://")
    return problems, ReportSettings(terms, review, years, public, timedelta(days=days))


def _whole(
    env: Mapping[str, str], name: str, default: int, lo: int, hi: int, problems: list[str]
) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}={raw!r} is not a whole number")
        return default
    if not lo <= value <= hi:
        problems.append(f"{name}={value} is out of range ({lo} to {hi})")
        return default
    return value


def report_settings(
    env: Mapping[str, str] | None = None, host: str | None = None, port: int | None = None
) -> ReportSettings:
    """The settings from ``env`` (default ``os.environ``); bad values fall back to defaults
    (start-up has already refused them through :func:`bot.config.load_settings`)."""
    import os

    env = os.environ if env is None else env
    host = host or env.get("HOST") or "127.0.0.1"
    if port is None:
        port = int(env["PORT"]) if env.get("PORT", "").isdigit() else 3978
    return problems_and_settings(env, host, port)[1]

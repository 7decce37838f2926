"""``policybot doctor``: one command to run after set-up, to see that alerts will get through.

It checks the settings, the database and its migrations, Slack (``auth.test``), the Teams
credentials (a token from Azure) and the mail server (connect, EHLO, NOOP), then asks every
channel about every routed person of every academy (Head, DSL, deputy, Chair) and the trust
admins: would an alert reach them today? Every problem comes with what to do. Nothing is sent
to anyone and nothing is changed (not even migrations).

Exit code: 0 all is well, 1 something needs doing, 2 the settings are bad.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ConfigError, Settings, load_settings
from bot.doctor.findings import Section, has_problems, render
from bot.doctor.reach import Reach, ReachCheck, RoutedPerson, load_roster, reach_section
from bot.store.conversations import ConversationStore
from bot.store.db import Database
from bot.store.migrate import current_revision, head_revision

DB_TIMEOUT = 15.0


def _settings(env: Mapping[str, str]) -> tuple[Settings | None, Any, list[str]]:
    """Settings, Teams auth and every settings problem (all listed at once)."""
    from adapters.teams.auth import load_teams_auth
    from bot.trust.config import TrustConfigError, load_trust_config

    problems: list[str] = []
    settings = teams = None
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        problems += exc.problems
    try:
        teams = load_teams_auth(env)
    except ConfigError as exc:
        problems += exc.problems
    if settings is not None and settings.trust_config is not None:
        try:
            load_trust_config(settings.trust_config)
        except TrustConfigError as exc:
            problems.append(f"TRUST_CONFIG: {exc}")
    return settings, teams, problems


def _settings_section(settings: Settings) -> Section:
    section = Section("Settings")
    url = make_url(settings.database_url)
    section.ok(
        f"Settings are valid. Database: {url.render_as_string(hide_password=True)}; "
        f"trust file: {settings.trust_config or 'not set (TRUST_CONFIG)'}."
    )
    return section


async def _compare_trust_file(session: AsyncSession, path: Path, section: Section) -> None:
    from bot.doctor.trust_file import unloaded_changes
    from bot.trust.config import load_trust_config

    changes = await unloaded_changes(session, load_trust_config(path))
    if not changes:
        section.ok(f"The database holds what the trust file {path} says.")
        return
    shown = "; ".join(changes[:5]) + (f"; and {len(changes) - 5} more" if len(changes) > 5 else "")
    section.problem(
        f"The trust file {path} has changes the database does not have yet ({shown}); "
        "alerts go by the database, so the checks below are of the people as they were.",
        f"Load the trust file: policybot admin import-config {path} (policybot serve also "
        "loads it when it starts), then run policybot doctor again.",
    )


async def _database_section(database: Database) -> tuple[Section, bool]:
    section = Section("Database")
    url = make_url(database.url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        if not path.exists():  # connecting would create it: doctor changes nothing
            section.problem(
                f"There is no database file at {path}.",
                "Run policybot db upgrade to create it (policybot serve also does it when it "
                "starts), or set DATABASE_URL to the database policybot uses.",
            )
            return section, False
    try:
        async with asyncio.timeout(DB_TIMEOUT):
            async with database.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await current_revision(database)
    except Exception as exc:  # reported in plain words; the other checks still run
        section.problem(
            f"The database cannot be reached: {type(exc).__name__}: {str(exc)[:300]}",
            "Check DATABASE_URL (host, port, user, password, database name) and that the "
            "database server is running and accepts connections from this server.",
        )
        return section, False
    section.ok("The database answers.")
    head = head_revision()
    if current == head:
        section.ok(f"Migrations are current (revision {head}).")
        return section, True
    section.problem(
        "The database has never been migrated."
        if current is None
        else f"The database is at revision {current}; this version needs {head}.",
        "Run policybot db upgrade (policybot serve and policybot worker also do it when "
        "they start).",
    )
    return section, False


async def _slack_section(settings: Settings) -> tuple[Section, dict[str, ReachCheck]]:
    section = Section("Slack")
    if not settings.slack_enabled:
        section.note("Slack is not set up (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET unset).")
        return section, {}
    from adapters.slack.app import web_client
    from adapters.slack.doctor import check_app_token, check_auth, member_reach

    client = web_client(settings)
    finding = await check_auth(client, settings.slack_api_url)
    section.findings.append(finding)
    if settings.slack_app_token:
        section.findings.append(
            await check_app_token(settings.slack_app_token, settings.slack_api_url)
        )
    ok = finding.level == "ok"

    async def reach(person: RoutedPerson) -> Reach:
        return await member_reach(client, person, ok)

    return section, {"slack": reach}


async def _teams_section(teams: Any, database: Database) -> tuple[Section, dict[str, ReachCheck]]:
    section = Section("Microsoft Teams")
    if teams is None:
        section.note("Teams is not set up (no CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*).")
        return section, {}
    from adapters.teams.doctor import check_credentials, member_reach

    section.findings.append(await check_credentials(teams))
    store = ConversationStore(database)
    return section, {"teams": functools.partial(member_reach, store)}


async def _email_section(settings: Settings) -> tuple[Section, dict[str, ReachCheck]]:
    section = Section("Email")
    if settings.smtp is None:
        section.note(
            "Email alerts are off (set SMTP_URL and SMTP_FROM to alert people by email when "
            "chat delivery fails, and the DSL about every Immediate report)."
        )
        return section, {}
    from adapters.email.doctor import check_server, member_reach

    finding = await check_server(settings.smtp)
    section.findings.append(finding)
    ok = finding.level == "ok"

    async def reach(person: RoutedPerson) -> Reach:
        return member_reach(person, ok)

    return section, {"email": reach}


async def diagnose(settings: Settings, teams: Any) -> list[Section]:
    """Every check, as report sections (nothing is sent, nothing is changed)."""
    database = Database(settings.database_url)
    try:
        sections = [_settings_section(settings)]
        db_section, db_ok = await _database_section(database)
        sections.append(db_section)
        checks: dict[str, ReachCheck] = {}
        for section, channel_checks in (
            await _slack_section(settings),
            await _teams_section(teams, database),
            await _email_section(settings),
        ):
            sections.append(section)
            checks.update(channel_checks)
        if db_ok:
            async with database.session() as session:
                roster = await load_roster(session)
                if settings.trust_config is not None:
                    await _compare_trust_file(session, settings.trust_config, sections[0])
            sections.append(await reach_section(roster, checks))
        return sections
    finally:
        await database.dispose()


def run(_args: argparse.Namespace) -> int:
    """Run every check and print the report; exit 0 / 1 / 2."""
    settings, teams, problems = _settings(os.environ)
    if problems or settings is None:
        print(f"Settings: {len(problems)} problem(s). Fix them and run policybot doctor again:")
        for problem in problems:
            print(f"  [!!] {problem}")
        return 2
    print("policybot doctor: checking this installation (nothing is sent to anyone).\n")
    sections = asyncio.run(diagnose(settings, teams))
    print(render(sections))
    sys.stdout.flush()
    return 1 if has_problems(sections) else 0


def register(subparsers: Any) -> None:
    """Add the ``doctor`` sub-command."""
    parser = subparsers.add_parser(
        "doctor",
        help="check settings, database, Slack, Teams, email and who alerts would reach",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=run)

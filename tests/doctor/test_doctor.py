"""``policybot doctor`` against a fake Slack Web API, a real local SMTP server, Teams
conversation references in a real (SQLite) database, and the real command."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from adapters.teams.references import StoredReference
from bot.cli import main
from bot.store.conversations import ConversationStore
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import AcademyRole, Person
from bot.trust.config import load_trust_config
from bot.trust.directory import TrustDirectory
from tests.conftest import EXAMPLE_TRUST, ROOT
from tests.email.smtp_server import FakeSmtpServer
from tests.slack.fake_slack import FakeSlack

TEAMS_IDS = {p.id: p.teams for p in load_trust_config(EXAMPLE_TRUST).people}
ROUTED = ["jsmith", "okhan", "lpatel", "rhughes", "sokafor", "dwilliams", "ebrown", "gevans"]
ROUTED += ["pshah", "dreid"]  # the safeguarding governors (issue 16)
ROUTED_SLACK = {"U04JSMITH01", "U04OKHAN002", "U04LPATEL03", "U04SOKAFOR5", "U04DWILLMS6"}
ROUTED_SLACK |= {"U04EBROWN07", "U04AMORGAN9", "U04PSHAH011", "U04DREID012"}
INSTALL_TODO = (
    "Omar Khan has never opened policybot in Teams: ask them to, or install the app for them "
    "from the Teams admin centre."
)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def installation(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    smtp_server: FakeSmtpServer,
) -> AsyncIterator[Database]:
    """The example trust in a migrated database; Slack, Teams (local) and email set up, and
    every routed person has opened policybot in Teams."""
    url = f"sqlite:///{tmp_path / 'doctor.sqlite3'}"
    for name in list(os.environ):
        if name.startswith("CONNECTIONS__") or name in {"TRUST_CONFIG", "SLACK_APP_TOKEN"}:
            monkeypatch.delenv(name)
    env = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-doctor",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": fake_slack.api_url,
        "TEAMS_LOCAL_MODE": "true",
        "SMTP_URL": smtp_server.url(),
        "SMTP_FROM": "policybot@northbridge.example.org",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    database = Database(url)
    await upgrade(database)
    await TrustDirectory(database).import_config(load_trust_config(EXAMPLE_TRUST))
    for key in [*ROUTED, "amorgan"]:
        await opened_teams(database, key)
    try:
        yield database
    finally:
        await database.dispose()


async def opened_teams(database: Database, key: str, blocked: str | None = None) -> None:
    """Store the Teams conversation reference the bot keeps once someone opened it."""
    aad = TEAMS_IDS[key]
    assert aad is not None
    ref = StoredReference(
        aad_object_id=aad,
        user_id=f"29:{key}",
        name=key,
        service_url="https://smba.trafficmanager.net/uk/",
        channel_id="msteams",
        tenant_id="tenant",
        bot_id="28:policybot",
        bot_name="policybot",
        conversation_id=None if blocked else f"a:{key}",
        captured_at="2026-11-24T09:00:00+00:00",
        blocked=blocked,
    )
    await ConversationStore(database).put(f"teams-ref:{aad}", asdict(ref))


async def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``policybot doctor`` in-process (in a thread: the fakes serve on this loop)."""
    code = await asyncio.to_thread(main, ["doctor"])
    out = capsys.readouterr()
    return code, out.out + out.err


async def test_all_well_exits_0_and_sends_nothing(
    installation: Database,
    fake_slack: FakeSlack,
    smtp_server: FakeSmtpServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = await doctor(capsys)
    assert code == 0, out
    assert "All is well" in out and "[!!]" not in out
    assert "Migrations are current" in out
    assert "Slack token works: connected to T0SCHOOL as UPOLICYBOT1 (auth.test)" in out
    assert "Teams is in local mode" in out
    assert "answers (EHLO, NOOP; nothing sent)" in out
    assert "    Designated Safeguarding Lead: Omar Khan: Slack yes; Teams yes; email yes" in out
    assert (
        "    Chair of Governors: Robert Hughes: Slack - (no member ID); Teams yes; email yes" in out
    )
    assert "Trust administrators:\n    Alison Morgan: Slack yes; Teams yes; email yes" in out
    assert "[--] Robert Hughes is not on Slack" in out
    assert len(fake_slack.named("auth.test")) == 1
    assert not fake_slack.named("apps.connections.open")  # HTTP mode: no app token
    assert {c.args["user"] for c in fake_slack.named("users.info")} == ROUTED_SLACK
    assert not fake_slack.named("chat.postMessage") and not fake_slack.named("conversations.open")
    assert smtp_server.noops >= 1 and smtp_server.messages == []


async def test_every_gap_is_named_with_what_to_do(
    installation: Database,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-socket")
    await ConversationStore(installation).delete(f"teams-ref:{TEAMS_IDS['okhan']}")
    await opened_teams(installation, "sokafor", blocked="the bot was removed from their chat")
    fake_slack.deleted_users.add("U04JSMITH01")
    fake_slack.unknown_users.add("U04LPATEL03")
    async with installation.transaction() as session:
        await session.execute(update(Person).where(Person.key == "dwilliams").values(email=None))
        await session.execute(
            delete(AcademyRole).where(
                AcademyRole.academy_id == "riverside", AcademyRole.role == "chair_of_governors"
            )
        )

    code, out = await doctor(capsys)
    assert code == 1, out
    assert "Socket Mode app token works (apps.connections.open)." in out
    assert fake_slack.named("apps.connections.open")
    assert "Omar Khan: Slack yes; Teams NO (has never opened policybot in Teams)" in out
    assert INSTALL_TODO in out
    assert "Jane Smith: Slack: their Slack account (U04JSMITH01) is deactivated." in out
    assert "Jane Smith's Slack account is deactivated: if they have left" in out
    assert "Leena Patel: Slack: member ID U04LPATEL03 is not in this Slack workspace." in out
    assert "Sarah Okafor removed or blocked policybot in Teams" in out
    assert "David Williams is a safeguarding lead with no email address" in out
    assert "Add an email: address for David Williams in the trust file" in out
    assert "    Chair of Governors: nobody" in out
    assert "policybot admin set-role riverside chair_of_governors PERSON" in out
    assert "would NOT be alerted at all" not in out  # everyone still has another channel
    todo_block = out.split("What needs doing (", 1)[1]
    assert todo_block.startswith("6):"), todo_block


async def test_broken_channels_and_people_reached_by_none(
    installation: Database,
    fake_slack: FakeSlack,
    smtp_server: FakeSmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_slack.fail("auth.test", error="invalid_auth")
    fake_slack.fail("apps.connections.open", error="invalid_auth")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-revoked")
    smtp_server.stop()
    await ConversationStore(installation).delete(f"teams-ref:{TEAMS_IDS['rhughes']}")

    code, out = await doctor(capsys)
    assert code == 1, out
    assert "Slack does not accept the bot token: Slack said invalid_auth." in out
    assert "Copy the Bot User OAuth Token" in out
    assert "Socket Mode will not connect: Slack said invalid_auth." in out
    assert "Email alerts cannot be sent:" in out and "could not be reached" in out
    assert "Slack NO (Slack is not working)" in out and "email NO (email is not working)" in out
    assert not fake_slack.named("users.info")
    assert "Robert Hughes would NOT be alerted at all today." in out
    assert "Omar Khan would NOT be alerted at all" not in out  # Teams still reaches him


async def test_bad_settings_exit_2_listing_every_problem(
    installation: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SMTP_FROM")
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "app-id")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token")
    code, out = await doctor(capsys)
    assert code == 2, out
    assert "SMTP_FROM is missing" in out and "SLACK_BOT_TOKEN should be a bot token" in out
    assert "TEAMS_LOCAL_MODE=true cannot be combined with Teams credentials" in out
    assert "Database" not in out


async def test_a_broken_trust_file_is_a_settings_problem(
    installation: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "trust.yaml"
    bad.write_text("people:\n  - id: a\n    name: A\n    teams: not-a-guid\n")
    monkeypatch.setenv("TRUST_CONFIG", str(bad))
    code, out = await doctor(capsys)
    assert code == 2 and "TRUST_CONFIG:" in out and "people[0].teams" in out


async def test_unreachable_database_and_unmigrated_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("CONNECTIONS__", "SLACK_", "SMTP_", "TEAMS_")) or name in {
            "TRUST_CONFIG"
        }:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", "postgresql://policybot@127.0.0.1:1/policybot")
    code, out = await doctor(capsys)
    assert code == 1 and "The database cannot be reached" in out and "Check DATABASE_URL" in out
    assert "No alert channel" not in out  # no roster without a database

    missing = tmp_path / "new.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    code, out = await doctor(capsys)
    assert code == 1 and f"There is no database file at {missing}." in out
    assert "Run policybot db upgrade" in out and not missing.exists()

    missing.touch()
    code, out = await doctor(capsys)
    assert code == 1 and "The database has never been migrated." in out


async def test_no_channel_at_all_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("CONNECTIONS__", "SLACK_", "SMTP_", "TEAMS_")) or name in {
            "TRUST_CONFIG"
        }:
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    database = Database(url)
    await upgrade(database)
    await database.dispose()
    code, out = await doctor(capsys)
    assert code == 1
    assert "There are no academies in the database." in out
    assert "Nobody is a trust administrator" in out
    assert "No alert channel is set up" in out


async def test_trust_file_changes_not_yet_loaded_are_a_problem(
    installation: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRUST_CONFIG", str(EXAMPLE_TRUST))
    code, out = await doctor(capsys)
    assert code == 0 and f"The database holds what the trust file {EXAMPLE_TRUST} says." in out

    edited = tmp_path / "trust.yaml"
    text = EXAMPLE_TRUST.read_text().replace("dsl: okhan", "dsl: tcooper")
    edited.write_text(text.replace("Emma Brown", "Emma Green"))
    monkeypatch.setenv("TRUST_CONFIG", str(edited))
    code, out = await doctor(capsys)
    assert code == 1
    assert "Emma Green (ebrown) has changed; academy Oakfield Primary Academy (oakfield)" in out
    assert f"Load the trust file: policybot admin import-config {edited}" in out


async def test_the_real_command_in_its_own_process(installation: Database) -> None:
    exe = ROOT / ".venv" / "bin" / "policybot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        "doctor",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode() + err.decode()
    assert "All is well" in out.decode()

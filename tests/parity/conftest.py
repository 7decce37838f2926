"""Start one platform for a parity run: the real core on a test database, the platform's
real adapter (the aiohttp server for Slack and Teams, the console chat), its fakes of the
outside world, and an outbox worker with that platform's real notifier."""

from __future__ import annotations

import functools
import io
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from adapters.server.app import create_app
from adapters.slack.app import SLACK_KEY, web_client
from adapters.slack.app import install as install_slack
from adapters.slack.notifier import SlackNotifier
from adapters.teams.app import TEAMS_KEY
from adapters.teams.app import install as install_teams
from bot.clock import FakeClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from bot.dialogs import ReportDialog
from bot.store.db import Database
from tests.parity.base import (
    PARITY_ROLES,
    STAFF_CHANNEL,
    Driver,
    load_people,
    make_bot,
    write_parity_trust,
)
from tests.parity.drivers.console import ConsoleDriver, Terminals
from tests.parity.drivers.slack import CHANNEL as SLACK_STAFF
from tests.parity.drivers.slack import SlackDriver
from tests.parity.drivers.teams import TEAM, TeamsDriver
from tests.slack.conftest import SECRET, TOKEN, SlackClient
from tests.slack.fake_slack import BOT_USER, FakeSlack
from tests.teams.fake_connector import FakeConnector

PLATFORMS = ("slack", "teams", "console")


@asynccontextmanager
async def running(platform: str, database: Database, tmp_path: Path) -> AsyncIterator[Driver]:
    """``platform`` up and running on ``database`` (migrated, empty); yields its driver."""
    clock = FakeClock()
    tmp_path.mkdir(parents=True, exist_ok=True)
    trust = write_parity_trust(tmp_path, PARITY_ROLES)
    people = load_people(trust)
    bot = await make_bot(database, clock, platform, trust)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",  # the bot has its own
        "TRUST_CONFIG": str(trust),
        "RUN_WORKER": "false",
    }
    if platform == "console":
        notices = io.StringIO()
        terminals = Terminals(notices)
        worker = OutboxWorker(database, {"console": terminals}, clock)
        steps = list(ReportDialog.load().definition.steps)
        console = ConsoleDriver(bot, worker, people, notices, steps)
        terminals.chat_for = console.chat_at
        yield console
    elif platform == "slack":
        fake = FakeSlack()
        await fake.start()
        settings = load_settings(
            {
                **env,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
            }
        )
        app = create_app(settings, bot, installers=[install_slack])
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        worker = OutboxWorker(database, {"slack": SlackNotifier(web_client(settings))}, clock)
        try:
            fake.channel_members[SLACK_STAFF] = [people[p].slack for p in STAFF_CHANNEL]
            fake.channel_members[SLACK_STAFF].append(BOT_USER)
            async with aiohttp.ClientSession() as session:
                client = SlackClient(session, str(server.make_url("/slack/events")), fake)
                yield SlackDriver(client, fake, app[SLACK_KEY].runtime, worker, people)
            assert not fake.problems, "\n".join(fake.problems)  # tests/slack/payload_check.py
        finally:
            await server.close()
            await fake.close()
    else:
        settings = load_settings(env)
        installer = functools.partial(install_teams, env={"TEAMS_LOCAL_MODE": "true"})
        app = create_app(settings, bot, installers=[installer])
        notifier = app[TEAMS_KEY].notifier()
        worker = OutboxWorker(database, {"teams": notifier}, clock, rng=random.Random(1))
        async with (
            FakeConnector() as connector,
            TestClient(TestServer(app, host="127.0.0.1")) as http,
        ):
            connector.members[TEAM] = [
                {
                    "id": f"29:{people[p].teams}",
                    "name": people[p].name,
                    "aadObjectId": people[p].teams,
                }
                for p in STAFF_CHANNEL
            ]
            driver = TeamsDriver(http, connector, worker, people, bot)
            await driver.install()
            yield driver

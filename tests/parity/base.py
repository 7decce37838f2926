"""What every platform driver shares: the trust's people, the core on a test database, and
the small interface the scenario runner calls.

The trust is ``config/trust.example.yaml`` with one change: its two Chairs of Governors get
Slack member ids (the example leaves them out of Slack), so a report about a Headteacher
can reach the Chair on every platform and that routing rule is compared too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.accounts.service import run_due_accounts
from bot.app import PolicyBot
from bot.campaigns.service import run_due_campaigns
from bot.clock import FakeClock
from bot.incidents.service import IncidentService
from bot.qa.engine import AnswerEngine
from bot.store.db import Database
from bot.trust.config import load_trust_config
from bot.trust.directory import import_trust_config
from tests.parity.text import Observation

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_TRUST = ROOT / "config" / "trust.example.yaml"
#: Slack ids for the people the example trust keeps out of Slack (Chairs of Governors)
EXTRA_SLACK_IDS = {"rhughes": "U04RHUGHES4", "gevans": "U04GEVANS08"}
#: roles the parity runs add to the example trust: Oakfield's official accounts are checked
#: by its deputy DSL, so an overdue check goes up to the Headteacher (issue 15)
PARITY_ROLES = {"oakfield": {"social_media_checker": "lpatel"}}
#: the members of the staff channel (a Slack channel, a Teams team): Oakfield's six staff
STAFF_CHANNEL = ("jsmith", "lpatel", "okhan", "pshah", "rhughes", "tcooper")
REMINDER_MINUTES = 60


@dataclass(frozen=True)
class Person:
    """A trust person and their identity on each platform."""

    id: str
    name: str
    slack: str
    teams: str
    console: str


def write_parity_trust(
    directory: Path, roles: Mapping[str, Mapping[str, str]] | None = None
) -> Path:
    """The example trust, with every person on every platform and ``roles`` added to its
    academies (``{academy: {role: person}}``); returns its path."""
    data = yaml.safe_load(EXAMPLE_TRUST.read_text(encoding="utf-8"))
    for person in data["people"]:
        person.setdefault("slack", EXTRA_SLACK_IDS.get(person["id"]))
    for academy in data["academies"]:
        academy.update((roles or {}).get(academy["id"], {}))
    path = directory / "parity-trust.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_people(trust_path: Path) -> dict[str, Person]:
    """Trust person id -> :class:`Person` (every identity must be present)."""
    config = load_trust_config(trust_path)
    people = {}
    for p in config.people:
        assert p.slack and p.teams and p.console, f"{p.id} lacks a platform identity"
        people[p.id] = Person(p.id, p.name, p.slack, p.teams, p.console)
    return people


_ENGINE: AnswerEngine | None = None


def answer_engine() -> AnswerEngine:
    """The bundled knowledge base, loaded once per test session (it is read-only)."""
    global _ENGINE
    _ENGINE = _ENGINE or AnswerEngine.from_file()
    return _ENGINE


async def make_bot(
    database: Database, clock: FakeClock, platform: str, trust_path: Path
) -> PolicyBot:
    """The core as ``PolicyBot.create`` builds it, on an already migrated ``database``."""
    config = load_trust_config(trust_path)
    async with database.transaction() as session:
        await import_trust_config(session, config, now=clock.now(), platforms=[platform])
    incidents = IncidentService(
        database,
        clock=clock,
        platforms=[platform],
        reminder_after=timedelta(minutes=REMINDER_MINUTES),
        escalate_after=timedelta(minutes=REMINDER_MINUTES * 2),
    )
    return PolicyBot(engine=answer_engine(), database=database, incidents=incidents, clock=clock)


async def run_due(bot: PolicyBot) -> None:
    """What the worker's reminder loop runs (``policybot worker``, or inside ``serve``):
    incident reminders, campaign reminders and reports, official-account reminders and
    checks (see ``bot/commands/worker.py``)."""
    service = bot.incidents
    await service.run_due_reminders()
    await run_due_campaigns(service.database, service.clock)
    await run_due_accounts(service.database, service.clock, service.platforms)


def advance(bot: PolicyBot, delta: Mapping[str, float]) -> None:
    """Move the scenario's fake clock on by ``delta`` (``{days: 2, hours: 1}``)."""
    clock = bot.clock
    assert isinstance(clock, FakeClock), "parity runs on a fake clock"
    clock.advance(timedelta(**delta))


class Driver(Protocol):
    """One platform, driven the way a person uses it; every method returns what the person
    was shown, as a neutral observation (see ``tests/parity/text.py``)."""

    platform: str

    async def ask(self, person: str, text: str) -> Observation:
        """Type a question to the bot."""

    async def choose(self, person: str, label: str) -> Observation:
        """Press the button labelled ``label`` on the last answer ``person`` was shown."""

    async def report(self, person: str, answers: Mapping[str, Any]) -> Observation:
        """Fill in the report (choices by label), confirm, send: reference and receipt."""

    async def deliver(self) -> Observation:
        """Run the outbox worker; what each person received (new messages and updates)."""

    async def act(self, person: str, reference: str, action: str, text: str | None) -> Observation:
        """Acknowledge / note / view / close ``reference``: the reply ``person`` was shown."""

    async def status(self, person: str, which: str) -> Observation:
        """ "my reports" (``mine``) or "incidents" (``queue``): the listed states."""

    async def command(self, person: str, text: str, place: str | None = None) -> Observation:
        """Type ``text`` (a command) in ``person``'s private chat with the bot, or with
        ``place="staff-channel"`` in the staff channel (Slack: ``/policy`` there; Teams: an
        @mention in the team's channel): the reply's words and buttons (a form it opens is
        filled in by :meth:`form`)."""

    async def form(self, person: str, answers: Mapping[str, Any]) -> Observation:
        """Fill in the form the last step opened for ``person`` (fields by their label,
        choices by theirs; a field not given keeps what the form shows) and send it: the
        labels asked, then the reply's text and buttons."""

    async def press(self, person: str, label: str) -> Observation:
        """Press the button labelled ``label`` on the latest message ``person`` was shown
        (a reply, or a message delivered to them): the reply's text and buttons."""

    async def wait(self, delta: Mapping[str, float]) -> Observation:
        """Let time pass (the fake clock); nothing is run until the next step."""


COMMANDS = {"mine": "my reports", "queue": "incidents"}
VERBS = {"ack": "ack", "note": "note", "view": "view", "close": "close"}

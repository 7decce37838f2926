"""Shared fixtures.

- ``database``: a migrated, empty :class:`~bot.store.db.Database`, run once on SQLite (a
  temporary file) and, when ``TEST_DATABASE_URL`` is set, once more on PostgreSQL in a fresh
  schema dropped afterwards. Test ids: ``[sqlite]`` / ``[postgresql]``.
- ``fake_clock``: a :class:`~bot.clock.FakeClock` at 2026-11-24 09:00 UTC.
- ``trust``: the example trust (``config/trust.example.yaml``) loaded into ``database``;
  returns the parsed :class:`~bot.trust.config.TrustConfig`.

Tests write only into temporary places: for the whole session ``UNANSWERED_LOG`` and
``POLICYBOT_CACHE`` point into a temporary directory (the trained Q&A models are built once
per session there; processes the tests start inherit both).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.trust.config import TrustConfig, load_trust_config
from bot.trust.directory import TrustDirectory

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TRUST = ROOT / "config" / "trust.example.yaml"


@pytest.fixture(scope="session", autouse=True)
def _writes_only_to_temporary_places(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    """Point the unanswered-questions log and the model cache at a temporary directory."""
    base = tmp_path_factory.mktemp("policybot-writes")
    wanted = {
        "UNANSWERED_LOG": str(base / "unanswered.jsonl"),
        "POLICYBOT_CACHE": str(base / "cache"),
    }
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield base
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _backends() -> list[object]:
    pg = pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"
        ),
    )
    return ["sqlite", pg]


async def make_database(backend: str, tmp_path: Path) -> tuple[Database, str | None]:
    """A migrated empty database on ``backend``; returns it and its PostgreSQL schema."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'policybot.sqlite3'}")
        schema = None
    else:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        database = Database(os.environ["TEST_DATABASE_URL"], schema=schema)
    await upgrade(database)
    return database, schema


async def drop_schema(schema: str) -> None:
    """Drop a test schema (PostgreSQL) with everything in it."""
    from sqlalchemy import text

    admin = Database(os.environ["TEST_DATABASE_URL"])
    try:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@pytest.fixture(params=_backends())
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
    db, schema = await make_database(request.param, tmp_path)
    try:
        yield db
    finally:
        await db.dispose()
        if schema:
            await drop_schema(schema)


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """Give the root logger back its handlers and level after each test: a command run in
    a test configures JSON logging to the test's (soon closed) stderr and drops pytest's
    own handlers, which broke every later log line and the log capture."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock standing at 2026-11-24 09:00 UTC until advanced."""
    return FakeClock()


@pytest.fixture
async def trust(database: Database, fake_clock: FakeClock) -> TrustConfig:
    """The example trust loaded into ``database``."""
    config = load_trust_config(EXAMPLE_TRUST)
    await TrustDirectory(database, clock=fake_clock).import_config(config)
    return config

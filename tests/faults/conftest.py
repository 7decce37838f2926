"""Fault tests: real policybot processes, killed or starved, against a real database.

Marked ``fault``; ``.ci/run`` runs them as their own step (``pytest -m fault``) after
``make test``, which leaves them out."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.fault


def backends() -> list[object]:
    """SQLite always; PostgreSQL when TEST_DATABASE_URL is set."""
    pg = pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"
        ),
    )
    return ["sqlite", pg]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Q&A model cache for every process these tests start (trained once)."""
    return tmp_path_factory.mktemp("policybot-cache")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API the processes call."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()

"""Issue 5: the same scripted conversations (ask, follow-up, report, acknowledge, note,
view, close; issue 15: campaigns and official accounts, through commands, forms and buttons)
on Slack, Teams and the console, from one scenario list (scenarios.yaml).

``test_scenario`` plays each scenario on each platform and checks every step's
expectations; ``test_platforms_agree`` asserts that the three platforms' transcripts (every
verdict, answer, follow-up question, button, quoted policy words, report summary, receipt,
message received, reply and state) are the same. Both run on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.store.db import Database
from tests.conftest import drop_schema, make_database
from tests.parity.conftest import PLATFORMS, running
from tests.parity.runner import STEP_KINDS, Scenario, check, load_scenarios, run
from tests.parity.text import Observation

SCENARIOS = load_scenarios()
#: transcripts already played in this session: (backend, scenario, platform) -> transcript
_PLAYED: dict[tuple[str, str, str], list[Observation]] = {}


async def play(
    scenario: Scenario, platform: str, database: Database, tmp_path: Path
) -> list[Observation]:
    """The transcript of ``scenario`` on ``platform`` (played once per backend)."""
    key = (database.dialect, scenario.id, platform)
    if key not in _PLAYED:
        async with running(platform, database, tmp_path) as driver:
            _PLAYED[key] = await run(driver, scenario)
    return _PLAYED[key]


def test_scenarios_cover_every_kind_of_step() -> None:
    kinds = {step.kind for s in SCENARIOS for step in s.steps}
    actions = {step.arg for s in SCENARIOS for step in s.steps if step.kind == "act"}
    assert len(SCENARIOS) >= 6
    assert kinds == set(STEP_KINDS)  # every kind of step is played somewhere
    assert actions == {"ack", "note", "view", "close"}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
async def test_scenario(
    scenario: Scenario, platform: str, database: Database, tmp_path: Path
) -> None:
    transcript = await play(scenario, platform, database, tmp_path)
    problems = check(scenario, transcript)
    assert not problems, f"{platform}:\n" + "\n".join(problems)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
async def test_platforms_agree(scenario: Scenario, database: Database, tmp_path: Path) -> None:
    transcripts: dict[str, list[Observation]] = {}
    backend = "sqlite" if database.is_sqlite else "postgresql"
    for platform in PLATFORMS:
        if (database.dialect, scenario.id, platform) in _PLAYED:
            transcripts[platform] = _PLAYED[(database.dialect, scenario.id, platform)]
            continue
        # not played yet (this test run on its own): each platform on a fresh database
        db, schema = await make_database(backend, tmp_path / platform)
        try:
            transcripts[platform] = await play(scenario, platform, db, tmp_path / platform)
        finally:
            await db.dispose()
            if schema:
                await drop_schema(schema)
    for index, step in enumerate(scenario.steps):
        seen = {p: transcripts[p][index] for p in PLATFORMS if p not in step.skip_on}
        differ = [p for p, obs in seen.items() if obs != next(iter(seen.values()))]
        assert not differ, f"step {index + 1} ({step.label}) differs:\n" + json.dumps(
            seen, indent=1, ensure_ascii=False
        )

"""The report form's academies and home academies: read once, shared, and refreshed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import yaml

from bot.clock import FakeClock
from bot.store.db import Database
from bot.trust.config import TrustConfig, parse_trust_config
from bot.trust.directory import TrustDirectory
from bot.trust.form_defaults import MAX_AGE, FormDefaults
from tests.conftest import EXAMPLE_TRUST


async def test_a_burst_of_forms_reads_the_directory_once(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    defaults = FormDefaults(database, clock=fake_clock)
    views = await asyncio.gather(*(defaults.view() for _ in range(50)))
    assert all(v is views[0] for v in views)  # one reading, shared
    view = views[0]
    assert [a for a, _ in view.academies] == ["oakfield", "riverside"]
    assert view.academies[0] == ("oakfield", "Oakfield Primary Academy")
    assert view.home_academy[("slack", "U04JSMITH01")] == "oakfield"
    assert view.home_academy[("console", "jane")] == "oakfield"
    assert ("slack", "U0NOBODY") not in view.home_academy


async def test_an_admins_change_shows_within_max_age(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    defaults = FormDefaults(database, clock=fake_clock)
    before = await defaults.view()
    data = yaml.safe_load(EXAMPLE_TRUST.read_text())
    data["people"][0]["academy"] = "riverside"  # Jane moves school
    data["academies"][1]["name"] = "Riverside Upper School"
    await TrustDirectory(database, clock=fake_clock).import_config(parse_trust_config(data))
    assert await defaults.view() is before  # not read again yet
    fake_clock.advance(timedelta(seconds=MAX_AGE + 1))
    after = await defaults.view()
    assert after.home_academy[("slack", "U04JSMITH01")] == "riverside"
    assert ("riverside", "Riverside Upper School") in after.academies

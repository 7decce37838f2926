"""Trust config validation, idempotent import, identity lookup and gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.clock import FakeClock
from bot.store.db import Database
from bot.trust.config import TrustConfig, TrustConfigError, load_trust_config, parse_trust_config
from bot.trust.directory import TrustDirectory
from tests.conftest import EXAMPLE_TRUST


def test_example_is_valid() -> None:
    config = load_trust_config(EXAMPLE_TRUST)
    assert [a.id for a in config.academies] == ["oakfield", "riverside"]


def test_errors_name_the_field() -> None:
    data = yaml.safe_load(EXAMPLE_TRUST.read_text())
    data["academies"][1]["dsl"] = "nobody"
    data["people"][0]["slack"] = "jane"
    data["people"][1]["emial"] = "x@y.org"
    with pytest.raises(TrustConfigError) as err:
        parse_trust_config(data, "trust.yaml")
    text = str(err.value)
    assert "people[0].slack: 'jane' is not a Slack user id" in text
    assert "people[1].emial: is not a known field" in text
    assert "trust.yaml" in text


def test_cross_references_checked() -> None:
    data = yaml.safe_load(EXAMPLE_TRUST.read_text())
    data["academies"][1]["dsl"] = "nobody"
    data["people"][1]["console"] = "jane"
    with pytest.raises(TrustConfigError) as err:
        parse_trust_config(data)
    assert "academies[1].dsl: 'nobody' is not an id in people" in err.value.problems
    assert any("people[1].console: 'jane' is also 'jsmith'" in p for p in err.value.problems)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TrustConfigError, match="cannot read"):
        load_trust_config(tmp_path / "nope.yaml")


async def test_import_is_idempotent(
    database: Database, fake_clock: FakeClock, trust: TrustConfig
) -> None:
    directory = TrustDirectory(database, clock=fake_clock)
    again = await directory.import_config(trust)
    assert (again.people, again.academies, again.roles) == (13, 2, 10)
    assert len(await directory.people()) == 13
    jane = await directory.person_for("slack", "U04JSMITH01")
    assert jane is not None and jane.name == "Jane Smith" and jane.academy_id == "oakfield"
    assert await directory.person_for("slack", "Jane Smith") is None  # never by name
    assert await directory.gaps() == []


async def test_gaps_reported_loudly(
    database: Database, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    data = yaml.safe_load(EXAMPLE_TRUST.read_text())
    del data["academies"][1]["dsl"]
    del data["people"][3]["console"]  # Robert: Teams + console only
    directory = TrustDirectory(database, clock=fake_clock, platforms=("slack", "console"))
    summary = await directory.import_config(parse_trust_config(data))
    assert "Riverside Secondary Academy (riverside) has no Designated Safeguarding Lead" in (
        summary.gaps
    )
    assert any(g.startswith("Robert Hughes (rhughes) has no identity") for g in summary.gaps)
    assert any("no Designated Safeguarding Lead" in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("trust")
async def test_a_person_named_with_a_superscript_digit_is_not_found_and_nothing_breaks(
    database: Database,
) -> None:
    from bot.trust.directory import find_person

    async with database.session() as session:
        assert await find_person(session, "²") is None  # "²".isdigit() is True; int() fails
        found = await find_person(session, "jsmith")
        assert found is not None and found.name == "Jane Smith"

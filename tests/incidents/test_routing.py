"""Routing rules, receipts and gaps."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.store.db import Database
from bot.store.models import AuditEvent
from bot.trust.config import TrustConfig
from tests.incidents.helpers import TOM, outbox_rows, service, submission

pytestmark = pytest.mark.usefixtures("trust")


def names(result: object) -> set[str]:
    return {p.name for p in result.routed_to}  # type: ignore[attr-defined]


async def test_headteacher_always(database: Database, fake_clock: FakeClock) -> None:
    result = await service(database, fake_clock).submit(TOM, submission())
    assert names(result) == {"Jane Smith"}
    assert result.routed_to[0].roles == ("Principal/Headteacher",)
    assert result.routed_to[0].delivered_on == "slack"
    assert result.warnings == ()
    assert result.reference == "SM-2026-0001"


async def test_child_involved_adds_dsl_and_deputy(
    database: Database, fake_clock: FakeClock
) -> None:
    result = await service(database, fake_clock).submit(TOM, submission(child_involved=True))
    assert names(result) == {"Jane Smith", "Omar Khan", "Leena Patel"}


async def test_sexual_imagery_goes_to_dsl(database: Database, fake_clock: FakeClock) -> None:
    result = await service(database, fake_clock).submit(TOM, submission(sexual_imagery=True))
    assert {"Omar Khan", "Leena Patel"} <= names(result)


async def test_concerns_headteacher_goes_to_chair_instead(
    database: Database, fake_clock: FakeClock
) -> None:
    result = await service(database, fake_clock).submit(
        TOM, submission(concerns_headteacher=True, child_involved=True)
    )
    assert names(result) == {"Robert Hughes", "Omar Khan", "Leena Patel"}
    assert "Jane Smith" not in names(result)


async def test_escalations_queued_and_receipt_to_reporter(
    database: Database, fake_clock: FakeClock
) -> None:
    result = await service(database, fake_clock).submit(TOM, submission(child_involved=True))
    escalations = await outbox_rows(database, "escalation")
    assert {(r.platform, r.address) for r in escalations} == {
        ("slack", "U04JSMITH01"),
        ("slack", "U04OKHAN002"),
        ("slack", "U04LPATEL03"),
    }
    # the receipt message comes once alerts have landed (it names who has received it)
    assert await outbox_rows(database, "receipt") == []
    text = result.as_text()
    assert "saved with reference SM-2026-0001" in text
    assert "being sent to: Jane Smith (Principal/Headteacher)" in text
    assert "has been sent" not in text  # nothing has been sent when the report is saved


async def test_unknown_academy_still_saved_and_gap_loud(
    database: Database, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    svc = service(database, fake_clock)
    result = await svc.submit(TOM, submission(academy="hillside"))
    assert result.reference == "SM-2026-0001"
    assert any("hillside" in w for w in result.warnings)
    assert names(result) == {"Alison Morgan"}  # trust admin as fallback
    assert any("hillside" in r.message for r in caplog.records if r.levelno == logging.WARNING)
    assert all("SECRET" not in r.getMessage() for r in caplog.records)
    assert [s.reference for s in await svc.reporter_status(TOM)] == ["SM-2026-0001"]


async def test_missing_dsl_is_a_warning(
    database: Database, fake_clock: FakeClock, trust: TrustConfig
) -> None:
    from sqlalchemy import delete

    from bot.store.models import AcademyRole

    async with database.transaction() as session:
        await session.execute(
            delete(AcademyRole).where(
                AcademyRole.academy_id == "oakfield", AcademyRole.role.in_(["dsl", "deputy_dsl"])
            )
        )
    result = await service(database, fake_clock).submit(TOM, submission(child_involved=True))
    assert names(result) == {"Jane Smith"}
    assert any("Designated Safeguarding Lead" in w for w in result.warnings)
    async with database.session() as session:
        gaps = await session.scalar(
            select(AuditEvent.data).where(AuditEvent.action == "routing_gaps")
        )
    assert gaps == {"warnings": list(result.warnings)}  # the receipt shows them from here


async def test_references_unique_under_concurrency(
    database: Database, fake_clock: FakeClock
) -> None:
    import asyncio

    svc = service(database, fake_clock)
    results = await asyncio.gather(*(svc.submit(TOM, submission()) for _ in range(25)))
    refs = [r.reference for r in results]
    assert len(set(refs)) == 25
    assert sorted(refs) == [f"SM-2026-{n:04d}" for n in range(1, 26)]


async def test_report_about_the_dsl_never_reaches_the_dsl(
    database: Database, fake_clock: FakeClock
) -> None:
    svc = service(database, fake_clock)
    result = await svc.submit(
        TOM, submission(child_involved=True, details={"concerns_roles": ["dsl"]})
    )
    assert names(result) == {"Jane Smith", "Leena Patel"}
    assert any("concerns the Designated Safeguarding Lead" in w for w in result.warnings)
    addresses = {r.address for r in await outbox_rows(database, "escalation")}
    assert "U04OKHAN002" not in addresses
    # nor when nobody acknowledges and the report escalates, however long it waits
    for _ in range(8):
        fake_clock.advance(minutes=130)
        await svc.run_due_reminders()
    addresses = {r.address for r in await outbox_rows(database)}
    assert "U04OKHAN002" not in addresses and "omar" not in addresses


async def test_report_about_dsl_and_deputy_goes_to_the_next_in_line(
    database: Database, fake_clock: FakeClock
) -> None:
    result = await service(database, fake_clock).submit(
        TOM,
        submission(
            child_involved=True,
            concerns_headteacher=True,
            details={"concerns_roles": ["dsl", "deputy_dsl"]},
        ),
    )
    # the Head is concerned too: the Chair of Governors is the next person not concerned
    assert names(result) == {"Robert Hughes"}

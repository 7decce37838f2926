"""Short human references (``SM-2026-0042``), unique under concurrency.

The next number comes from one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on
a per-year counter row, so two reports submitted at the same instant never share one; the
unique index on ``incidents.reference`` is a second guard.
"""

from __future__ import annotations

import re

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import ReferenceCounter

PREFIX = "SM"
_REFERENCE = re.compile(r"^\s*SM[-\s]?(\d{4})[-\s]?(\d{1,6})\s*$", re.IGNORECASE)


def format_reference(year: int, number: int) -> str:
    """``format_reference(2026, 42) == "SM-2026-0042"``."""
    return f"{PREFIX}-{year:04d}-{number:04d}"


def normalise_reference(text: str) -> str | None:
    """Accept loose typing (``sm-2026-42``, ``SM 2026 0042``); None if not a reference."""
    match = _REFERENCE.match(text)
    if not match:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))


async def next_reference(session: AsyncSession, year: int) -> str:
    """Take the next reference for ``year`` inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = insert(ReferenceCounter).values(year=year, last=1)
    upsert = values.on_conflict_do_update(
        index_elements=[ReferenceCounter.year], set_={"last": ReferenceCounter.last + 1}
    ).returning(ReferenceCounter.last)
    number = int((await session.execute(upsert)).scalar_one())
    return format_reference(year, number)

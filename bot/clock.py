"""Time, injected: core code asks a :class:`Clock`, never ``datetime.now()`` directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time as a timezone-aware UTC datetime."""

    def now(self) -> datetime:
        """The current time (tz-aware, UTC)."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class FakeClock:
    """A clock for tests: stands still until set or advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The fake current time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (tz-aware)."""
        if when.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` (or ``timedelta(**kwargs)``) and return the new time."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

"""Report periods: a half-open UTC interval ``[start, end)`` and the one it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC, built from whole days."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a report period must end after it starts")

    @classmethod
    def of_days(cls, first: date, last: date) -> Period:
        """From the first to the last day, both included."""
        if last < first:
            raise ValueError(f"the period ends ({last}) before it starts ({first})")
        return cls(_midnight(first), _midnight(last + timedelta(days=1)))

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - (self.end - self.start), self.start)

    def label(self) -> str:
        """``1 Sep 2026 to 18 Dec 2026``."""
        return f"{_day(self.first_day)} to {_day(self.last_day)}"

    def months(self) -> list[str]:
        """Every calendar month the period touches, ``YYYY-MM``, in order."""
        out: list[str] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.last_day.year, self.last_day.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` to a date; ValueError with a clear message otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-09-01") from None


def month_label(key: str) -> str:
    """``2026-09`` -> ``Sep 2026``."""
    y, m = key.split("-")
    return f"{date(int(y), int(m), 1):%b %Y}"

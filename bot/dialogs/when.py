"""Understanding "when did it happen?" answers, UK day-first, never in the future.

A normalised value is one of: an ISO date (``2026-11-20``), an ISO date range
(``2026-11-16/2026-11-22``, e.g. for "last week") or the reporter's own words when they do
not name a date ("about a month ago"). Normalised values parse back to themselves.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.dialogs.errors import InvalidAnswer

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAY_PREFIX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_TODAY = {
    "today",
    "this morning",
    "this afternoon",
    "this evening",
    "tonight",
    "earlier today",
    "just now",
    "now",
    "an hour ago",
    "a few hours ago",
}
_YESTERDAY = {"yesterday", "last night", "yesterday morning", "yesterday afternoon"}
_YESTERDAY |= {"yesterday evening"}
_FUTURE = re.compile(
    r"\b(tomorrow|next (week|month|year|mon|tue|wed|thu|fri|sat|sun)|in \d+ days?)"
)
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")
_DAYS_AGO = re.compile(r"^(\d{1,3}|a|one|two|three|four|five|six) days? ago$")
_WEEKDAY = re.compile(r"^(last |on |this |on last |this past )?([a-z]+)$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?(?: of)? ([a-z]+)(?:,? (\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+) (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?$")
_WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

FUTURE_HINT = "That’s in the future. Please give the day it happened, for example “yesterday”."
OLD_HINT = "Please check the year: that date is a very long time ago."
ORDER_HINT = "Please write dates day first, the UK way: for example 20/11 for 20 November."


def _month(word: str) -> int | None:
    if len(word) < 3:
        return None
    for index, name in enumerate(MONTHS, start=1):
        if name.startswith(word) or (word.startswith(name[:3]) and name.startswith(word[:3])):
            return index
    return None


def _weekday(word: str) -> int | None:
    prefix = _WEEKDAY_PREFIX.get(word[:3])
    if prefix is None or not WEEKDAYS[prefix].startswith(word.rstrip("s")[:9]):
        return None
    return prefix


def _checked(day: date, today: date) -> date:
    if day > today:
        raise InvalidAnswer(FUTURE_HINT)
    if day.year < today.year - 20:
        raise InvalidAnswer(OLD_HINT)
    return day


def _make(year: int, month: int, day: int, today: date, year_given: bool) -> date:
    if not 1 <= month <= 12:
        if 1 <= day <= 12 and 1 <= month <= 31:
            raise InvalidAnswer(ORDER_HINT)
        raise InvalidAnswer("There is no month with that number. " + ORDER_HINT)
    try:
        result = date(year, month, day)
    except ValueError:
        raise InvalidAnswer(
            f"There is no {day} {MONTHS[month - 1].title()}. Please check the date."
        ) from None
    if result > today and not year_given:
        raise InvalidAnswer(
            f"{day}/{month} hasn’t come yet this year. If you meant last year, add the year, "
            f"for example {day}/{month}/{year - 1}."
        )
    return _checked(result, today)


def _year(text: str | None, today: date) -> tuple[int, bool]:
    if not text:
        return today.year, False
    year = int(text)
    return (2000 + year if year < 100 else year), True


def _range(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"


def parse_when(text: str, today: date, *, min_length: int = 3, max_length: int = 200) -> str:
    """Normalise a "when" answer; raises :class:`InvalidAnswer` with a specific hint."""
    raw = " ".join(str(text).split())
    t = raw.lower().strip(" .!?,")
    t = re.sub(r"^(it was|it happened|on the|on)\s+", "", t)
    if not t:
        raise InvalidAnswer("Please say when it happened, for example “today” or “20/11”.")
    if _FUTURE.search(t):
        raise InvalidAnswer(FUTURE_HINT)
    if m := _ISO_RANGE.match(t):
        start, end = (_iso(m.group(1), today), _iso(m.group(2), today))
        if start > end:
            raise InvalidAnswer("The start of that period is after its end. Please check it.")
        return _range(start, end)
    if m := _ISO.match(t):
        return _iso(t, today).isoformat()
    if t in _TODAY:
        return today.isoformat()
    if t in _YESTERDAY:
        return (today - timedelta(days=1)).isoformat()
    if t in ("day before yesterday", "the day before yesterday"):
        return (today - timedelta(days=2)).isoformat()
    if m := _DAYS_AGO.match(t):
        count = _WORD_NUMBERS.get(m.group(1)) or int(m.group(1))
        return _checked(today - timedelta(days=count), today).isoformat()
    if t in ("last week", "earlier last week", "during last week"):
        start = today - timedelta(days=today.weekday() + 7)
        return _range(start, start + timedelta(days=6))
    if t in ("this week", "earlier this week"):
        return _range(today - timedelta(days=today.weekday()), today)
    if t in ("the weekend", "at the weekend", "over the weekend", "last weekend", "weekend"):
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        return _range(saturday, min(saturday + timedelta(days=1), today))
    if m := _NUMERIC.match(t):
        year, given = _year(m.group(3), today)
        return _make(year, int(m.group(2)), int(m.group(1)), today, given).isoformat()
    if m := _DAY_MONTH.match(t):
        month = _month(m.group(2))
        if month is not None:
            year, given = _year(m.group(3), today)
            return _make(year, month, int(m.group(1)), today, given).isoformat()
    if m := _MONTH_DAY.match(t):
        month = _month(m.group(1))
        if month is not None:
            year, given = _year(m.group(3), today)
            return _make(year, month, int(m.group(2)), today, given).isoformat()
    if m := _WEEKDAY.match(t):
        weekday = _weekday(m.group(2))
        if weekday is not None:
            back = (today.weekday() - weekday) % 7
            if back == 0 and (m.group(1) or "").strip() in ("last", "on last", "this past"):
                back = 7
            return (today - timedelta(days=back)).isoformat()
    if re.fullmatch(r"[\d\s/.\-]+", t):
        raise InvalidAnswer("I couldn’t read that date. " + ORDER_HINT)
    if len(raw) < min_length:
        raise InvalidAnswer("Please say when it happened, for example “today” or “20/11”.")
    if len(raw) > max_length:
        raise InvalidAnswer(f"Please keep it under {max_length} characters.")
    return raw


def _iso(text: str, today: date) -> date:
    year, month, day = (int(p) for p in text.split("-"))
    return _make(year, month, day, today, year_given=True)


def format_when(value: str) -> str:
    """A friendly rendering of a normalised "when" value."""
    if m := _ISO_RANGE.match(value):
        start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        if start.year != end.year:
            return f"{_long(start)} to {_long(end)}"
        if start.month != end.month:
            return f"{start.day} {MONTHS[start.month - 1].title()} to {_long(end)}"
        return f"{start.day} to {_long(end)}"
    if _ISO.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return f"{WEEKDAYS[day.weekday()].title()} {_long(day)}"
    return value


def _long(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1].title()} {day.year}"


def when_bounds(value: str) -> tuple[str, str] | None:
    """The first and last ISO dates a normalised value covers (None for free text)."""
    if m := _ISO_RANGE.match(value):
        return m.group(1), m.group(2)
    if _ISO.match(value):
        return value, value
    return None

"""'When did it happen?': UK day-first dates, relative words, never the future."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dialogs.errors import InvalidAnswer
from bot.dialogs.when import format_when, parse_when, when_bounds

TODAY = date(2026, 11, 24)  # Tuesday


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("today", "2026-11-24"),
        ("This morning", "2026-11-24"),
        ("yesterday", "2026-11-23"),
        ("last night", "2026-11-23"),
        ("it was yesterday", "2026-11-23"),
        ("the day before yesterday", "2026-11-22"),
        ("monday", "2026-11-23"),
        ("on Friday", "2026-11-20"),
        ("wed", "2026-11-18"),
        ("tuesday", "2026-11-24"),
        ("last tuesday", "2026-11-17"),
        ("20/11", "2026-11-20"),
        ("20.11.26", "2026-11-20"),
        ("1/1/2026", "2026-01-01"),
        ("20/12/2025", "2025-12-20"),
        ("2026-11-20", "2026-11-20"),
        ("20th November", "2026-11-20"),
        ("November 3rd 2025", "2025-11-03"),
        ("3 sept", "2026-09-03"),
        ("2 days ago", "2026-11-22"),
        ("last week", "2026-11-16/2026-11-22"),
        ("this week", "2026-11-23/2026-11-24"),
        ("at the weekend", "2026-11-21/2026-11-22"),
        ("2026-11-16/2026-11-22", "2026-11-16/2026-11-22"),
        ("some time over half term", "some time over half term"),
    ],
)
def test_understood(text: str, value: str) -> None:
    assert parse_when(text, TODAY) == value
    assert parse_when(value, TODAY) == value  # normalised values parse back to themselves


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("tomorrow", "future"),
        ("next week", "future"),
        ("in 3 days", "future"),
        ("25/11/2026", "future"),
        ("1/12", "hasn’t come yet this year"),
        ("31/11/2026", "There is no 31 November"),
        ("11/25/2026", "day first"),
        ("40/40", "no month"),
        ("12/31/99/1", "couldn’t read"),
        ("1/1/1990", "check the year"),
        ("", "Please say when"),
    ],
)
def test_refused_with_a_hint(text: str, hint: str) -> None:
    with pytest.raises(InvalidAnswer) as info:
        parse_when(text, TODAY)
    assert hint in info.value.hint


def test_formatting_and_bounds() -> None:
    assert format_when("2026-11-20") == "Friday 20 November 2026"
    assert format_when("2026-11-16/2026-11-22") == "16 to 22 November 2026"
    assert format_when("2026-11-30/2026-12-06") == "30 November to 6 December 2026"
    assert format_when("2025-12-29/2026-01-04") == "29 December 2025 to 4 January 2026"
    assert format_when("around half term") == "around half term"
    assert when_bounds("2026-11-20") == ("2026-11-20", "2026-11-20")
    assert when_bounds("around half term") is None

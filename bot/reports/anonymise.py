"""Small-count suppression: a count of 1 or 2 could point to a child or a member of staff,
so it is shown as "fewer than 3". Zero identifies nobody and is shown.

In a breakdown whose total is shown, a single suppressed cell could be worked out from the
total, so the next smallest count is hidden too (secondary suppression), shown as "not
shown": never as "fewer than 3", which would be untrue of it.
Durations are only summarised over 3 or more incidents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: counts below this (and above zero) are suppressed
THRESHOLD = 3
FEWER = f"fewer than {THRESHOLD}"
HIDDEN = "not shown"


@dataclass(frozen=True)
class Cell:
    """A count as a governor may see it."""

    value: int
    suppressed: bool = False
    #: hidden only so that a suppressed count cannot be worked out from the total
    secondary: bool = False

    @property
    def text(self) -> str:
        if self.secondary:
            return HIDDEN
        return FEWER if self.suppressed else str(self.value)

    @property
    def short(self) -> str:
        """The chart label: ``<3``, ``n/s`` or the number."""
        if self.secondary:
            return "n/s"
        return f"<{THRESHOLD}" if self.suppressed else str(self.value)

    @property
    def shown(self) -> int | None:
        """The number, or None where it is suppressed."""
        return None if self.suppressed else self.value


def cell(n: int) -> Cell:
    """One count on its own."""
    return Cell(n, 0 < n < THRESHOLD)


def breakdown(counts: Mapping[str, int]) -> dict[str, Cell]:
    """Counts by key with primary and secondary suppression."""
    cells = {k: cell(v) for k, v in counts.items()}
    hidden = [k for k, c in cells.items() if c.suppressed]
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in hidden and v >= THRESHOLD)
        if others:
            _, key = others[0]
            cells[key] = Cell(counts[key], True, secondary=True)
    return cells


def enough(n: int) -> bool:
    """True if a summary over ``n`` incidents may be shown."""
    return n >= THRESHOLD

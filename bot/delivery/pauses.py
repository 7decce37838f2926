"""Pausing calls to a platform that is rate limiting us or is down, for the whole process.

A platform's ``Retry-After`` pauses that method for every delivery, not just the one that
was told; a platform answering 5xx or not answering at all pauses every method, for a
doubling time (2 s up to 30 s), and then lets ONE call through to probe: the others keep
waiting until the probe succeeds. So an outage costs a handful of calls, not one per queued
message per backoff step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

ANY = "*"


@dataclass
class _Pause:
    until: float
    failures: int = 0
    probing: bool = False


class Paused(Exception):
    """A call was not made because its method (or the whole platform) is paused."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"paused for {retry_after:.0f}s")
        self.retry_after = retry_after


class Pauses:
    """Per-method and platform-wide pauses, shared by every delivery in one process."""

    def __init__(
        self,
        *,
        first: float = 2.0,
        longest: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first = first
        self.longest = longest
        self.clock = clock
        self._pauses: dict[str, _Pause] = {}

    def before(self, method: str) -> bool:
        """Raise :class:`Paused` unless a call to ``method`` may go ahead now; True when
        this call is the one probe allowed after a platform-wide pause."""
        now = self.clock()
        probe = False
        for key in (method, ANY):
            pause = self._pauses.get(key)
            if pause is None:
                continue
            if now < pause.until:
                raise Paused(pause.until - now)
            if key == ANY:
                if pause.probing:  # someone else is finding out whether it is back
                    raise Paused(min(self.first, self.longest))
                pause.probing = probe = True
            else:
                del self._pauses[key]
        return probe

    def succeeded(self) -> None:
        """A call went through: the platform is up again."""
        self._pauses.pop(ANY, None)

    def rate_limited(self, method: str, retry_after: float) -> None:
        """The platform asked us to wait ``retry_after`` seconds before calling ``method``."""
        until = self.clock() + max(retry_after, 0.0)
        current = self._pauses.get(method)
        if current is None or current.until < until:
            self._pauses[method] = _Pause(until)

    def failed(self, retry_after: float | None = None) -> float:
        """The platform is failing (5xx, no answer): pause every call; returns how long."""
        pause = self._pauses.get(ANY) or _Pause(0.0)
        pause.failures += 1
        wait = min(self.first * 2 ** (pause.failures - 1), self.longest)
        if retry_after is not None:
            wait = max(wait, retry_after)
        pause.until = self.clock() + wait
        pause.probing = False
        self._pauses[ANY] = pause
        return wait

    def released(self) -> None:
        """A probe ended without an answer either way (e.g. a bug): let another probe."""
        pause = self._pauses.get(ANY)
        if pause is not None:
            pause.probing = False

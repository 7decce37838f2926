"""What every Slack listener shares: the core, and a record of work still running after ack().

Slack must get its acknowledgement within three seconds, so listeners call ``ack()`` first
and do the slow work afterwards, in the background. :meth:`SlackRuntime.track` wraps each
listener so that (1) a failure is logged by type only and the person gets a friendly
message, never a traceback, and (2) graceful shutdown can wait for work already acknowledged
(:meth:`SlackRuntime.drain`).

Working out answers to questions is the heaviest of that work; at most
:data:`ANSWER_SLOTS` run at once (``async with rt.answering()``) and the rest wait their
turn in order. Listeners registered as ``urgent`` (opening a form, a button someone just
pressed) go first: no answer starts while one of them is running. A burst of questions then
does not crowd out the acknowledgements and the report forms behind it (a form must open
within 3 s: Slack's ``trigger_id`` expires).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.button_values import ButtonValues
from adapters.slack.typed_text import MemberNames
from bot.config import Settings

if TYPE_CHECKING:
    from bot.app import PolicyBot

log = logging.getLogger(__name__)

Listener = Callable[[AsyncArgs], Awaitable[None]]

#: Questions answered at once after ``ack()``; ``benchmarks/server_load.py`` measured it
ANSWER_SLOTS = 4

#: ``args.context`` key a listener sets once the core has saved what the person did: if
#: showing it then fails (Slack down), they are told it was saved, not to try again
SAVED = "policybot_saved"
SAVED_NOT_SHOWN = "{text} (Slack had trouble showing this just now, but it is saved.)"
SORRY = (
    "Sorry, something went wrong on my side and I couldn’t finish that. Please try again "
    "in a minute. If you were reporting a concern about a child, tell the Designated "
    "Safeguarding Lead (DSL) directly."
)


class SlackRuntime:
    """The core facade plus bookkeeping of in-flight listener work."""

    def __init__(self, bot: PolicyBot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings
        #: member id -> name, for showing @mentions in what people type
        self.names = MemberNames()
        #: button values too long for Slack, kept in the database
        self.buttons = ButtonValues(bot.conversations)
        self._running: set[asyncio.Task[None]] = set()
        self._answer_slots = asyncio.Semaphore(ANSWER_SLOTS)
        self._urgent = 0
        self._no_urgent = asyncio.Event()
        self._no_urgent.set()

    @property
    def in_flight(self) -> int:
        """How many listeners are still working."""
        return len(self._running)

    @asynccontextmanager
    async def answering(self) -> AsyncIterator[None]:
        """Hold while the core answers a question (not while replying to Slack)."""
        async with self._answer_slots:
            await self._no_urgent.wait()
            yield

    @asynccontextmanager
    async def _urgently(self) -> AsyncIterator[None]:
        self._urgent += 1
        self._no_urgent.clear()
        try:
            yield
        finally:
            self._urgent -= 1
            if not self._urgent:
                self._no_urgent.set()

    def track(self, listener: Listener, *, urgent: bool = False) -> Listener:
        """Wrap ``listener``: count it as in flight, and turn a failure into a polite reply.

        ``urgent``: answers to questions wait while it runs (it opens a form before Slack's
        ``trigger_id`` expires, or someone is waiting on a button they pressed).
        """
        name = listener.__name__

        async def tracked(args: AsyncArgs) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                if urgent:
                    async with self._urgently():
                        await listener(args)
                else:
                    await listener(args)
            except Exception as exc:
                log.error("slack listener %s failed: %s", name, type(exc).__name__, exc_info=True)
                if args.ack.response is None:
                    await args.ack()
                saved = args.context.get(SAVED)
                text = SAVED_NOT_SHOWN.format(text=saved) if saved else SORRY
                await _say_sorry(args, text)
            finally:
                if task is not None:
                    self._running.discard(task)

        tracked.__name__ = f"tracked_{name}"
        return tracked

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait up to ``timeout`` seconds for in-flight listeners; True if all finished."""
        pending = [t for t in self._running if not t.done()]
        if not pending:
            return True
        _done, still = await asyncio.wait(pending, timeout=timeout)
        if still:
            log.warning("%d Slack listener(s) still running at shutdown", len(still))
        return not still


def mark_saved(args: AsyncArgs, text: str) -> None:
    """Record that the core saved what the person did (``text`` says what): a failure to
    show it afterwards must not tell them to try again."""
    args.context[SAVED] = text


async def _say_sorry(args: AsyncArgs, text: str = SORRY) -> None:
    """Tell the person something failed (or was saved but not shown), the best way the
    payload allows."""
    try:
        if args.respond is not None and args.respond.response_url:
            await args.respond(text=text, response_type="ephemeral", replace_original=False)
            return
        user = (args.body.get("user") or {}).get("id") if isinstance(args.body, dict) else None
        if isinstance(user, str):
            await args.client.chat_postMessage(channel=user, text=text)
    except Exception as exc:  # Slack itself may be the thing that is down
        log.warning("could not tell the user about the failure: %s", type(exc).__name__)

"""The console adapter: a terminal conversation with the bot.

Typed lines become :class:`~bot.messages.Message` intents; typing a button's number presses
it (an :class:`~bot.messages.Action`), including the buttons of a notification sent to you;
a reply that is a form (e.g. "Add note") is asked field by field. Notifications
(escalations, receipts) are delivered through the outbox worker to a console notifier that
prints them, so the whole flow can be tried without any chat platform.

A question that lists numbered options of its own (several answers, "1, 3") keeps those
numbers for the answer: its buttons are numbered after them. Leaving mid-report (/quit,
Ctrl-D) pauses the report, and the next chat starts by saying so.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from adapters.console.render import render
from bot.app import PolicyBot
from bot.messages import Action, Actor, Choice, Message, Reply

QUIT_WORDS = {"/quit", "/exit", "quit", "exit", ":q"}
PROMPT = "you> "

InputFn = Callable[[str], str]


class ConsoleChat:
    """One person's terminal conversation."""

    def __init__(
        self,
        bot: PolicyBot,
        actor: Actor,
        *,
        out: TextIO = sys.stdout,
        deliver: Callable[[], object] | None = None,
    ) -> None:
        self.bot = bot
        self.actor = actor
        self.out = out
        self._deliver = deliver
        #: what typing a number presses; None for a number that answers the question itself
        self._choices: list[Choice | None] = []
        self.conversation_id = f"console:{actor.user_id}"

    def _print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @property
    def address(self) -> str:
        """The console name of the person at this terminal."""
        return self.actor.user_id

    def offer(self, choices: list[Choice]) -> int:
        """Make ``choices`` pressable by the next numbers; returns the first number."""
        start = len(self._choices) + 1
        self._choices.extend(choices)
        return start

    async def show(self, replies: list[Reply], read: InputFn) -> None:
        """Print replies; ask a form's fields and submit it."""
        self._choices = []
        for reply in replies:
            if reply.kind == "dialog" and reply.fields and reply.fields[0].kind == "multi_choice":
                # "1, 3" answers the question: those numbers are its options, not buttons
                self._choices.extend([None] * len(reply.fields[0].options))
            self._print("")
            self._print(render(reply, numbered_from=len(self._choices) + 1))
            self._choices.extend(reply.choices)
            if reply.fields and reply.kind != "dialog" and reply.choices:
                await self._fill_form(reply, read)
                return
        await self._flush_outbox()

    async def _fill_form(self, reply: Reply, read: InputFn) -> None:
        form: dict[str, str] = {}
        for field in reply.fields:
            if field.options:  # a choice: show the options; a number picks one
                self._print(
                    "  ".join(f"[{i}] {o.label}" for i, o in enumerate(field.options, start=1))
                )
            try:
                value = (await asyncio.to_thread(read, f"{field.label}: ")).strip()
            except EOFError:
                value = ""
                self._print("")
            if not value and field.required:
                await self.bot.forget_pending_text(self.actor, self.conversation_id)
                self._print("Nothing entered, so nothing was changed.")
                return
            form[field.name] = value
        submit = reply.choices[0]
        await self.send(
            Action(self.actor, submit.action, submit.value, self.conversation_id, form), read
        )

    async def _flush_outbox(self) -> None:
        if self._deliver is not None:
            result = self._deliver()
            if asyncio.iscoroutine(result):
                await result

    async def send(self, intent: Message | Action, read: InputFn) -> None:
        """Send an intent to the bot and show what comes back."""
        replies = await self.bot.handle(intent)
        await self.show(replies, read)

    async def line(self, text: str, read: InputFn) -> bool:
        """Handle one typed line; False when the person wants to leave."""
        stripped = text.strip()
        if stripped.lower() in QUIT_WORDS:
            return False
        choice = None
        if stripped.isdecimal() and 1 <= int(stripped) <= len(self._choices):
            choice = self._choices[int(stripped) - 1]
        intent: Message | Action
        if choice is not None:
            intent = Action(self.actor, choice.action, choice.value, self.conversation_id)
        else:
            intent = Message(self.actor, text, self.conversation_id)
        await self.send(intent, read)
        return True

    async def run(self, read: InputFn = input) -> int:
        """The read-answer loop until /quit or end of input."""
        waiting = await self.bot.unfinished_report(self.actor)
        if waiting is not None:
            await self.show([waiting], read)
        while True:
            try:
                text = await asyncio.to_thread(read, PROMPT)
            except EOFError:
                self._print("")
                await self._leave()
                return 0
            if not await self.line(text, read):
                await self._leave()
                return 0

    async def _leave(self) -> None:
        """Pause a report in progress (its answers are kept) and say goodbye."""
        paused = await self.bot.pause_report(self.actor)
        if paused is not None:
            self._print(render(paused))
        self._print("Goodbye.")

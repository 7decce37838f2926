"""The console adapter: a terminal conversation with the bot.

Typed lines become :class:`~bot.messages.Message` intents; typing a button's number presses
it (an :class:`~bot.messages.Action`); a reply that is a form (e.g. "Add note") is asked field
by field. Notifications (escalations, receipts) are delivered through the outbox worker to a
console notifier that prints them, so the whole flow can be tried without any chat platform.
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
        self._choices: list[Choice] = []
        self.conversation_id = f"console:{actor.user_id}"

    def _print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def show(self, replies: list[Reply], read: InputFn) -> None:
        """Print replies; ask a form's fields and submit it."""
        self._choices = []
        for reply in replies:
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
            value = (await asyncio.to_thread(read, f"{field.label}: ")).strip()
            if not value and field.required:
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
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._choices):
            choice = self._choices[int(stripped) - 1]
            intent: Message | Action = Action(
                self.actor, choice.action, choice.value, self.conversation_id
            )
        else:
            intent = Message(self.actor, text, self.conversation_id)
        await self.send(intent, read)
        return True

    async def run(self, read: InputFn = input) -> int:
        """The read-answer loop until /quit or end of input."""
        while True:
            try:
                text = await asyncio.to_thread(read, PROMPT)
            except EOFError:
                self._print("")
                return 0
            if not await self.line(text, read):
                self._print("Goodbye.")
                return 0

"""The console driver: each person has a real :class:`ConsoleChat` (typed lines, numbered
buttons, forms asked field by field) and notifications are printed by the real
:class:`ConsoleNotifier` through the outbox worker, exactly as ``policybot chat`` wires them.
Observations are read back from the printed text."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from adapters.console.chat import ConsoleChat
from adapters.console.notifier import RULE
from bot.app import PolicyBot
from bot.delivery.worker import OutboxWorker
from bot.dialogs.definition import Step
from bot.messages import Actor
from tests.parity.base import COMMANDS, VERBS, Person
from tests.parity.text import (
    Observation,
    answer_observation,
    listed_states,
    norm,
    paragraphs,
    parse_answer_text,
    report_observation,
)

#: how the console names each verdict (first line of an answer)
VERDICTS = {
    "Allowed": "allowed",
    "Not allowed": "not_allowed",
    "It depends": "conditional",
    "Information": "information",
    "Not covered by the policy": "no_match",
}
CONFIRM_INTRO = "Please check your answers before sending."
_CHOICE = re.compile(r"\[(\d+)\] (.+?)(?=\s{3}\[\d+\] |$)")
_ADDRESS = re.compile(r"\[console: ([^\]]+)\]")
_UPDATES = re.compile(r"\(updates message [^)]+\):$")
_BLOCK = re.compile(rf"^{RULE}\n(.*?)\n{RULE}$", re.M | re.S)


def choice_numbers(text: str) -> dict[str, str]:
    """``{label: number}`` of the last reply's buttons: its ``[1] A   [2] B`` line and any
    further ``[3] C`` lines after it (an answer's buttons under their headings), or its
    ``[6] Skip`` line after options numbered 1-5."""
    lines = text.splitlines()
    firsts = [i for i, line in enumerate(lines) if line.startswith("[1] ")]
    if not firsts:  # a question with numbered options of its own numbers its buttons after them
        firsts = [i for i, line in enumerate(lines) if re.match(r"^\[\d+\] ", line)][:1]
    if not firsts:
        return {}
    found = [line for line in lines[firsts[-1] :] if re.match(r"^\[\d+\] ", line)]
    return {label: number for line in found for number, label in _CHOICE.findall(line)}


_LINK_BUTTONS = re.compile(r"^\[\d+\] .*<https?://\S+>")


def strip_error(text: str) -> str:
    """A reply without the console's ``! `` error mark."""
    return text[2:] if text.startswith("! ") else text


class ConsoleDriver:
    """Drives ``policybot chat`` for several people sharing one database."""

    platform = "console"

    def __init__(
        self,
        bot: PolicyBot,
        worker: OutboxWorker,
        people: Mapping[str, Person],
        notices: io.StringIO,
        steps: list[Step],
    ) -> None:
        self.bot = bot
        self.worker = worker
        self.people = people
        self.notices = notices
        self._notices_seen = 0
        self._chats: dict[str, tuple[ConsoleChat, io.StringIO]] = {}
        self._last: dict[str, str] = {}  # person -> text of the last answer shown
        self._form_text: list[str] = []  # what a form field prompt is answered with
        self._mark = 0
        self._current = io.StringIO()
        self._prompts = {norm(v.prompt): s for s in steps for v in s.variants if v.prompt}
        self._prompts.update({norm(s.prompt): s for s in steps})

    async def _deliver(self) -> None:
        """What ``policybot chat`` runs after every reply: reminders due, then the outbox."""
        await self.bot.incidents.run_due_reminders()
        await self.worker.run_once()

    def _chat(self, person: str) -> tuple[ConsoleChat, io.StringIO]:
        if person not in self._chats:
            name = self.people[person].console
            out = io.StringIO()
            chat = ConsoleChat(
                self.bot, Actor("console", name, name), out=out, deliver=self._deliver
            )
            self._chats[person] = (chat, out)
        return self._chats[person]

    def _read(self, prompt: str) -> str:
        """Answers a form field prompt; what follows in the output is the form's outcome."""
        self._mark = len(self._current.getvalue())
        assert self._form_text, f"unexpected prompt {prompt!r}"
        return self._form_text.pop(0)

    async def _line(
        self,
        person: str,
        text: str,
        form: list[str] | None = None,
        *,
        form_optional: bool = False,
    ) -> str:
        """Type ``text`` as ``person``; the output shown after it (after the form, if any).
        ``form_optional``: the form may not be asked (the person was refused)."""
        chat, out = self._chat(person)
        self._current = out
        self._mark = len(out.getvalue())
        self._form_text = list(form or [])
        await chat.line(text, self._read)
        assert form_optional or not self._form_text, f"form fields not asked: {self._form_text}"
        return out.getvalue()[self._mark :].strip("\n")

    # -- policy Q&A -------------------------------------------------------------------------
    def _answer(self, person: str, shown: str) -> Observation:
        self._last[person] = shown
        parts = parse_answer_text(shown)
        return answer_observation(
            verdict=VERDICTS.get(parts["label"], f"?{parts['label']}"),
            answer=parts["answer"],
            question=parts["question"],
            choices=list(choice_numbers(shown)),
            citations=parts["citations"],
            headings=parts["headings"],
        )

    async def ask(self, person: str, text: str) -> Observation:
        return self._answer(person, await self._line(person, text))

    async def choose(self, person: str, label: str) -> Observation:
        numbers = choice_numbers(self._last[person])
        assert label in numbers, f"no [n] {label!r} in {list(numbers)}"
        return self._answer(person, await self._line(person, numbers[label]))

    # -- reporting --------------------------------------------------------------------------
    def _asked(self, shown: str) -> Step | None:
        found = None
        for part in paragraphs(shown):
            step = self._prompts.get(norm(part))
            if step is not None:
                found = step
        return found

    async def report(self, person: str, answers: Mapping[str, Any]) -> Observation:
        shown = await self._line(person, "report")
        asked: list[str] = []
        for _ in range(30):
            if CONFIRM_INTRO in shown:
                break
            step = self._asked(shown)
            assert step is not None, f"no question recognised in:\n{shown}"
            asked.append(step.name)
            shown = await self._line(person, self._typed(step, answers.get(step.name), shown))
        else:
            raise AssertionError(f"the dialog never reached the confirmation; asked {asked}")
        # the summary message: its safety notices ("Important: ..."), then the answers
        parts = [p for p in paragraphs(shown) if not p.startswith("[1] ")]
        start = parts.index(CONFIRM_INTRO)
        while start > 0 and parts[start - 1].startswith("Important: "):
            start -= 1
        confirmation = "\n\n".join(parts[start:])
        receipt = await self._line(person, choice_numbers(shown)["Submit report"])
        return report_observation(confirmation, receipt, prompt_for="chat")

    @staticmethod
    def _typed(step: Step, answer: Any, shown: str) -> str:
        """What a person types for ``answer``: a button's number, numbers from the list of
        options (several answers), or the words themselves."""
        buttons = choice_numbers(shown)
        if answer is None or answer == "":
            assert "Skip" in buttons, f"no answer given for {step.name!r}"
            return buttons["Skip"]
        if isinstance(answer, list):
            found = re.findall(r"^(\d+)\. (.+)$", shown, re.M)
            listed = {label: number for number, label in found}
            return ", ".join(listed[label] for label in answer)
        if step.kind in {"choice", "yes_no"} and answer in buttons:
            return buttons[answer]
        return str(answer)

    # -- notifications ----------------------------------------------------------------------
    async def deliver(self) -> Observation:
        await self._deliver()  # the chat has delivered after each reply already
        printed = self.notices.getvalue()[self._notices_seen :]
        self._notices_seen = len(self.notices.getvalue())
        by_address = {p.console: p.id for p in self.people.values()}
        received: dict[str, list[Observation]] = {}
        for block in _BLOCK.findall(printed):
            header, title, *rest = block.splitlines()
            address = _ADDRESS.search(header)
            assert header.startswith("To ") and address, f"unreadable header {header!r}"
            body = "\n".join(rest)
            text = "\n".join(line for line in rest if not line.startswith("[1] "))
            received.setdefault(by_address[address.group(1)], []).append(
                {
                    "title": norm(title),
                    "update": bool(_UPDATES.search(header)),
                    "text": norm(text),
                    "choices": list(choice_numbers(body)),
                }
            )
        return {"received": dict(sorted(received.items()))}

    # -- incidents --------------------------------------------------------------------------
    async def act(self, person: str, reference: str, action: str, text: str | None) -> Observation:
        # the console's incident commands; note and close then ask for the text as a form,
        # only once the person may do it (someone refused is told so and asked nothing)
        shown = await self._line(
            person,
            f"{VERBS[action]} {reference}",
            [text or ""] if action in {"note", "close"} else None,
            form_optional=True,
        )
        # link buttons (Download chronology) are a numbered line here and a button on Slack
        # and Teams, whose reply text the other drivers compare: leave them out
        shown = "\n".join(line for line in shown.splitlines() if not _LINK_BUTTONS.match(line))
        return {"reply": norm(strip_error(shown))}

    async def status(self, person: str, which: str) -> Observation:
        shown = await self._line(person, COMMANDS[which])
        return {"states": listed_states(shown), "text": norm(shown)}

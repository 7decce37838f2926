"""The console driver: each person has a real :class:`ConsoleChat` (typed lines, numbered
buttons, forms asked field by field, each read as ``input()`` would) and notifications are
printed by the real :class:`ConsoleNotifier` through the outbox worker, numbered in the
recipient's own chat, as ``policybot chat`` wires them for the person at each terminal.
Observations are read back from the printed text."""

from __future__ import annotations

import asyncio
import io
import queue
import re
from collections.abc import Callable, Mapping
from typing import Any

from adapters.console.chat import ConsoleChat
from adapters.console.notifier import RULE, ConsoleNotifier
from bot.app import PolicyBot
from bot.delivery.worker import OutboxWorker
from bot.dialogs.definition import Step
from bot.messages import Actor
from bot.notifier import Delivery
from tests.parity.base import COMMANDS, VERBS, Person, advance, run_due
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
_NUMBERED = re.compile(r"^\[\d+\] ")
#: a form field's options, as the console lists them before asking it ("[1] A  [2] B")
_OPTION = re.compile(r"\[(\d+)\] (.+?)(?=\s{2,}\[\d+\] |$)")
#: how long a form field waits for the scenario's answer before the run fails
FIELD_TIMEOUT = 30.0


class Terminals:
    """Everyone at their own terminal (``policybot chat --as NAME``): each message is printed
    by a real :class:`ConsoleNotifier` whose board is the recipient's chat, so its buttons are
    numbered there and typing the number presses them, as in ``policybot chat``."""

    platform = "console"

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream
        self.chat_for: Callable[[str], ConsoleChat | None] = lambda address: None
        self._notifiers: dict[str, ConsoleNotifier] = {}

    async def deliver(self, delivery: Delivery) -> str | None:
        """Print ``delivery`` at its recipient's terminal."""
        address = delivery.recipient.address
        if address not in self._notifiers:
            self._notifiers[address] = ConsoleNotifier(self.stream, self.chat_for(address))
        return await self._notifiers[address].deliver(delivery)


class _Typing:
    """One typed line still being handled: a form it opened reads each field with
    ``input()`` in a worker thread (as ``policybot chat`` does); the scenario answers them."""

    def __init__(self, chat: ConsoleChat, text: str) -> None:
        self.loop = asyncio.get_running_loop()
        self.answers: queue.Queue[str] = queue.Queue()
        self.asked = asyncio.Event()
        self.prompt = ""
        self.task = asyncio.create_task(chat.line(text, self._read))

    def _read(self, prompt: str) -> str:  # in a worker thread
        self.loop.call_soon_threadsafe(self._asking, prompt)
        return self.answers.get(timeout=FIELD_TIMEOUT)

    def _asking(self, prompt: str) -> None:
        self.prompt = prompt
        self.asked.set()

    async def next(self) -> bool:
        """Until the line is handled (False) or a form field is asked (True)."""
        waiter = asyncio.ensure_future(self.asked.wait())
        done, _ = await asyncio.wait({self.task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            waiter.cancel()
            self.task.result()
            return False
        self.asked.clear()
        return True


def reply_buttons(shown: str) -> dict[str, str]:
    """``{label: number}`` of the buttons of the replies in ``shown``: each numbered line
    that starts a paragraph (a form's option list follows its reply's buttons directly)."""
    found: dict[str, str] = {}
    for part in paragraphs(shown):
        first = part.splitlines()[0]
        if _NUMBERED.match(first):
            found.update({label: number for number, label in _CHOICE.findall(first)})
    return found


def reply_observation(shown: str) -> Observation:
    """What a reply showed: its words (without the numbered lines) and its buttons."""
    text = "\n".join(strip_error(line) for line in shown.splitlines() if not _NUMBERED.match(line))
    return {"reply": norm(text), "choices": list(reply_buttons(shown))}


def field_options(segment: str, first: bool) -> dict[str, str]:
    """``{label: number}`` of the options listed just before a field was asked (``segment``:
    what was printed since the last answer; ``first``: the form's first field, printed
    right under its reply's buttons)."""
    lines = segment.rstrip("\n").splitlines()
    if not lines or not lines[-1].startswith("[1] "):
        return {}
    if first and (len(lines) < 2 or not _NUMBERED.match(lines[-2])):
        return {}  # that line is the reply's buttons: the field has no options
    return {label: number for number, label in _OPTION.findall(lines[-1])}


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
        self._buttons: dict[str, dict[str, str]] = {}  # person -> pressable {label: number}
        #: person -> the form being asked: the line, where its output starts, its intro
        self._typing: dict[str, tuple[_Typing, int, str]] = {}
        self._notices_scanned = 0
        self._by_address = {p.console: p.id for p in people.values()}

    def chat_at(self, address: str) -> ConsoleChat | None:
        """The chat of the person whose console name is ``address`` (for :class:`Terminals`)."""
        person = self._by_address.get(address)
        return self._chat(person)[0] if person else None

    def _scan_notices(self) -> None:
        """Buttons of messages printed since last time become pressable by their numbers
        in the recipient's chat."""
        printed = self.notices.getvalue()[self._notices_scanned :]
        self._notices_scanned = len(self.notices.getvalue())
        for block in _BLOCK.findall(printed):
            address = _ADDRESS.search(block.splitlines()[0])
            person = self._by_address.get(address.group(1)) if address else None
            if person is not None:
                numbered = [line for line in block.splitlines() if _NUMBERED.match(line)]
                for line in numbered:
                    self._buttons.setdefault(person, {}).update(
                        {label: number for number, label in _CHOICE.findall(line)}
                    )

    def _shown_to(self, person: str, shown: str) -> None:
        """After ``person`` typed a line: their pressable buttons are the reply's, then
        those of messages printed meanwhile."""
        self._buttons[person] = reply_buttons(shown)
        self._scan_notices()

    async def _deliver(self) -> None:
        """What ``policybot chat`` runs after every reply: reminders due, then the outbox."""
        await run_due(self.bot)
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
        shown = out.getvalue()[self._mark :].strip("\n")
        self._shown_to(person, shown)
        return shown

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
        await run_due(self.bot)  # the chat has delivered after each reply already
        while await self.worker.run_once():
            pass
        self._scan_notices()
        printed = self.notices.getvalue()[self._notices_seen :]
        self._notices_seen = len(self.notices.getvalue())
        by_address = {p.console: p.id for p in self.people.values()}
        received: dict[str, list[Observation]] = {}
        for block in _BLOCK.findall(printed):
            header, title, *rest = block.splitlines()
            address = _ADDRESS.search(header)
            assert header.startswith("To ") and address, f"unreadable header {header!r}"
            body = "\n".join(rest)
            text = "\n".join(line for line in rest if not _NUMBERED.match(line))
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

    # -- commands, forms and buttons ----------------------------------------------------------
    async def _type(self, person: str, text: str) -> Observation:
        """Type ``text``: the reply; a form it opens waits for :meth:`form`."""
        assert person not in self._typing, f"{person} has a form waiting to be filled in"
        chat, out = self._chat(person)
        mark = len(out.getvalue())
        typing = _Typing(chat, text)
        asking = await typing.next()
        shown = out.getvalue()[mark:].strip("\n")
        observed = reply_observation(shown)
        if asking:
            self._typing[person] = (typing, mark, observed["reply"])
        self._shown_to(person, shown)
        return observed

    async def command(self, person: str, text: str, place: str | None = None) -> Observation:
        assert place is None, "the console has no channels: skip_on the console"
        return await self._type(person, text)

    async def press(self, person: str, label: str) -> Observation:
        buttons = self._buttons.get(person, {})
        assert label in buttons, f"{person} has no [n] {label!r} to type: {list(buttons)}"
        return await self._type(person, buttons[label])

    async def form(self, person: str, answers: Mapping[str, Any]) -> Observation:
        assert person in self._typing, f"no form is asking {person} anything"
        typing, mark, intro = self._typing.pop(person)
        _chat, out = self._chat(person)
        asked: list[str] = []
        for _ in range(40):
            label = typing.prompt.removesuffix(": ")
            options = field_options(out.getvalue()[mark:], first=not asked)
            asked.append(label)
            typing.answers.put(self._answer_field(label, answers.get(label), options))
            mark = len(out.getvalue())
            if not await typing.next():
                break
        else:
            raise AssertionError(f"the form never ended; asked {asked}")
        shown = out.getvalue()[mark:].strip("\n")
        self._shown_to(person, shown)
        return {"intro": intro, "fields": asked, **reply_observation(shown)}

    @staticmethod
    def _answer_field(label: str, answer: Any, options: Mapping[str, str]) -> str:
        """What a person types for a field: option numbers ("1, 3") or the words."""
        if answer is None:
            return ""
        picked = answer if isinstance(answer, list) else [answer]
        if options:
            missing = [a for a in picked if a not in options]
            assert not missing, f"{label!r}: {missing} not among {list(options)}"
            return ", ".join(options[a] for a in picked)
        return ", ".join(str(a) for a in picked)

    async def wait(self, delta: Mapping[str, float]) -> Observation:
        advance(self.bot, delta)
        return {}

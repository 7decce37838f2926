"""The console chat with the real core on a real (SQLite) database: typed numbers answer a
question that lists its own options, Ctrl-D never ends in a traceback, leaving pauses a
report and the next chat announces it, and a notification's buttons can be pressed by
number. The property test types anything at all, ending with Ctrl-D or /quit."""

from __future__ import annotations

import asyncio
import io
import itertools
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console.chat import ConsoleChat
from adapters.console.notifier import ConsoleNotifier
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.delivery.worker import OutboxWorker
from bot.messages import Actor
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.trust.config import load_trust_config
from bot.trust.directory import TrustDirectory
from tests.conftest import EXAMPLE_TRUST
from tests.core.test_policybot import make_bot

TOM = Actor("console", "tom", "tom")
JANE = Actor("console", "jane", "jane")
_ids = itertools.count()


class Script:
    """Typed lines, then end of input (Ctrl-D)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)

    def __call__(self, prompt: str) -> str:
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


async def _bot(path: Path) -> tuple[PolicyBot, Database]:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    clock = FakeClock()
    await TrustDirectory(database, clock=clock).import_config(load_trust_config(EXAMPLE_TRUST))
    return make_bot(database, clock), database


def _chat(bot: PolicyBot, actor: Actor) -> tuple[ConsoleChat, io.StringIO]:
    out = io.StringIO()
    chat = ConsoleChat(bot, actor, out=out, deliver=lambda: deliver())
    worker = OutboxWorker(bot.database, {"console": ConsoleNotifier(out, board=chat)}, bot.clock)

    async def deliver() -> None:
        await worker.run_once()

    return chat, out


def _run(path: Path, body: Callable[[PolicyBot], object]) -> None:
    async def main() -> None:
        bot, database = await _bot(path)
        try:
            await body(bot)  # type: ignore[misc]
        finally:
            await database.dispose()

    asyncio.run(main())


def test_numbers_answer_a_question_with_its_own_numbered_options(tmp_path: Path) -> None:
    async def body(bot: PolicyBot) -> None:
        chat, out = _chat(bot, TOM)
        read = Script([])
        for line in ["report", "no", "other", "no", "no", "facebook", "skip", "today"]:
            await chat.line(line, read)
        await chat.line("A parent posted a rude comment about a colleague.", read)
        shown = out.getvalue().rsplit("What have you done so far?", 1)[1]
        assert "[6] Back   [7] Cancel" in shown  # after the five options
        await chat.line("2", read)  # "Kept a screenshot", not Cancel
        draft = await bot.conversations.get(f"report:{TOM.key}")
        assert draft is not None
        assert draft.state["answers"]["actions_taken"] == ["screenshot_kept"]
        assert draft.state["status"] == "active"

    _run(tmp_path / "db.sqlite3", body)


def test_leaving_mid_report_pauses_it_and_the_next_chat_says_so(tmp_path: Path) -> None:
    async def body(bot: PolicyBot) -> None:
        chat, out = _chat(bot, TOM)
        assert await chat.run(Script(["report", "no"])) == 0  # then Ctrl-D
        assert "Your report is paused with your answers saved" in out.getvalue()
        again, out2 = _chat(bot, TOM)
        assert await again.run(Script(["my reports", "resume"])) == 0
        shown = out2.getvalue()
        assert shown.index("Your report is paused") < shown.index("You have not made")
        assert "Welcome back" in shown
        draft = await bot.conversations.get(f"report:{TOM.key}")
        assert draft is not None and draft.state["answers"] == {"immediate_risk": False}

    _run(tmp_path / "db.sqlite3", body)


def test_ctrl_d_at_a_note_prompt_changes_nothing(tmp_path: Path) -> None:
    async def body(bot: PolicyBot) -> None:
        chat, out = _chat(bot, TOM)
        lines = ["report", "no", "other", "no", "no", "facebook", "skip", "today"]
        lines += ["A parent posted a rude comment about a colleague.", "4", "urgent", "submit"]
        await chat.run(Script(lines))
        ref = out.getvalue().split("reference ")[1][:12]
        jane, jout = _chat(bot, JANE)
        assert await jane.run(Script([f"note {ref}"])) == 0  # Ctrl-D at "Your note: "
        assert "Nothing entered, so nothing was changed." in jout.getvalue()
        assert await bot.conversations.get(f"incident_text:{JANE.key}:console:jane") is None

    _run(tmp_path / "db.sqlite3", body)


def test_a_notifications_buttons_are_pressed_by_number(tmp_path: Path) -> None:
    async def body(bot: PolicyBot) -> None:
        tom, out = _chat(bot, TOM)
        lines = ["report", "no", "other", "no", "no", "facebook", "skip", "today"]
        lines += ["A parent posted a rude comment about a colleague.", "4", "urgent", "submit"]
        await tom.run(Script(lines))
        # Jane's escalation was printed in Tom's terminal, her buttons not numbered there
        assert "(Jane Smith can choose: Acknowledge" in out.getvalue()
        await bot.pause_report(TOM)
        # in Jane's own chat the next delivery (a reminder) numbers its buttons
        jane, jout = _chat(bot, JANE)
        bot.clock.advance(minutes=31)  # type: ignore[attr-defined]
        await bot.incidents.run_due_reminders()
        await jane.line("incidents", Script([]))
        shown = jout.getvalue()
        assert "[1] Acknowledge" in shown, shown
        await jane.line("1", Script([]))
        assert "You have acknowledged" in jout.getvalue()

    _run(tmp_path / "db.sqlite3", body)


lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "report",
                "1",
                "2",
                "3",
                "7",
                "back",
                "cancel",
                "yes",
                "no",
                "keep",
                "change",
                "resume",
                "my reports",
                "incidents",
                "ack",
                "note SM-2026-0001",
                "who is the dsl",
                "/quit",
                "help",
                "",
                "\udcff",
                "x" * 3000,
                "can i add a yr 11 kid on snap",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=14,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lines)
def test_anything_typed_then_ctrl_d_ends_cleanly(tmp_path: Path, typed: list[str]) -> None:
    async def body(bot: PolicyBot) -> None:
        chat, out = _chat(bot, TOM)
        assert await chat.run(Script(typed)) == 0
        assert out.getvalue().rstrip().endswith("Goodbye.")
        draft = await bot.conversations.get(f"report:{TOM.key}")
        if draft is not None:  # never left waiting for an answer the person cannot see
            assert draft.state["status"] in ("paused", "cancelled", "submitted")

    _run(tmp_path / f"db{next(_ids)}.sqlite3", body)

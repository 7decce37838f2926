"""Fixtures for the report dialog tests: the bundled dialog, contexts and a chat driver."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from bot.dialogs import DialogContext, ReportDialog, Turn
from bot.messages import Reply

NOW = datetime(2026, 11, 24, 10, 30)  # a Tuesday
ACADEMIES = [("north", "North Academy"), ("south", "South Academy")]


class Chat:
    """Drives the dialog like the app does: the state goes through JSON between turns."""

    def __init__(
        self, dialog: ReportDialog, ctx: DialogContext, prefill: dict[str, Any] | None = None
    ) -> None:
        self.dialog = dialog
        self.ctx = ctx
        self.turn: Turn = dialog.start(ctx, prefill)
        self.turns = [self.turn]

    def _stored(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.turn.state))

    def say(self, text: str) -> Turn:
        self.turn = self.dialog.handle_text(self.ctx, self._stored(), text)
        self.turns.append(self.turn)
        return self.turn

    def press(self, action: str, value: str = "") -> Turn:
        self.turn = self.dialog.handle_action(self.ctx, self._stored(), action, value)
        self.turns.append(self.turn)
        return self.turn

    def resume(self) -> Turn:
        self.turn = self.dialog.resume_prompt(self.ctx, self._stored())
        self.turns.append(self.turn)
        return self.turn

    @property
    def step(self) -> str:
        return str(self.turn.state.get("step"))

    @property
    def status(self) -> str:
        return str(self.turn.state.get("status"))

    @property
    def last(self) -> Reply:
        return self.turn.replies[-1]

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.turn.state.get("answers", {}))

    def text(self) -> str:
        return "\n".join(r.text for r in self.turn.replies)


@pytest.fixture(scope="session")
def dialog() -> ReportDialog:
    return ReportDialog.load()


@pytest.fixture
def ctx() -> DialogContext:
    """A trust with two academies and a reporter whose academy is unknown."""
    return DialogContext(academies=list(ACADEMIES), default_academy=None, now=NOW)


@pytest.fixture
def known_ctx() -> DialogContext:
    """A reporter whose academy is known: the academy question is not asked."""
    return DialogContext(academies=list(ACADEMIES), default_academy="south", now=NOW)


@pytest.fixture
def chat(dialog: ReportDialog, ctx: DialogContext) -> Chat:
    return Chat(dialog, ctx)

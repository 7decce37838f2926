"""Platform-neutral messages the core speaks and the intents it receives.

Adapters render a :class:`Reply` into Block Kit, an Adaptive Card or terminal text and
parse platform payloads back into :class:`Message` / :class:`Action` intents. Every reply
carries a complete plain-text ``text`` so a client that cannot show rich content loses
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["allowed", "not_allowed", "conditional", "information", "no_match"]
VERDICTS: tuple[str, ...] = ("allowed", "not_allowed", "conditional", "information", "no_match")

ReplyKind = Literal["answer", "dialog", "notice", "error", "incident", "help"]
FieldKind = Literal["text", "textarea", "choice", "multi_choice", "date", "url", "yes_no"]


@dataclass(frozen=True)
class Citation:
    """The policy's own words an answer rests on."""

    rule_id: str
    section: str
    text: str


@dataclass(frozen=True)
class Choice:
    """A button or option. ``action`` names what pressing it does; ``value`` is its payload.

    Action names are namespaced: ``qa.fact`` (answer a follow-up), ``qa.suggest`` (pick a
    "did you mean" topic), ``report.start`` (open the report dialog, value = prefill key),
    ``dialog.*`` (a dialog step), ``incident.*`` (act on an incident), ``campaign.*`` (a
    "read and understood" campaign), ``account.*`` (an official school account) and
    ``link.open`` (a button that opens ``url`` in the browser; ``value`` is the url too).
    """

    label: str
    value: str
    action: str
    style: Literal["primary", "danger"] | None = None
    url: str | None = None


@dataclass
class FormField:
    """One input of a form (a dialog step shown as a modal or card)."""

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    options: list[Choice] = field(default_factory=list)
    hint: str | None = None
    placeholder: str | None = None
    max_length: int | None = None
    value: str | list[str] | None = None
    error: str | None = None


@dataclass
class Reply:
    """One message from the core to a person."""

    text: str
    kind: ReplyKind = "notice"
    title: str | None = None
    verdict: Verdict | None = None
    citations: list[Citation] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    fields: list[FormField] = field(default_factory=list)
    private: bool = True
    replace_previous: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Actor:
    """Who is speaking: a platform identity, mapped to a trust person by id, never by name."""

    platform: str  # "slack" | "teams" | "console"
    user_id: str
    display_name: str = ""

    @property
    def key(self) -> str:
        """A stable key for this identity across the whole system."""
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Message:
    """A person typed text to the bot; ``shared``: where others can read it (a channel)."""

    actor: Actor
    text: str
    conversation_id: str
    shared: bool = False
    #: the surface shows a reply's fields as a form of its own (see :class:`Action`)
    forms: bool = False


@dataclass(frozen=True)
class Action:
    """A person pressed a button, picked an option or submitted a form."""

    actor: Actor
    action: str
    value: str
    conversation_id: str
    form: dict[str, Any] = field(default_factory=dict)
    #: the surface shows a reply's fields as a form of its own (a Slack modal, a Teams card):
    #: nothing typed afterwards is taken as their answer
    forms: bool = False

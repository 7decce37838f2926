"""The schema of a dialog definition (YAML) and its loader, validated on load.

A definition is data: ordered steps with conditions saying when each is asked or filled in
without asking, plus safety notices and every piece of user-facing text. Errors name the
file, the step and the field so a broken edit is easy to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.dialogs.context import DialogContext
from bot.messages import FieldKind

BUNDLED_REPORT = Path(__file__).with_name("report.yaml")

ContextFact = Literal["has_academies", "academy_known"]

#: user-facing texts the engine needs; a definition missing any of them does not load
REQUIRED_MESSAGES: frozenset[str] = frozenset(
    {
        "footer",
        "intro",
        "resume",
        "help",
        "skip_not_allowed",
        "skipped_optional",
        "first_step",
        "current_answer",
        "plain_choices",
        "paused",
        "paused_reminder",
        "cancelled",
        "cancelled_safeguarding",
        "stale_button",
        "restarted",
        "confirm_title",
        "confirm_intro",
        "confirm_prompt",
        "confirm_form_prompt",
        "confirm_not_understood",
        "not_given",
        "set_automatically",
        "edit_prompt",
        "edit_not_found",
        "submit_label",
        "change_label",
        "form_submit_label",
        "form_change_label",
        "cancel_label",
        "back_label",
        "skip_label",
        "resume_label",
        "form_incomplete",
        "hint_choice",
        "hint_yes_no",
        "hint_multi_choice",
        "hint_required",
        "hint_too_short",
        "hint_too_long",
        "hint_url",
        "hint_link_refused",
        "hint_when_link",
        "keep_label",
        "nothing_to_change",
        "cancel_confirm",
        "cancel_confirm_yes_label",
        "cancel_confirm_no_label",
        "cancel_kept",
        "chat_unfinished",
        "chat_no_open_report",
        "chat_left_paused",
    }
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DialogDefinitionError(ValueError):
    """A dialog definition file is missing, unreadable or invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Model):
    """One test on an earlier answer (``field``) or on the caller's context (``context``)."""

    field: str | None = None
    context: ContextFact | None = None
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.field is None) == (self.context is None):
            raise ValueError("a condition needs exactly one of 'field' or 'context'")
        tests = {"equals", "not_equals", "in_"} & self.model_fields_set
        if self.field is not None and len(tests) != 1:
            raise ValueError(
                f"condition on {self.field!r} needs exactly one of 'equals', 'not_equals', 'in'"
            )
        if self.context is not None and tests:
            raise ValueError(f"context condition {self.context!r} takes no comparison")
        return self

    def expected_values(self) -> list[Any]:
        """The answer values this condition compares against (for load-time checks)."""
        if "in_" in self.model_fields_set:
            return list(self.in_ or [])
        if "equals" in self.model_fields_set:
            return [self.equals]
        if "not_equals" in self.model_fields_set:
            return [self.not_equals]
        return []

    def holds(self, values: Mapping[str, Any], ctx: DialogContext) -> bool:
        """Whether the condition is true for these (effective) answers and this context."""
        if self.context is not None:
            return ctx.fact(self.context)
        value = values.get(self.field or "")
        if "in_" in self.model_fields_set:
            return value in (self.in_ or [])
        if "equals" in self.model_fields_set:
            return bool(value == self.equals)
        return bool(value != self.not_equals)


def all_hold(conditions: list[Condition], values: Mapping[str, Any], ctx: DialogContext) -> bool:
    """True when every condition holds (an empty list always holds)."""
    return all(c.holds(values, ctx) for c in conditions)


class Option(_Model):
    """One choice of a choice or multi-choice step."""

    value: str
    label: str
    aliases: list[str] = Field(default_factory=list)
    ask_when: list[Condition] = Field(default_factory=list)
    exclusive: bool = False


class Implied(_Model):
    """A value that fills a step without asking, when its conditions hold."""

    when: list[Condition]
    value: Any = None
    value_from_context: Literal["academy"] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Implied:
        has_value = "value" in self.model_fields_set
        if has_value == (self.value_from_context is not None):
            raise ValueError(
                "an implied value needs exactly one of 'value' or 'value_from_context'"
            )
        return self


class Variant(_Model):
    """Different wording of a step's prompt or hint when its conditions hold."""

    when: list[Condition]
    prompt: str | None = None
    hint: str | None = None


class Step(_Model):
    """One question of the dialog."""

    name: str
    kind: FieldKind
    label: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    hint: str | None = None
    placeholder: str | None = None
    required: bool = True
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    options: list[Option] = Field(default_factory=list)
    options_from: Literal["academies"] | None = None
    allow_other: bool = False
    ask_when: list[Condition] = Field(default_factory=list)
    implied: list[Implied] = Field(default_factory=list)
    reject_links_when: list[Condition] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if not _NAME.match(self.name):
            raise ValueError(f"name {self.name!r} must be lower_snake_case")
        choice_like = self.kind in ("choice", "multi_choice")
        if choice_like and not self.options and self.options_from is None:
            raise ValueError(f"field 'options': a {self.kind} step needs options or options_from")
        if not choice_like and (self.options or self.options_from):
            raise ValueError(f"field 'options': a {self.kind} step takes no options")
        if self.allow_other and self.kind != "choice":
            raise ValueError("field 'allow_other': only a choice step can accept other answers")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError("field 'min_length': is greater than max_length")
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise ValueError("field 'options': option values must be unique")
        return self

    def option_values(self) -> list[str] | None:
        """The fixed option values (None when options come from the context)."""
        if self.kind == "yes_no":
            return None
        return [o.value for o in self.options] if self.options_from is None else None

    def conditions(self) -> list[tuple[str, Condition]]:
        """Every condition of this step with the field it sits in (for checks on load)."""
        found: list[tuple[str, Condition]] = [("ask_when", c) for c in self.ask_when]
        found += [("implied", c) for i in self.implied for c in i.when]
        found += [("reject_links_when", c) for c in self.reject_links_when]
        found += [("variants", c) for v in self.variants for c in v.when]
        found += [("options", c) for o in self.options for c in o.ask_when]
        return found


class Notice(_Model):
    """Safety guidance shown as its own message once any of its conditions holds."""

    id: str
    field: str
    title: str
    text: str
    short: str
    #: the short line as the top of a form shows it, above the question it is about (the
    #: chat's ``short`` follows its question: "If yes: ..."); ``short`` when not given
    form_short: str | None = None
    when_any: list[Condition] = Field(min_length=1)


class Signal(_Model):
    """Words in any typed answer that change other answers, whatever was answered there.

    It fires when an answer matches one of ``words`` and, in the same answer, one of
    ``with_words`` (when given), or when ``or_when`` holds for the answers so far. Then the
    answers in ``sets`` take those values and ``message`` (why) is shown once.
    """

    id: str
    words: list[str] = Field(min_length=1)
    with_words: list[str] = Field(default_factory=list)
    or_when: list[Condition] = Field(default_factory=list)
    sets: dict[str, Any] = Field(min_length=1)
    message: str

    @model_validator(mode="after")
    def _patterns_compile(self) -> Signal:
        for pattern in (*self.words, *self.with_words):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid expression ({exc})") from None
        return self

    def fires(self, texts: list[str], values: Mapping[str, Any], ctx: DialogContext) -> bool:
        """Whether any of ``texts`` (typed answers) sets this signal off."""
        words = [re.compile(p, re.IGNORECASE) for p in self.words]
        with_words = [re.compile(p, re.IGNORECASE) for p in self.with_words]
        context_holds = bool(self.or_when) and all_hold(self.or_when, values, ctx)
        for text in texts:
            if not any(w.search(text) for w in words):
                continue
            if not with_words or context_holds or any(w.search(text) for w in with_words):
                return True
        return False


class DialogDefinition(_Model):
    """A whole dialog: ordered steps, notices, signals and texts."""

    id: str
    title: str
    max_attempts: int = Field(default=3, ge=1, le=10)
    messages: dict[str, str]
    notices: list[Notice] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> DialogDefinition:
        missing = sorted(REQUIRED_MESSAGES - set(self.messages))
        if missing:
            raise ValueError(f"field 'messages': missing {', '.join(missing)}")
        by_name: dict[str, Step] = {}
        for step in self.steps:
            if step.name in by_name:
                raise ValueError(f"step {step.name!r}, field 'name': used twice")
            for where, cond in step.conditions():
                _check_condition(cond, by_name, f"step {step.name!r}, field {where!r}")
            for implied in step.implied:
                if "value" in implied.model_fields_set:
                    _check_value(step, implied.value, f"step {step.name!r}, field 'implied'")
            by_name[step.name] = step
        seen_ids: set[str] = set()
        for notice in self.notices:
            where = f"notice {notice.id!r}"
            if notice.id in seen_ids:
                raise ValueError(f"{where}, field 'id': used twice")
            seen_ids.add(notice.id)
            if notice.field not in by_name:
                raise ValueError(f"{where}, field 'field': no step named {notice.field!r}")
            for cond in notice.when_any:
                _check_condition(cond, by_name, f"{where}, field 'when_any'")
        for signal in self.signals:
            where = f"signal {signal.id!r}"
            for cond in signal.or_when:
                _check_condition(cond, by_name, f"{where}, field 'or_when'")
            for name, value in signal.sets.items():
                if name not in by_name:
                    raise ValueError(f"{where}, field 'sets': no step named {name!r}")
                _check_value(by_name[name], value, f"{where}, field 'sets'")
        return self

    def step(self, name: str) -> Step:
        """The step with this name (KeyError when there is none)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def has_step(self, name: str) -> bool:
        """Whether a step with this name exists."""
        return any(s.name == name for s in self.steps)

    def text(self, key: str, **values: Any) -> str:
        """A user-facing message, with ``{placeholders}`` filled in."""
        template = self.messages[key]
        return template.format(**values) if values else template


def _check_condition(cond: Condition, earlier: Mapping[str, Step], where: str) -> None:
    if cond.field is None:
        return
    if cond.field not in earlier:
        raise ValueError(
            f"{where}: condition refers to {cond.field!r}, which is not an earlier step"
        )
    for value in cond.expected_values():
        _check_value(earlier[cond.field], value, where)


def _check_value(step: Step, value: Any, where: str) -> None:
    if step.kind == "yes_no" and not isinstance(value, bool):
        raise ValueError(f"{where}: {step.name!r} is yes/no, so compare with true or false")
    allowed = step.option_values()
    if allowed is not None and step.kind == "choice" and value not in allowed:
        raise ValueError(f"{where}: {value!r} is not an option of {step.name!r}")


def _describe_loc(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into 'step NAME, field FIELD' wording."""
    parts = list(loc)
    if (
        len(parts) >= 2
        and parts[0] in ("steps", "notices", "signals")
        and isinstance(parts[1], int)
    ):
        index = parts[1]
        label = {"steps": "step", "notices": "notice", "signals": "signal"}[str(parts[0])]
        items = raw.get(parts[0]) if isinstance(raw, dict) else None
        item = items[index] if isinstance(items, list) and index < len(items) else None
        key = "name" if parts[0] == "steps" else "id"
        name = item.get(key) if isinstance(item, dict) else None
        head = f"{label} {name!r}" if name else f"{label} #{index + 1}"
        rest = [str(p) for p in parts[2:]]
        return f"{head}, field {'.'.join(rest)!r}" if rest else head
    return f"field {'.'.join(str(p) for p in parts)!r}" if parts else ""


def parse_definition(raw: Any, source: str = "<dialog>") -> DialogDefinition:
    """Validate already-parsed YAML data; errors name the source, step and field."""
    try:
        return DialogDefinition.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = str(err["msg"]).removeprefix("Value error, ")
            where = _describe_loc(raw, tuple(err["loc"]))
            lines.append(f"{where}: {msg}" if where else msg)
        raise DialogDefinitionError(f"{source}: " + "; ".join(lines)) from None


def load_definition(path: Path | None = None) -> DialogDefinition:
    """Load and validate a dialog YAML file (the bundled report dialog by default)."""
    path = path or BUNDLED_REPORT
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DialogDefinitionError(f"{path}: cannot read the file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DialogDefinitionError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise DialogDefinitionError(f"{path}: expected a mapping at the top level")
    return parse_definition(raw, str(path))

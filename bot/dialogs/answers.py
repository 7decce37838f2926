"""Working out, from the answers so far, which steps apply and what each value is.

One pass over the steps in order: a step whose ``ask_when`` fails does not apply (any answer
to it is dropped, e.g. a pasted link once sexual imagery is reported) unless the failure rests
on a question not answered yet (its answer is then kept, *pending*); a step with a matching
``implied`` value is filled in without asking; every other step is *visible* and its answer,
if any, is re-validated. Chat mode and form mode both go through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.dialogs.context import DialogContext
from bot.dialogs.definition import DialogDefinition, Notice, Option, Step, all_hold
from bot.dialogs.errors import InvalidAnswer
from bot.dialogs.parsing import parse_answer


@dataclass
class Resolved:
    """The outcome of resolving answers against a definition and context."""

    answers: dict[str, Any] = field(default_factory=dict)  # valid answers to visible steps
    effective: dict[str, Any] = field(default_factory=dict)  # answers plus implied values
    implied: dict[str, Any] = field(default_factory=dict)  # values filled in without asking
    visible: list[Step] = field(default_factory=list)  # steps that are asked, in order
    errors: dict[str, str] = field(default_factory=dict)  # visible step -> why its value failed
    missing: list[str] = field(default_factory=list)  # visible steps with no answer yet
    pending: dict[str, Any] = field(default_factory=dict)  # kept answers to undecided steps
    signals: list[str] = field(default_factory=list)  # ids of the signals that fired

    def is_visible(self, name: str) -> bool:
        """Whether the named step is asked (not skipped by conditions, not implied)."""
        return any(s.name == name for s in self.visible)


def step_options(step: Step, values: Mapping[str, Any], ctx: DialogContext) -> list[Option]:
    """The options a step offers now (academies from the context; conditional ones filtered)."""
    if step.options_from == "academies":
        return [Option(value=ident, label=name) for ident, name in ctx.academies]
    return [o for o in step.options if all_hold(o.ask_when, values, ctx)]


def rejects_links(step: Step, values: Mapping[str, Any], ctx: DialogContext) -> bool:
    """Whether a pasted link must be refused in this step's answer right now."""
    return bool(step.reject_links_when) and all_hold(step.reject_links_when, values, ctx)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def typed_texts(defn: DialogDefinition, given: Mapping[str, Any]) -> list[str]:
    """Every answer a person typed in their own words (not a yes/no or a picked option)."""
    texts: list[str] = []
    for step in defn.steps:
        value = given.get(step.name)
        if step.kind == "yes_no" or not isinstance(value, str):
            continue
        if step.kind in ("choice", "multi_choice") and value in (step.option_values() or []):
            continue
        texts.append(value)
    return texts


def resolve(defn: DialogDefinition, ctx: DialogContext, given: Mapping[str, Any]) -> Resolved:
    """Resolve raw or normalised answers; invalid ones land in ``errors``, not ``answers``.

    A signal in a typed answer (words that mean sexual images of a child, say) overrides the
    answers it sets, whatever was answered there, and is listed in ``signals``.
    """
    out = _resolve(defn, ctx, given)
    if not defn.signals:
        return out
    texts = typed_texts(defn, given)
    fired = [s for s in defn.signals if s.fires(texts, out.effective, ctx)]
    if not fired:
        return out
    overridden = dict(given)
    for signal in fired:
        overridden.update(signal.sets)
    out = _resolve(defn, ctx, overridden)
    out.signals = [s.id for s in fired]
    return out


def _resolve(defn: DialogDefinition, ctx: DialogContext, given: Mapping[str, Any]) -> Resolved:
    out = Resolved()
    undecided: set[str] = set()
    for step in defn.steps:
        failing = [c for c in step.ask_when if not c.holds(out.effective, ctx)]
        if failing:
            if any(c.field in undecided for c in failing):
                # depends on a question not answered yet: keep any answer for later
                undecided.add(step.name)
                if step.name in given:
                    out.pending[step.name] = given[step.name]
            continue
        implied = next((i for i in step.implied if all_hold(i.when, out.effective, ctx)), None)
        if implied is not None:
            value = ctx.known_academy if implied.value_from_context else implied.value
            out.implied[step.name] = value
            out.effective[step.name] = value
            continue
        out.visible.append(step)
        if step.name not in given:
            out.missing.append(step.name)
            undecided.add(step.name)
            continue
        raw = given[step.name]
        if _blank(raw):
            if step.required:
                out.missing.append(step.name)
                undecided.add(step.name)
            else:
                out.answers[step.name] = None
                out.effective[step.name] = None
            continue
        try:
            value = parse_answer(
                step,
                raw,
                step_options(step, out.effective, ctx),
                defn,
                ctx.today,
                reject_links=rejects_links(step, out.effective, ctx),
            )
        except InvalidAnswer as exc:
            out.errors[step.name] = exc.hint
            out.missing.append(step.name)
            undecided.add(step.name)
            continue
        out.answers[step.name] = value
        out.effective[step.name] = value
    return out


def notice_text(notice: Notice, ctx: DialogContext) -> str:
    """A notice's full text, naming the reporter's DSL where it says ``{dsl}``."""
    dsl = ctx.contacts.get("dsl")
    return notice.text.replace("{dsl}", f", {dsl}," if dsl else "")


def active_notices(
    defn: DialogDefinition, ctx: DialogContext, effective: Mapping[str, Any]
) -> list[Notice]:
    """The safety notices whose conditions hold for these effective answers."""
    return [n for n in defn.notices if any(c.holds(effective, ctx) for c in n.when_any)]


def prompt_for(step: Step, values: Mapping[str, Any], ctx: DialogContext) -> tuple[str, str | None]:
    """The step's prompt and hint, taking the first matching variant's wording."""
    prompt, hint = step.prompt, step.hint
    for variant in step.variants:
        if all_hold(variant.when, values, ctx):
            return variant.prompt or prompt, variant.hint or hint
    return prompt, hint

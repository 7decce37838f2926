"""The official-account request form (``request.yaml``): its fields, reading the answers
from any platform, and the policy's conditions, each unmet one explained in the policy's
own words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.messages import Choice, FormField
from policy_kb.schema import KnowledgeBase

REQUEST_FILE = Path(__file__).with_name("request.yaml")
_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")
#: choice fields kept by their label, not their value
LABELLED = frozenset({"platform"})
_YES = {"yes", "y", "true", "1", "yep", "yeah"}
_NO = {"no", "n", "false", "0", "nope"}


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The form definition (read once)."""
    data = yaml.safe_load(REQUEST_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("fields"), f"{REQUEST_FILE}: no fields"
    return data


def check_spec(kb: KnowledgeBase) -> None:
    """Raise ``ValueError`` if ``request.yaml`` names a KB entry or test that does not exist."""
    ids = {e.id for e in kb.entries}
    named = [c["rule"] for c in spec()["conditions"]] + list(spec().get("offered_on_answers", []))
    unknown = sorted(set(named) - ids)
    if unknown:
        raise ValueError(f"{REQUEST_FILE.name} names unknown KB entries: {', '.join(unknown)}")
    tests = {c["test"] for c in spec()["conditions"]} - {
        "answered_yes",
        "at_least_two",
        "academy_email",
    }
    if tests:
        raise ValueError(f"{REQUEST_FILE.name}: unknown condition tests {sorted(tests)}")


def offered_on(rule_ids: list[str] | tuple[str, ...]) -> bool:
    """Whether an answer resting on these KB entries should offer a request."""
    return bool(set(rule_ids) & set(spec().get("offered_on_answers") or []))


@dataclass
class FormContext:
    """What the form offers this person: academies, staff (person key -> label), defaults."""

    academies: list[tuple[str, str]]
    staff: list[tuple[str, str]]
    default_academy: str | None = None
    domains: dict[str, set[str]] = field(default_factory=dict)  # academy -> email domains


def form_fields(ctx: FormContext, answers: dict[str, Any] | None = None) -> list[FormField]:
    """The form's fields, with ``answers`` so far (a draft) filled in."""
    answers = answers or {}
    out = []
    for raw in spec()["fields"]:
        options = [Choice(str(o["label"]), str(o["value"]), "") for o in raw.get("options", [])]
        if raw.get("options_from") == "academies":
            options = [Choice(name, ident, "") for ident, name in ctx.academies]
        elif raw.get("options_from") == "staff":
            options = [Choice(label, key, "") for key, label in ctx.staff]
        value = answers.get(raw["name"])
        if value is None and raw["name"] == "academy":
            value = ctx.default_academy
        if isinstance(value, bool):
            value = "yes" if value else "no"
        out.append(
            FormField(
                name=raw["name"],
                label=raw["label"],
                kind=raw["kind"],
                options=options,
                max_length=raw.get("max_length"),
                value=value,
            )
        )
    return out


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    return True if text in _YES else False if text in _NO else None


def _one(value: Any, options: list[Choice]) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    for i, option in enumerate(options, start=1):
        short = option.label.split(" (", 1)[0]  # "Tom Cooper (Oakfield...)" -> "Tom Cooper"
        if text.lower() in (option.value.lower(), option.label.lower(), short.lower(), str(i)):
            return option.value
    return None


def _many(value: Any, options: list[Choice]) -> tuple[list[str], list[str]]:
    """Picked values and the parts not understood (list, or "1, 3" / names / keys)."""
    parts = value if isinstance(value, list) else re.split(r"[,;\n]+", str(value or ""))
    picked: list[str] = []
    unknown: list[str] = []
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        found = _one(part, options)
        if found is None:
            unknown.append(part)
        elif found not in picked:
            picked.append(found)
    return picked, unknown


def read_answers(ctx: FormContext, form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as values (yes/no as bools, administrators as person keys) and a
    specific problem per field that cannot be used (missing, not an option, not an email)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form_fields(ctx):
        raw = form.get(f.name)
        if f.kind == "yes_no":
            answer = _yes_no(raw)
            if answer is None:
                errors[f.name] = f"{f.label} Please answer yes or no."
            values[f.name] = answer
        elif f.kind == "choice":
            picked = _one(raw, f.options)
            if picked is None:
                names = ", ".join(o.label for o in f.options)
                errors[f.name] = f"{f.label}: please pick one of {names}."
            elif f.name in LABELLED:  # stored as people read it ("Instagram")
                picked = next(o.label for o in f.options if o.value == picked)
            values[f.name] = picked
        elif f.kind == "multi_choice":
            chosen, unknown = _many(raw, f.options)
            if unknown:
                errors[f.name] = f"{f.label}: I don't know {', '.join(unknown)} in the staff list."
            values[f.name] = chosen
        else:
            text = str(raw or "").strip()
            if not text:
                errors[f.name] = f"{f.label}: this is needed."
            elif f.max_length and len(text) > f.max_length:
                errors[f.name] = f"{f.label}: please keep it under {f.max_length} characters."
            values[f.name] = text
    email = str(values.get("official_email") or "")
    if email and not _EMAIL.match(email) and "official_email" not in errors:
        errors["official_email"] = "That doesn't look like an email address."
    return values, errors


def unmet_conditions(
    ctx: FormContext, values: dict[str, Any], kb: KnowledgeBase
) -> list[dict[str, str]]:
    """Each policy condition the answers miss: field, why, and the policy's own words."""
    entries = {e.id: e for e in kb.entries}
    out = []
    for cond in spec()["conditions"]:
        value = values.get(cond["field"])
        test = cond["test"]
        domains = sorted(ctx.domains.get(str(values.get("academy") or ""), set()))
        if test == "answered_yes":
            met = value is True
        elif test == "at_least_two":
            met = len(value or []) >= 2
        elif test == "academy_email":
            m = _EMAIL.match(str(value or ""))
            met = bool(m) and (not domains or m.group(1).lower() in domains)  # type: ignore[union-attr]
        else:
            raise ValueError(f"request.yaml: unknown test {test!r}")
        if not met:
            entry = entries.get(cond["rule"])
            out.append(
                {
                    "field": cond["field"],
                    "explain": cond["explain"].format(
                        domains=" or ".join(f"@{d}" for d in domains) or "with the academy's domain"
                    ),
                    "policy": " ".join(entry.text.split()) if entry else "",
                    "rule": cond["rule"],
                }
            )
    return out

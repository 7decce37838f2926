"""Mapping finished dialog answers to the :class:`ReportSubmission` contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from bot.dialogs.answers import resolve
from bot.dialogs.context import DialogContext
from bot.dialogs.definition import DialogDefinition
from bot.dialogs.errors import IncompleteReport
from bot.dialogs.summary import display_value
from bot.dialogs.when import format_when
from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS, Category, ReportSubmission, Urgency

#: answers that become typed fields of the submission rather than ``details`` entries
_TYPED = {
    "academy",
    "category",
    "urgency",
    "child_involved",
    "concerns_headteacher",
    "seen",
    "sexual_imagery",
}


def missing_errors(defn: DialogDefinition, ctx: DialogContext, answers: Mapping[str, Any]) -> dict:
    """Field name -> specific problem, for every visible field that is invalid or missing."""
    res = resolve(defn, ctx, answers)
    errors = dict(res.errors)
    for name in res.missing:
        if defn.step(name).required or name in res.errors:
            errors.setdefault(name, defn.text("hint_required"))
    return errors


def build_submission(
    defn: DialogDefinition, ctx: DialogContext, answers: Mapping[str, Any]
) -> ReportSubmission:
    """The submission for complete answers; raises :class:`IncompleteReport` otherwise."""
    errors = missing_errors(defn, ctx, answers)
    if errors:
        raise IncompleteReport(errors)
    res = resolve(defn, ctx, answers)
    values = res.effective
    category = str(values.get("category", "other"))
    urgency = str(values.get("urgency", "routine"))
    if category not in CATEGORY_LABELS or urgency not in URGENCY_LABELS:
        raise IncompleteReport({"category": defn.text("hint_choice")})
    details: dict[str, Any] = {}
    for step in defn.steps:
        if step.name in _TYPED or step.name not in values:
            continue
        value = values[step.name]
        details[step.name] = value
        if step.kind in ("choice", "multi_choice") and value is not None:
            details[f"{step.name}_label"] = display_value(defn, step, value, ctx, values)
    if isinstance(values.get("when"), str):
        details["when_label"] = format_when(values["when"])
    academy = str(values.get("academy") or "")
    if academy:
        details["academy_name"] = ctx.academy_name(academy)
    return ReportSubmission(
        academy=academy,
        category=cast(Category, category),
        urgency=cast(Urgency, urgency),
        child_involved=bool(values.get("child_involved")),
        concerns_headteacher=bool(values.get("concerns_headteacher")),
        summary=str(values.get("seen") or ""),
        details=details,
        sexual_imagery=bool(values.get("sexual_imagery")),
    )

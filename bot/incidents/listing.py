"""Incidents as people read them: one line per report in a list, and a report's details.

One home for this wording, used by the chat (every platform) and ``policybot incidents``:
urgency and the immediate-risk / sexual-images flags show wherever a report is listed, and
values read as words ("Yes", "Kept a screenshot"), never as stored values (``False``,
``['told_someone']``, ``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.incidents.types import URGENCY_LABELS, IncidentDetails, IncidentSummary

#: short urgency words for one-line listings
URGENCY_WORDS: dict[str, str] = {"immediate": "IMMEDIATE", "urgent": "urgent", "routine": "routine"}


def flag_words(s: IncidentSummary) -> list[str]:
    """The flags that must stand out, most serious first (no details)."""
    found = []
    if s.immediate_risk:
        found.append("CHILD AT IMMEDIATE RISK")
    if s.sexual_imagery:
        found.append("SEXUAL IMAGES OF A CHILD")
    return found


def summary_line(s: IncidentSummary) -> str:
    """``SM-2026-0001 – urgent, child involved – Disparaging post, Oakfield: open (...)``,
    the state followed by who set it and when, in brackets."""
    facts = [URGENCY_WORDS.get(s.urgency, s.urgency), *flag_words(s)]
    if s.child_involved and not s.sexual_imagery and not s.immediate_risk:
        facts.append("child involved")
    by = ""
    if s.state == "acknowledged" and s.acknowledged_by:
        by = f"by {s.acknowledged_by}, "
    elif s.state == "closed" and s.closed_by:
        by = f"by {s.closed_by}, "
    return (
        f"{s.reference} \u2013 {', '.join(facts)} \u2013 {s.category_label}, {s.academy_name}: "
        f"{s.state} ({by}updated {s.updated_at:%d %b %H:%M})"
    )


def listing(title: str, items: list[IncidentSummary]) -> str:
    """A titled bulleted list of reports."""
    return title + ":\n" + "\n".join(f"  \u2022 {summary_line(s)}" for s in items)


def value_words(value: Any) -> str:
    """A stored detail as words: Yes/No, items joined, "Not given" for nothing."""
    if value is None or value == "" or value == []:
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return "; ".join(value_words(v) for v in value)
    return str(value)


def details_text(d: IncidentDetails, labels: Mapping[str, str]) -> str:
    """Everything about a report, for the people entitled to it. ``labels`` names each
    detail (the report dialog's question labels); choices show their labels, not values."""
    lines = []
    lines += [f"!! {flag}" for flag in flag_words(d)]
    lines += [
        f"Report {d.reference} \u2013 {d.category_label}",
        f"Academy: {d.academy_name}",
        f"Urgency: {URGENCY_LABELS.get(d.urgency, d.urgency)}",
        f"Child involved: {'Yes' if d.child_involved else 'No'}",
        f"Concerns the Principal/Headteacher: {'Yes' if d.concerns_headteacher else 'No'}",
        f"State: {d.state}" + (f" (outcome: {d.outcome})" if d.outcome else ""),
        f"Reported by: {d.reporter_name or 'unknown'} on {d.created_at:%d %b %Y %H:%M}",
    ]
    if d.routed_to:
        lines.append("Sent to: " + "; ".join(p.label for p in d.routed_to))
    lines += ["", "What was seen:", d.summary, ""]
    for key, value in d.details.items():
        if key.endswith("_label") or key == "academy_name":
            continue
        shown = d.details.get(f"{key}_label", value)
        label = labels.get(key) or key.replace("_", " ").capitalize()
        lines.append(f"{label}: {value_words(shown)}")
    if d.sexual_imagery:
        lines.append("")
        lines.append(
            "This report involves sexual images of a child: do not view, copy, save or forward "
            "them. The Designated Safeguarding Lead leads on this."
        )
    if d.notes:
        lines += ["", "Notes:"]
        lines += [f"  {n.created_at:%d %b %H:%M} {n.author}: {n.text}" for n in d.notes]
    return "\n".join(lines)

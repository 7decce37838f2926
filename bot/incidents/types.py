"""Types shared by the report dialog (which produces a submission) and the incident service.

The dialog collects answers; :class:`ReportSubmission` is what it hands over. Indexed,
routing-relevant facts are typed fields; everything else the reporter said is in
``details`` (stored, shown only to people entitled to it, never logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Category = Literal[
    "contact_from_pupil",
    "child_communication",
    "academy_account_abuse",
    "disparaging_post",
    "confidential_or_brand_misuse",
    "other",
]
CATEGORY_LABELS: dict[str, str] = {
    "contact_from_pupil": "Contact from a pupil on social media",
    "child_communication": "Inappropriate communication involving a child",
    "academy_account_abuse": "Abuse or inappropriate comments on an academy account",
    "disparaging_post": "Disparaging or defamatory post",
    "confidential_or_brand_misuse": "Confidential information or logo misuse",
    "other": "Other social-media misuse",
}
Urgency = Literal["immediate", "urgent", "routine"]
URGENCY_LABELS: dict[str, str] = {
    "immediate": "Immediate: a child may be at risk now",
    "urgent": "Urgent: needs action today",
    "routine": "Routine",
}
INCIDENT_STATES: tuple[str, ...] = ("open", "acknowledged", "closed")


@dataclass(frozen=True)
class ReportSubmission:
    """A completed report, ready to be stored and routed."""

    academy: str  # academy id from the trust config ("" when the reporter could not say)
    category: Category
    urgency: Urgency
    child_involved: bool
    concerns_headteacher: bool
    summary: str  # what was seen, in the reporter's words
    details: dict[str, Any] = field(default_factory=dict)  # platform, link, when, actions...
    sexual_imagery: bool = False


# --- results the incident service returns (added with the incident core) ------------------


@dataclass(frozen=True)
class RoutedPerson:
    """Someone a report was sent to, with the role labels they were sent it as."""

    person_id: int
    name: str
    roles: tuple[str, ...]  # e.g. ("Principal/Headteacher",)
    delivered_on: str | None = None  # platform the message goes out on; None = cannot reach

    @property
    def label(self) -> str:
        """``Jane Smith (Principal/Headteacher)``."""
        return f"{self.name} ({', '.join(self.roles)})" if self.roles else self.name


@dataclass(frozen=True)
class SubmitResult:
    """A stored report: its reference, who was told, and any gaps (shown to the reporter)."""

    reference: str
    incident_id: int
    routed_to: tuple[RoutedPerson, ...]
    warnings: tuple[str, ...] = ()

    def as_text(self) -> str:
        """What the reporter is told the moment the report is committed: the reference, who
        it is being sent to (not yet "sent": the receipt message says who has received it)
        and any gaps."""
        lines = [f"Thank you. Your report has been saved with reference {self.reference}."]
        sending = [p for p in self.routed_to if p.delivered_on is not None]
        if sending:
            lines.append(
                "It is being sent to: " + "; ".join(p.label for p in sending) + ". "
                "I will message you as they receive it."
            )
        lines += [f"Please note: {w}." for w in self.warnings]
        lines.append("You will also get a message when its state changes.")
        return "\n".join(lines)


@dataclass(frozen=True)
class IncidentSummary:
    """What anyone allowed to see an incident's status sees: never its details."""

    reference: str
    academy_id: str
    academy_name: str
    category: str
    category_label: str
    urgency: str
    child_involved: bool
    state: str
    created_at: datetime
    updated_at: datetime
    sexual_imagery: bool = False  # shown as a flag wherever the report is listed
    immediate_risk: bool = False  # "a child is at immediate risk" was answered yes
    acknowledged_by: str | None = None
    closed_by: str | None = None
    last_actor: str | None = None


@dataclass(frozen=True)
class IncidentView(IncidentSummary):
    """A handler's view after acting: the summary plus routing, outcome and note count."""

    routed_to: tuple[RoutedPerson, ...] = ()
    outcome: str | None = None
    note_count: int = 0
    concerns_headteacher: bool = False


@dataclass(frozen=True)
class NoteView:
    """A handler's note."""

    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class IncidentDetails(IncidentView):
    """Everything, for entitled people only; each read is audited."""

    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    reporter_name: str = ""
    notes: tuple[NoteView, ...] = ()

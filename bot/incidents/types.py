"""Types shared by the report dialog (which produces a submission) and the incident service.

The dialog collects answers; :class:`ReportSubmission` is what it hands over. Indexed,
routing-relevant facts are typed fields; everything else the reporter said is in
``details`` (stored, shown only to people entitled to it, never logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

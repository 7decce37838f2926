"""The roles an academy fills, with the names people see."""

from __future__ import annotations

from typing import Literal

Role = Literal[
    "headteacher",
    "dsl",
    "deputy_dsl",
    "chair_of_governors",
    "safeguarding_governor",
    "senior_leader",
    "social_media_checker",
]
#: the roles every academy should fill (a vacancy is a directory gap)
ROLES: tuple[Role, ...] = (
    "headteacher",
    "dsl",
    "deputy_dsl",
    "chair_of_governors",
    "safeguarding_governor",
)
#: roles the Headteacher holds unless someone else is named (issue 15)
DELEGABLE_ROLES: tuple[Role, ...] = ("senior_leader", "social_media_checker")
ALL_ROLES: tuple[Role, ...] = ROLES + DELEGABLE_ROLES
ROLE_LABELS: dict[str, str] = {
    "headteacher": "Principal/Headteacher",
    "dsl": "Designated Safeguarding Lead",
    "deputy_dsl": "Deputy Designated Safeguarding Lead",
    "chair_of_governors": "Chair of Governors",
    "senior_leader": "Senior leader (approves official accounts)",
    "social_media_checker": "Nominated person for social-media checks",
    "safeguarding_governor": "Safeguarding governor",
    "board": "Board contact",
    "policy_owner": "Policy owner",
    "trust_admin": "Trust administrator",
}
#: every platform a person may have an identity on, in delivery-preference order
PLATFORMS: tuple[str, ...] = ("slack", "teams", "console")


def role_label(role: str) -> str:
    """The human name of a role (``dsl`` -> ``Designated Safeguarding Lead``)."""
    return ROLE_LABELS.get(role, role.replace("_", " ").capitalize())


def parse_role(text: str) -> Role:
    """Accept a role name or label loosely (``DSL``, ``deputy-dsl``, ``chair``)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "head": "headteacher",
        "principal": "headteacher",
        "principal/headteacher": "headteacher",
        "deputy": "deputy_dsl",
        "chair": "chair_of_governors",
        "chair_of_governors": "chair_of_governors",
        "senior_leadership": "senior_leader",
        "checker": "social_media_checker",
        "nominated_person": "social_media_checker",
        "safeguarding": "safeguarding_governor",
    }
    key = aliases.get(key, key)
    for role in ALL_ROLES:
        if key == role or key == ROLE_LABELS[role].lower().replace(" ", "_"):
            return role
    raise ValueError(f"unknown role {text!r}; use one of: {', '.join(ALL_ROLES)}")

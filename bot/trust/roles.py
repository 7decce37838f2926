"""The roles an academy fills, with the names people see."""

from __future__ import annotations

from typing import Literal

Role = Literal["headteacher", "dsl", "deputy_dsl", "chair_of_governors", "safeguarding_governor"]
ROLES: tuple[Role, ...] = (
    "headteacher",
    "dsl",
    "deputy_dsl",
    "chair_of_governors",
    "safeguarding_governor",
)
ROLE_LABELS: dict[str, str] = {
    "headteacher": "Principal/Headteacher",
    "dsl": "Designated Safeguarding Lead",
    "deputy_dsl": "Deputy Designated Safeguarding Lead",
    "chair_of_governors": "Chair of Governors",
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
        "safeguarding": "safeguarding_governor",
    }
    key = aliases.get(key, key)
    for role in ROLES:
        if key == role or key == ROLE_LABELS[role].lower().replace(" ", "_"):
            return role
    raise ValueError(f"unknown role {text!r}; use one of: {', '.join(ROLES)}")

"""The trust config file (``TRUST_CONFIG``): schema and loader.

Every problem is reported with the field it is in (``academies[1].dsl: ...``) so whoever
keeps the file can fix it without reading code. See ``config/trust.example.yaml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_KEY = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_AAD_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class TrustConfigError(ValueError):
    """The trust file is missing or invalid; ``problems`` names each bad field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(
            f"Problems in the trust config {source}:\n" + "\n".join(f"  - {p}" for p in problems)
        )


class PersonConfig(BaseModel):
    """A person: stable ``id``, name, email and chat identities."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    slack: str | None = None
    teams: str | None = None
    console: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    academy: str | None = None  # home academy id (trust-wide staff leave it out)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value.lower() if value else value

    @field_validator("slack")
    @classmethod
    def _slack(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack user id (like U0123ABCD)")
        return value

    @field_validator("teams")
    @classmethod
    def _teams(cls, value: str | None) -> str | None:
        if value is not None and not _AAD_ID.match(value):
            raise ValueError(f"{value!r} is not a Teams (Entra ID) object id, which is a GUID")
        return value.lower() if value else value

    def identities(self) -> dict[str, str]:
        """platform -> user id, for the platforms this person has."""
        found = {"slack": self.slack, "teams": self.teams, "console": self.console}
        return {platform: uid for platform, uid in found.items() if uid}


class AcademyConfig(BaseModel):
    """An academy and who holds each role (person ids; any may be left out)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_KEY)
    name: str = Field(min_length=1, max_length=200)
    headteacher: str | None = None
    dsl: str | None = None
    deputy_dsl: str | None = None
    chair_of_governors: str | None = None
    #: approves official school accounts (the Headteacher when left out)
    senior_leader: str | None = None
    #: the nominated responsible person who checks official accounts (default: Headteacher)
    social_media_checker: str | None = None
    safeguarding_governor: str | None = None  # receives the termly monitoring report

    def roles(self) -> dict[str, str]:
        """role -> person id, for the roles filled."""
        found = {
            "headteacher": self.headteacher,
            "dsl": self.dsl,
            "deputy_dsl": self.deputy_dsl,
            "chair_of_governors": self.chair_of_governors,
            "senior_leader": self.senior_leader,
            "social_media_checker": self.social_media_checker,
            "safeguarding_governor": self.safeguarding_governor,
        }
        return {role: key for role, key in found.items() if key}


class TrustConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    trust: str = Field(default="", max_length=200)
    people: list[PersonConfig] = Field(default_factory=list)
    academies: list[AcademyConfig] = Field(default_factory=list)
    trust_admins: list[str] = Field(default_factory=list)
    board: list[str] = Field(default_factory=list)  # the Board's contacts (trust-wide reports)
    policy_owner: str | None = None  # owns the trust-wide policy review (the review pack)

    @model_validator(mode="after")
    def _references(self) -> TrustConfig:
        problems: list[str] = []
        keys: dict[str, int] = {}
        seen_identity: dict[tuple[str, str], str] = {}
        seen_email: dict[str, str] = {}
        for i, person in enumerate(self.people):
            if person.id in keys:
                problems.append(f"people[{i}].id: {person.id!r} is used twice")
            keys[person.id] = i
            if person.email:
                if person.email in seen_email:
                    other = seen_email[person.email]
                    problems.append(f"people[{i}].email: {person.email!r} is also {other!r}'s")
                seen_email[person.email] = person.id
            for platform, uid in person.identities().items():
                if (platform, uid) in seen_identity:
                    problems.append(
                        f"people[{i}].{platform}: {uid!r} is also "
                        f"{seen_identity[(platform, uid)]!r}'s"
                    )
                seen_identity[(platform, uid)] = person.id
        academy_ids: set[str] = set()
        for i, academy in enumerate(self.academies):
            if academy.id in academy_ids:
                problems.append(f"academies[{i}].id: {academy.id!r} is used twice")
            academy_ids.add(academy.id)
            for role, key in academy.roles().items():
                if key not in keys:
                    problems.append(f"academies[{i}].{role}: {key!r} is not an id in people")
        for i, person in enumerate(self.people):
            if person.academy is not None and person.academy not in academy_ids:
                problems.append(
                    f"people[{i}].academy: {person.academy!r} is not an id in academies"
                )
        for i, key in enumerate(self.trust_admins):
            if key not in keys:
                problems.append(f"trust_admins[{i}]: {key!r} is not an id in people")
        for i, key in enumerate(self.board):
            if key not in keys:
                problems.append(f"board[{i}]: {key!r} is not an id in people")
        if self.policy_owner is not None and self.policy_owner not in keys:
            problems.append(f"policy_owner: {self.policy_owner!r} is not an id in people")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def person(self, key: str) -> PersonConfig:
        """The person with id ``key`` (KeyError if none)."""
        for person in self.people:
            if person.id == key:
                return person
        raise KeyError(key)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_trust_config(data: Any, source: str = "<data>") -> TrustConfig:
    """Validate already-parsed YAML data; raises :class:`TrustConfigError`."""
    if data is None:
        data = {}
    try:
        return TrustConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "is not a known field (check the spelling)"
            elif err["type"] == "missing":
                msg = "is required"
            loc = _loc(tuple(err["loc"]))
            problems.extend(
                [
                    f"{loc}: {m.strip()}" if loc != "(top level)" else m.strip()
                    for m in msg.split("; ")
                ]
            )
        raise TrustConfigError(source, problems) from None


def load_trust_config(path: str | Path) -> TrustConfig:
    """Read and validate a trust YAML file; raises :class:`TrustConfigError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TrustConfigError(str(path), [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TrustConfigError(str(path), [f"not valid YAML: {exc}"]) from None
    return parse_trust_config(data, str(path))

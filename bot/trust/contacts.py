"""Who to go to: an academy's safeguarding and senior contacts, from the trust directory.

Answers "who is the DSL?" with the names (and how to reach them) of the asker's own
academy's DSL, deputy DSL, Principal/Headteacher and Chair of Governors, and names the DSL
in the report dialog's immediate-risk guidance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Academy
from bot.trust.directory import academy_role_holders, identities_of, person_for_identity
from bot.trust.roles import ROLE_LABELS

#: the roles listed, in the order a worried person needs them
CONTACT_ROLES: tuple[str, ...] = ("dsl", "deputy_dsl", "headteacher", "chair_of_governors")
_PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}

_ROLE_WORDS = re.compile(
    r"\b(dsl|ddsl|safeguarding (lead|officer|person|contacts?)|designated safeguarding|"
    r"head ?teacher|head|principal|chair of governors)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"^\s*(who|whos|who's|what is the name of)\b", re.IGNORECASE)
_POLICY_QUESTION = re.compile(r"\b(if|when|tell|report|should|do i|can i|must)\b", re.IGNORECASE)
_BARE = re.compile(
    r"^\s*((our|my|the)\s+)?(dsl|safeguarding lead|contacts?|safeguarding contacts?)\s*\??\s*$",
    re.IGNORECASE,
)


def asks_who(text: str) -> bool:
    """Whether the message asks who the DSL / Headteacher / safeguarding contact is."""
    if _BARE.match(text):
        return True
    return (
        bool(_WHO.match(text) and _ROLE_WORDS.search(text))
        and not _POLICY_QUESTION.search(text)
        and len(text.split()) <= 10
    )


@dataclass(frozen=True)
class Contact:
    """One role holder and how to reach them."""

    role: str
    name: str
    reach: str  # "omar.khan@… or Slack", "" when nothing is known

    @property
    def line(self) -> str:
        """``Designated Safeguarding Lead: Omar Khan (omar.khan@…, Slack, Teams)``."""
        reach = f" ({self.reach})" if self.reach else ""
        return f"{ROLE_LABELS.get(self.role, self.role)}: {self.name}{reach}"


@dataclass(frozen=True)
class AcademyContacts:
    """An academy's contacts (vacant roles listed in ``vacant``)."""

    academy_id: str
    academy_name: str
    contacts: tuple[Contact, ...]
    vacant: tuple[str, ...]

    def name_of(self, role: str) -> str | None:
        """The name of whoever holds ``role`` here, if anyone."""
        return next((c.name for c in self.contacts if c.role == role), None)


async def academy_contacts(session: AsyncSession, academy_id: str) -> AcademyContacts | None:
    """The contacts of one academy (None when it is not in the directory)."""
    academy = await session.get(Academy, academy_id)
    if academy is None:
        return None
    holders = await academy_role_holders(session, academy_id)
    idents = await identities_of(session, [p.id for p in holders.values()])
    contacts = []
    for role in CONTACT_ROLES:
        person = holders.get(role)
        if person is None:
            continue
        ways = [person.email] if person.email else []
        ways += [_PLATFORM_NAMES[p] for p in _PLATFORM_NAMES if p in idents.get(person.id, {})]
        contacts.append(Contact(role, person.name, ", ".join(ways)))
    vacant = tuple(r for r in CONTACT_ROLES if r not in holders)
    return AcademyContacts(academy.id, academy.name, tuple(contacts), vacant)


async def contacts_for(session: AsyncSession, platform: str, user_id: str) -> list[AcademyContacts]:
    """The asker's own academy's contacts; every academy's when their academy is unknown."""
    person = await person_for_identity(session, platform, user_id)
    if person is not None and person.academy_id:
        own = await academy_contacts(session, person.academy_id)
        if own is not None:
            return [own]
    out = []
    for academy_id in await session.scalars(select(Academy.id).order_by(Academy.id)):
        found = await academy_contacts(session, academy_id)
        if found is not None:
            out.append(found)
    return out


def contacts_text(found: list[AcademyContacts]) -> str:
    """The answer to "who is the DSL?"."""
    if not found:
        return (
            "I don’t have the trust’s contacts yet (no academies are set up). Please ask your "
            "Principal/Headteacher or the school office who your Designated Safeguarding Lead is."
        )
    parts = []
    for academy in found:
        lines = [f"At {academy.academy_name}:"]
        lines += [f"  \u2022 {c.line}" for c in academy.contacts]
        lines += [
            f"  \u2022 {ROLE_LABELS.get(r, r)}: nobody is set up (tell your trust administrator)"
            for r in academy.vacant
        ]
        parts.append("\n".join(lines))
    parts.append(
        "If a child is in immediate danger, call 999 first, then tell the Designated "
        "Safeguarding Lead in person or by phone. To make a written report, type “report”."
    )
    return "\n\n".join(parts)

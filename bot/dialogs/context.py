"""What the caller tells the dialog about the reporter's situation (no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class DialogContext:
    """The reporter's trust context and the current time, passed in on every call.

    ``academies`` lists ``(id, name)`` pairs of the trust's academies; ``default_academy`` is
    the reporter's own academy id when known. ``now`` is the only clock the dialog uses.
    ``contacts`` names the people of the reporter's academy by role (``dsl``: "Omar Khan"),
    for guidance that tells them whom to go to.
    """

    academies: list[tuple[str, str]]
    default_academy: str | None
    now: datetime
    contacts: dict[str, str] = field(default_factory=dict)

    @property
    def today(self) -> date:
        """The reporter's current date."""
        return self.now.date()

    @property
    def known_academy(self) -> str | None:
        """The academy to use without asking: the reporter's own, or the trust's only one."""
        if self.default_academy:
            return self.default_academy
        if len(self.academies) == 1:
            return self.academies[0][0]
        return None

    def academy_name(self, academy_id: str) -> str:
        """The display name of an academy id (the id itself when unknown)."""
        for ident, name in self.academies:
            if ident == academy_id:
                return name
        return academy_id

    def fact(self, name: str) -> bool:
        """A named yes/no fact about the context, as used by dialog conditions."""
        if name == "has_academies":
            return bool(self.academies) or bool(self.default_academy)
        if name == "academy_known":
            return self.known_academy is not None
        raise KeyError(name)

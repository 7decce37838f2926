"""Email addresses: checking one, and addressing a person's alerts to their email."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Protocol

from bot.notifier import Recipient

#: one address: something@domain.tld, no spaces or angle brackets (deliberately simple)
_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+$")


def is_email_address(value: str) -> bool:
    """True for ``name@school.org`` or ``policybot <name@school.org>``."""
    _, address = parseaddr(value)
    return bool(address) and _ADDRESS.match(address) is not None


class HasEmail(Protocol):
    """What :func:`email_recipient` needs of a person (a ``Person`` row has it)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str | None: ...


def email_recipient(person: HasEmail) -> Recipient | None:
    """The person as an ``email`` recipient, or None when they have no usable address."""
    address = (person.email or "").strip()
    if not address or not is_email_address(address):
        return None
    return Recipient("email", address, person.name, person.id)

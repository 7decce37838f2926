"""Signed, expiring links that open a report (or a chronology) in a browser.

A token names what it opens, for whom and until when, signed with HMAC-SHA256. The secret is
made on first use and kept in the database, so the worker that sends a link and the server
that opens it agree without any set-up. The server re-checks entitlement on every opening.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.models_governors import LinkKey

KINDS = ("report", "chronology")


class LinkError(ValueError):
    """The link is malformed, forged or expired (the message says which, for the page)."""


@dataclass(frozen=True)
class Claim:
    """What a valid link opens: ``kind`` ``report`` (target: report id) or ``chronology``
    (target: incident reference), for person ``person_id``, until ``expires``."""

    kind: str
    target: str
    person_id: int
    expires: datetime


async def link_secret(database: Database) -> bytes:
    """The signing secret, made (once, by whichever process first needs it) if missing."""
    async with database.session() as session:
        row = await session.get(LinkKey, 1)
        if row is not None:
            return row.secret.encode()
    try:
        async with database.transaction() as session:
            session.add(LinkKey(id=1, secret=secrets.token_hex(32), created_at=datetime.now(UTC)))
    except IntegrityError:
        pass  # another process made it first
    async with database.session() as session:
        row = await session.get(LinkKey, 1)
        assert row is not None
        return row.secret.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, claim: Claim) -> str:
    """The token for ``claim``."""
    if claim.kind not in KINDS or ":" in claim.kind:
        raise ValueError(f"unknown link kind {claim.kind!r}")
    body = f"{claim.kind}:{claim.person_id}:{int(claim.expires.timestamp())}:{claim.target}"
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:20]
    return f"{_b64(body.encode())}.{_b64(mac)}"


def verify(secret: bytes, token: str, now: datetime) -> Claim:
    """The claim of a genuine, unexpired token; :class:`LinkError` otherwise."""
    try:
        body_b64, mac_b64 = token.split(".", 1)
        body = _unb64(body_b64)
        mac = _unb64(mac_b64)
    except ValueError:
        raise LinkError(
            "This link is not complete. Please open it from the message again."
        ) from None
    want = hmac.new(secret, body, hashlib.sha256).digest()[:20]
    if not hmac.compare_digest(mac, want):
        raise LinkError("This link is not valid. Please open it from the message again.")
    kind, person, expires, target = body.decode().split(":", 3)
    claim = Claim(kind, target, int(person), datetime.fromtimestamp(int(expires), UTC))
    if now >= claim.expires:
        raise LinkError(
            f"This link expired on {claim.expires:%d %b %Y %H:%M} UTC. Ask the trust "
            "administrator to send the report again."
        )
    return claim


def url(public_url: str, token: str) -> str:
    """The address people open."""
    return f"{public_url.rstrip('/')}/reports/{token}"

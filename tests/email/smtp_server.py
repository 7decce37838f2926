"""A real local SMTP server (aiosmtpd) that records what it receives and fails on command.

It runs in its own thread (aiosmtpd's ``Controller``) on a free loopback port. Tell it to
refuse a recipient (``refuse``: 550 by default, or a 4xx), to answer every RCPT with a
temporary failure (``tempfail``), or to require a login (``users``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None

    def bodies(self) -> str:
        """Every text part, decoded, joined (plain and HTML)."""
        parts = [p.get_content() for p in self.message.walk() if p.get_content_maintype() == "text"]
        return "\n".join(parts)


@dataclass
class FakeSmtpServer:
    """The handler and control surface of the local SMTP server."""

    messages: list[Received] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)  # address -> SMTP code
    tempfail_all: bool = False
    users: dict[str, str] = field(default_factory=dict)  # login required when non-empty
    noops: int = 0
    controller: Controller | None = None
    port: int = 0

    # -- control ---------------------------------------------------------------------------
    def refuse(self, address: str, code: int = 550) -> None:
        """Answer RCPT TO for ``address`` with ``code`` (550 = no such mailbox)."""
        self.refused[address.lower()] = code

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """``SMTP_URL`` for this server (plain SMTP, never STARTTLS)."""
        auth = f"{user}:{password}@" if user else ""
        return f"smtp://{auth}127.0.0.1:{self.port}?starttls=false"

    def start(self) -> None:
        """Serve on a free loopback port."""
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if self.users:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def stop(self) -> None:
        """Stop serving (connections are then refused)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    # -- aiosmtpd handler hooks ------------------------------------------------------------
    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    async def handle_NOOP(
        self, server: SMTP, session: Session, envelope: Envelope, arg: str
    ) -> str:
        self.noops += 1
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.tempfail_all:
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        code = self.refused.get(address.lower())
        if code is not None:
            return f"{code} {'5.1.1' if code >= 500 else '4.2.1'} Recipient not accepted"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data if isinstance(session.auth_data, str) else None
        self.messages.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed, login)
        )
        return "250 Message accepted for delivery"

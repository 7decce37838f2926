"""Fixtures: a real local SMTP server (aiosmtpd) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.email.smtp_server import FakeSmtpServer


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    """A running local SMTP server that records messages; stopped afterwards."""
    server = FakeSmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()

"""The bundled copy of the policy is the shared, authoritative one, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "policy_kb" / "social-media-policy.txt"
SHARED = (REPO / ".." / "shared" / "policy" / "social-media-policy.txt").resolve()


def test_bundled_policy_equals_the_shared_policy() -> None:
    if not SHARED.exists():
        pytest.skip(f"no shared policy at {SHARED}")
    assert BUNDLED.read_bytes() == SHARED.read_bytes()


def test_bundled_policy_is_the_social_media_policy() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    assert text.strip().startswith("Social Media Policy")
    assert "Designated Safeguarding Lead" in text

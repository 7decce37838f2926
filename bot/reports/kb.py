"""What the reports need from the knowledge base: topic names, its version and the date of
the policy text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from policy_kb.loader import default_kb_path, load_kb, policy_text_path


@dataclass(frozen=True)
class KBInfo:
    topics: dict[str, str]  # rule id -> topic
    version: str  # first 12 hex digits of the KB file's SHA-256
    title: str
    policy_file: str
    policy_dated: str | None  # the KB's ``policy.dated``, if the trust has recorded it


def kb_info(path: Path | None = None) -> KBInfo:
    """Load the KB (``POLICY_KB`` or the bundled one) and describe it."""
    kb_path = Path(path) if path else default_kb_path()
    kb = load_kb(kb_path)
    version = hashlib.sha256(kb_path.read_bytes()).hexdigest()[:12]
    text = policy_text_path(kb, kb_path)
    return KBInfo(
        {e.id: e.topic for e in kb.entries},
        version,
        f"{kb.policy.organisation} {kb.policy.title}",
        text.name,
        kb.policy.dated,
    )

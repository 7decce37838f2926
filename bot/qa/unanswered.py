"""The log of questions the policy did not cover, for the policy owner to review.

Each unanswered question is appended as one JSON line (time, question, closest topics) to
``UNANSWERED_LOG`` (default ``var/unanswered.jsonl`` in the working directory).
``policybot unanswered`` lists them, most asked first. Text that is not valid UTF-8 (a stray
byte from a terminal) is logged with U+FFFD in its place, never a crash. The chat never
sends incident text here (see ``bot.app``).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.qa.answer import Answer

MAX_LOGGED_CHARS = 500


def log_path() -> Path:
    """Where unanswered questions are recorded."""
    return Path(os.environ.get("UNANSWERED_LOG") or Path.cwd() / "var" / "unanswered.jsonl")


def log_unanswered(answers: Iterable[Answer], path: Path | None = None) -> int:
    """Append the no-match answers to the log; return how many were written."""
    rows = [
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "question": printable(a.question[:MAX_LOGGED_CHARS]),
                "closest": [s.rule_id for s in a.suggestions],
            },
            ensure_ascii=False,
        )
        for a in answers
        if a.verdict == "no_match" and a.question.strip()
    ]
    if not rows:
        return 0
    target = path or log_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(rows) + "\n")
    except OSError:
        return 0  # never fail an answer because the review log is unwritable
    return len(rows)


def printable(text: str) -> str:
    """``text`` with undecodable bytes (lone surrogates) replaced by U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")


def read_unanswered(path: Path | None = None) -> list[tuple[str, int]]:
    """(question, times asked) pairs, most asked first."""
    target = path or log_path()
    if not target.exists():
        return []
    counts: Counter[str] = Counter()
    for line in target.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            counts[json.loads(line)["question"].strip().lower()] += 1
        except (ValueError, KeyError, AttributeError):
            continue
    return counts.most_common()

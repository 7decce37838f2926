"""Adaptive Cards checked with Microsoft's own parser (npm ``adaptivecards``) at version 1.5,
the version Teams supports: parse warnings (unknown elements or properties, bad values) and
``validateProperties()`` events (duplicate ids, missing required properties...).

The parser runs in Node: ``tests/teams/cardcheck/check.js``, with the package installed from
``tests/teams/cardcheck/package.json`` (``make test`` and CI install it). Without Node the
check is skipped; with Node but without the package it fails, saying how to install it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

CHECKER = Path(__file__).with_name("cardcheck")
SCRIPT = CHECKER / "check.js"
PACKAGE = CHECKER / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.js"
INSTALL = f"npm install --prefix {CHECKER}"


class CardCheckUnavailable(RuntimeError):
    """Node is not installed, so cards cannot be checked."""


def node() -> str:
    """The ``node`` executable, or :class:`CardCheckUnavailable`."""
    found = shutil.which("node")
    if found is None:
        raise CardCheckUnavailable("node is not installed")
    if not PACKAGE.exists():
        raise AssertionError(f"the adaptivecards package is not installed: run `{INSTALL}`")
    return found


def card_problems(cards: list[dict[str, Any]]) -> list[list[str]]:
    """For each card, what Microsoft's parser says is wrong with it ([] when nothing)."""
    if not cards:
        return []
    result = subprocess.run(
        [node(), str(SCRIPT)],
        input=json.dumps(cards),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found: list[list[str]] = json.loads(result.stdout)
    return found


def assert_valid_cards(cards: list[dict[str, Any]]) -> int:
    """Fail if any of ``cards`` has a problem; returns how many distinct cards were checked
    (0 when Node is missing)."""
    distinct = list({json.dumps(c, sort_keys=True): c for c in cards}.values())
    try:
        reports = card_problems(distinct)
    except CardCheckUnavailable:
        return 0
    bad = [
        f"{json.dumps(card)[:300]}…\n  " + "\n  ".join(found)
        for card, found in zip(distinct, reports, strict=True)
        if found
    ]
    assert not bad, "Microsoft's Adaptive Cards parser found problems:\n" + "\n".join(bad)
    return len(distinct)

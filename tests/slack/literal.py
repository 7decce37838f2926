"""Checks that what people typed is shown literally in Block Kit."""

from __future__ import annotations

from typing import Any


def text_objects(node: Any) -> list[dict[str, Any]]:
    """Every Block Kit text object (``plain_text`` / ``mrkdwn``) inside ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in {"plain_text", "mrkdwn"} and isinstance(node.get("text"), str):
            found.append(node)
        for value in node.values():
            found.extend(text_objects(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(text_objects(item))
    return found


def shown_literally(node: Any, typed: str) -> bool:
    """``typed`` appears, and only where Slack shows it exactly as written: in ``plain_text``
    (a ``mrkdwn`` object may hold it only escaped, with no formatting characters)."""
    hits = [t for t in text_objects(node) if typed in t["text"]]
    return bool(hits) and all(t["type"] == "plain_text" for t in hits)


def slack_escaped(typed: str) -> str:
    """``typed`` as Slack sends it in a message's ``text`` (``&``, ``<``, ``>`` escaped)."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

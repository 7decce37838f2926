"""Render neutral replies as terminal text (the console adapter's "card builder")."""

from __future__ import annotations

import textwrap

from bot.messages import Choice, Reply

WIDTH = 88


def render(reply: Reply, *, numbered_from: int = 1) -> str:
    """Terminal text for one reply; choices are numbered from ``numbered_from``."""
    lines: list[str] = []
    if reply.kind == "error":
        lines.append("! " + reply.text)
    else:
        for paragraph in reply.text.split("\n"):
            if not paragraph.strip():
                lines.append("")
                continue
            indent = " " * (len(paragraph) - len(paragraph.lstrip()))
            lines.extend(
                textwrap.wrap(
                    paragraph,
                    WIDTH,
                    subsequent_indent=indent
                    + ("    " if paragraph.lstrip()[:1] in "\u2022-(" else ""),
                )
                or [""]
            )
    if reply.choices:
        lines.append("")
        lines.append(choice_line(reply.choices, numbered_from))
    return "\n".join(lines)


def choice_line(choices: list[Choice], start: int = 1) -> str:
    """``[1] Yes   [2] No`` — type the number to press the button."""
    return "   ".join(f"[{i}] {c.label}" for i, c in enumerate(choices, start))

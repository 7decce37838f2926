"""Render neutral replies as terminal text (the console adapter's "card builder")."""

from __future__ import annotations

import textwrap

from bot.messages import Choice, Reply
from bot.qa.render import CITATIONS_HEADING, answer_words, choice_groups, verdict_words

WIDTH = 88


def render(reply: Reply, *, numbered_from: int = 1) -> str:
    """Terminal text for one reply; choices are numbered from ``numbered_from``."""
    if reply.verdict:
        return render_answer(reply, numbered_from=numbered_from)
    lines: list[str] = ["! " + reply.text] if reply.kind == "error" else wrap(reply.text)
    if reply.choices:
        lines.append("")
        lines.append(choice_line(reply.choices, numbered_from))
    return "\n".join(lines)


def render_answer(reply: Reply, *, numbered_from: int = 1) -> str:
    """A policy answer, each piece once and in the same order as Slack and Teams show it:
    the verdict, the answer, the policy's own words with their section, then the numbered
    buttons, each run under the heading the core gives it (the follow-up question, "Did you
    mean:")."""
    paragraphs = [f"{verdict_words(reply)}.", answer_words(reply)]
    if reply.citations:
        quoted = [f"  ({c.section}) \u201c{c.text}\u201d" for c in reply.citations]
        paragraphs.append("\n".join([f"{CITATIONS_HEADING}:", *quoted]))
    lines = wrap("\n\n".join(paragraphs))
    for group in choice_groups(reply):
        lines.append("")
        if group.heading:
            lines.extend(wrap(group.heading))
        lines.append(choice_line(group.choices, numbered_from + group.start))
    return "\n".join(lines)


def wrap(text: str) -> list[str]:
    """``text`` wrapped at :data:`WIDTH`, line by line; a wrapped line that starts a list
    item or a quote ("•", "-", "(") continues further indented. Lines between ``` fences
    (a CSV export) are printed as they are, so they can be copied whole."""
    lines: list[str] = []
    fenced = False
    for paragraph in text.split("\n"):
        if paragraph.strip().startswith("```"):
            fenced = not fenced
            lines.append(paragraph)
            continue
        if fenced or not paragraph.strip():
            lines.append(paragraph if fenced else "")
            continue
        indent = " " * (len(paragraph) - len(paragraph.lstrip()))
        lines.extend(
            textwrap.wrap(
                paragraph,
                WIDTH,
                subsequent_indent=indent + ("    " if paragraph.lstrip()[:1] in "\u2022-(" else ""),
            )
            or [""]
        )
    return lines


def choice_line(choices: list[Choice], start: int = 1) -> str:
    """``[1] Yes   [2] No`` — type the number to press the button."""
    return "   ".join(
        f"[{i}] {c.label}" + (f" <{c.url}>" if c.url else "") for i, c in enumerate(choices, start)
    )

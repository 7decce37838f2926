"""What ``policybot doctor`` found: checks grouped in sections, and the report it prints.

A finding is ``ok``, a ``note`` (worth knowing, nothing broken) or a ``problem`` (something
needs doing: the exit code is 1). Every problem says what to do in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["ok", "note", "problem"]
MARKS: dict[Level, str] = {"ok": "[ok]", "note": "[--]", "problem": "[!!]"}


@dataclass(frozen=True)
class Finding:
    """One result: ``text`` says what is so; ``todo`` (problems) what to do about it."""

    level: Level
    text: str
    todo: str | None = None


@dataclass
class Section:
    """A heading and its findings (and free lines, e.g. the table of who is reachable)."""

    title: str
    findings: list[Finding] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        """Record a passing check."""
        self.findings.append(Finding("ok", text))

    def note(self, text: str) -> None:
        """Record something worth knowing that needs no action."""
        self.findings.append(Finding("note", text))

    def problem(self, text: str, todo: str) -> None:
        """Record something that needs doing, and what to do."""
        self.findings.append(Finding("problem", text, todo))


def todos(sections: list[Section]) -> list[str]:
    """Every distinct thing to do, in the order found."""
    seen: dict[str, None] = {}
    for section in sections:
        for finding in section.findings:
            if finding.level == "problem" and finding.todo:
                seen.setdefault(finding.todo, None)
    return list(seen)


def has_problems(sections: list[Section]) -> bool:
    """True when anything needs doing."""
    return any(f.level == "problem" for s in sections for f in s.findings)


def render(sections: list[Section]) -> str:
    """The report as plain text (ASCII marks, so any terminal shows it)."""
    out: list[str] = []
    for section in sections:
        out.append(section.title)
        out.extend(f"  {line}" for line in section.lines)
        for finding in section.findings:
            out.append(f"  {MARKS[finding.level]} {finding.text}")
        out.append("")
    things = todos(sections)
    if things:
        out.append(f"What needs doing ({len(things)}):")
        out.extend(f"  {n}. {todo}" for n, todo in enumerate(things, 1))
    else:
        out.append("All is well: every check passed and every routed person can be alerted.")
    return "\n".join(out)

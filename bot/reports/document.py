"""A report as neutral content (headings, key figures, tables, charts, paragraphs) that
:mod:`bot.reports.html` and :mod:`bot.reports.pdf` both render, so the two never differ."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.reports.anonymise import Cell


@dataclass(frozen=True)
class Chart:
    """A bar chart: one bar group per category, one bar per series (``this period`` /
    ``previous period``). Suppressed cells are drawn hatched, labelled "<3"."""

    title: str
    categories: list[str]
    series: list[tuple[str, list[Cell]]]
    horizontal: bool = False


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[int] | None = None  # relative column widths in the PDF


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # smaller, greyed (an explanation rather than a finding)


@dataclass(frozen=True)
class Figure:
    """A headline number with the previous period's beside it."""

    label: str
    value: str
    previous: str | None = None


Block = Chart | Table | Paragraph


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    meta: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    footer: str = ""

    def all_text(self) -> str:
        """Every word the document shows (tests check nothing identifying is in it)."""
        parts = [self.title, self.subtitle, *self.meta, self.footer]
        for f in self.figures:
            parts += [f.label, f.value, f.previous or ""]
        for s in self.sections:
            parts.append(s.title)
            for b in s.blocks:
                if isinstance(b, Chart):
                    parts += [b.title, *b.categories, *(label for label, _ in b.series)]
                elif isinstance(b, Table):
                    parts += b.columns + [c for row in b.rows for c in row]
                else:
                    parts.append(b.text)
        return "\n".join(parts)

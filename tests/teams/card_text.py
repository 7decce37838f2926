"""What a person reads on an Adaptive Card: text of ``TextBlock``/``RichTextBlock``, fact
tables as ``Label: value`` lines, in the order shown."""

from __future__ import annotations

from typing import Any

TEXT_TYPES = frozenset({"TextBlock", "RichTextBlock"})


def walk(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every element in ``elements``, depth first (containers, columns, column sets)."""
    out: list[dict[str, Any]] = []
    for el in elements:
        out.append(el)
        out.extend(walk(el.get("items", [])))
        out.extend(walk(el.get("columns", [])))
    return out


def text_of(el: dict[str, Any]) -> str:
    """The words of one element ("" for an element without its own text)."""
    kind = el.get("type")
    if kind == "TextBlock":
        return str(el.get("text", ""))
    if kind == "RichTextBlock":
        return "".join(str(i.get("text", "")) for i in el.get("inlines", []))
    if kind == "FactSet":
        return "\n".join(f"{f['title']}: {f['value']}" for f in el.get("facts", []))
    if kind == "ColumnSet":  # a fact table's row ("Label: value") or a list item ("•  text")
        cells = [text_of(c["items"][0]) for c in el.get("columns", []) if c.get("items")]
        if len(cells) == 2 and cells[0] == "•":
            return f"•  {cells[1]}"
        return ": ".join(cells) if len(cells) == 2 else ""
    return ""


def texts(elements: list[dict[str, Any]]) -> list[str]:
    """The words of every text element and fact table inside ``elements``, in order."""
    out: list[str] = []
    for el in elements:
        words = text_of(el)
        if words:
            out.append(words)
        else:
            out.extend(texts(el.get("items", [])))
            out.extend(texts(el.get("columns", [])))
    return out


def is_text(el: dict[str, Any]) -> bool:
    """A text element (either kind)."""
    return el.get("type") in TEXT_TYPES

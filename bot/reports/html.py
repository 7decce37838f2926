"""A :class:`~bot.reports.document.Document` as one self-contained HTML page: inline CSS,
charts as inline SVG, no scripts and nothing fetched from elsewhere."""

from __future__ import annotations

from html import escape

from bot.reports import charts
from bot.reports.document import Chart, Document, Paragraph, Table

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b2733;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin:0 0 .2rem;color:#1f5f8b}h2{font-size:1.15rem;margin:2rem 0 .6rem;
border-bottom:2px solid #1f5f8b;padding-bottom:.2rem}.subtitle{font-size:1.05rem;margin:0 0 .6rem}
.meta{color:#555;font-size:.85rem;margin:.1rem 0}
.figures{display:flex;flex-wrap:wrap;gap:.6rem;margin:1.2rem 0}
.figure{border:1px solid #c9d6e2;border-radius:6px;padding:.5rem .8rem;min-width:9rem;flex:1}
.figure .v{font-size:1.5rem;font-weight:600;color:#1f5f8b}.figure .l{font-size:.8rem}
.figure .p{font-size:.75rem;color:#666}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c9d6e2;padding:.25rem .6rem;text-align:left}
th{background:#eef3f8}td.n{text-align:right}
.note{color:#555;font-size:.82rem}.chart svg{max-width:100%;height:auto}
footer{margin-top:2rem;color:#666;font-size:.8rem;border-top:1px solid #ddd;padding-top:.5rem}
@media print{body{margin:0}h2{break-after:avoid}.chart{break-inside:avoid}}
"""


def render(doc: Document, images: charts.Images | None = None) -> str:
    """The whole page (``images``: the charts already drawn, see :func:`charts.draw_all`)."""
    images = images or {}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(doc.title)}</h1>",
        f'<p class="subtitle">{escape(doc.subtitle)}</p>',
    ]
    out += [f'<p class="meta">{escape(m)}</p>' for m in doc.meta]
    if doc.figures:
        out.append('<div class="figures">')
        for f in doc.figures:
            prev = f'<div class="p">previous: {escape(f.previous)}</div>' if f.previous else ""
            out.append(
                f'<div class="figure"><div class="v">{escape(f.value)}</div>'
                f'<div class="l">{escape(f.label)}</div>{prev}</div>'
            )
        out.append("</div>")
    for section in doc.sections:
        out.append(f"<h2>{escape(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, Chart):
                out.append(
                    f'<figure class="chart" aria-label="{escape(block.title)}">'
                    f"{images[id(block)][1] if id(block) in images else charts.svg(block)}</figure>"
                )
            elif isinstance(block, Table):
                out.append(_table(block))
            elif isinstance(block, Paragraph):
                cls = ' class="note"' if block.note else ""
                out.append(f"<p{cls}>{escape(block.text)}</p>")
    if doc.footer:
        out.append(f"<footer>{escape(doc.footer)}</footer>")
    out.append("</body></html>")
    return "\n".join(out)


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = []
    for row in table.rows:
        cells = []
        for i, c in enumerate(row):
            cls = ' class="n"' if i and _numeric(c) else ""
            cells.append(f"<td{cls}>{escape(c)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace("%", "").strip().isdigit() or text.startswith("fewer")

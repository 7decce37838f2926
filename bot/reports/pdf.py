"""A :class:`~bot.reports.document.Document` as a PDF (fpdf2, pure Python) that opens
anywhere: fonts embedded (DejaVu Sans, shipped with matplotlib), charts as PNG images."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from bot.reports import charts
from bot.reports.document import Chart, Document, Paragraph, Table

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
BLUE = (31, 95, 139)
GREY = (90, 90, 90)


class _PDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text}   Page {self.page_no()}/{{nb}}", align="C")


def new_pdf(title: str, footer: str = "") -> _PDF:
    """An A4 portrait PDF with DejaVu Sans (regular and bold) loaded."""
    pdf = _PDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("policybot")
    pdf.footer_text = footer
    pdf.add_font("DejaVu", "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(16, 14, 16)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf


def heading(pdf: FPDF, text: str, size: float = 12) -> None:
    """A section heading, kept with at least a few lines after it."""
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_draw_color(*BLUE)
    pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
    pdf.ln(2.5)
    pdf.set_text_color(0, 0, 0)


def paragraph(pdf: FPDF, text: str, *, note: bool = False, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", 8 if note else 9.5)
    pdf.set_text_color(*(GREY if note else (0, 0, 0)))
    pdf.multi_cell(0, 4.2 if note else 4.8, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.2)


def table(
    pdf: FPDF, columns: list[str], rows: list[list[str]], widths: list[int] | None = None
) -> None:
    """A table; with empty ``columns`` the first column is bold and there is no heading."""
    pdf.set_font("DejaVu", size=8.5)
    pdf.set_draw_color(190, 205, 220)
    with pdf.table(
        col_widths=tuple(widths) if widths else None,
        headings_style=FontFace(emphasis="BOLD", fill_color=(238, 243, 248)),
        line_height=5,
        text_align="LEFT",
        first_row_as_headings=any(columns),
    ) as t:
        for row in [columns, *rows] if any(columns) else rows:
            r = t.row()
            for i, c in enumerate(row):
                bold = not any(columns) and i == 0
                r.cell(c, style=FontFace(emphasis="BOLD") if bold else None)
    pdf.ln(2)


def render(doc: Document, images: charts.Images | None = None) -> bytes:
    """The PDF bytes (``images``: the charts already drawn, see :func:`charts.draw_all`)."""
    images = images or {}
    pdf = new_pdf(doc.title, doc.footer)
    pdf.set_font("DejaVu", "B", 17)
    pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, 8, doc.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "", 11)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 6, doc.subtitle, new_x="LMARGIN", new_y="NEXT", align="L")
    for m in doc.meta:
        paragraph(pdf, m, note=True)
    if doc.figures:
        _figures(pdf, doc)
    for section in doc.sections:
        first = section.blocks[0] if section.blocks else None
        if isinstance(first, Chart) and id(first) in images:
            with Image.open(io.BytesIO(images[id(first)][0])) as im:
                need = (pdf.w - pdf.l_margin - pdf.r_margin) * im.height / im.width + 20
            if pdf.get_y() + need > pdf.h - 16:
                pdf.add_page()  # keep a heading with the chart under it
        heading(pdf, section.title)
        for block in section.blocks:
            if isinstance(block, Chart):
                image = images[id(block)][0] if id(block) in images else charts.png(block)
                w = pdf.w - pdf.l_margin - pdf.r_margin
                with Image.open(io.BytesIO(image)) as im:
                    h = w * im.height / im.width
                if pdf.get_y() + h > pdf.h - 16:
                    pdf.add_page()
                pdf.image(io.BytesIO(image), x=pdf.l_margin, w=w)
                pdf.ln(2)
            elif isinstance(block, Table):
                table(pdf, block.columns, block.rows, block.widths)
            elif isinstance(block, Paragraph):
                paragraph(pdf, block.text, note=block.note)
    return bytes(pdf.output())


def _figures(pdf: FPDF, doc: Document) -> None:
    per_row = 4
    gap = 3.0
    w = (pdf.w - pdf.l_margin - pdf.r_margin - gap * (per_row - 1)) / per_row
    h = 20.0
    pdf.ln(3)
    for i, f in enumerate(doc.figures):
        if i % per_row == 0:
            if i:
                pdf.ln(h + gap)
            y = pdf.get_y()
        x = pdf.l_margin + (i % per_row) * (w + gap)
        pdf.set_draw_color(201, 214, 226)
        pdf.rect(x, y, w, h)
        pdf.set_xy(x + 2, y + 1.5)
        pdf.set_font("DejaVu", "B", 13)
        pdf.set_text_color(*BLUE)
        pdf.cell(w - 4, 7, f.value)
        pdf.set_xy(x + 2, y + 8.5)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(w - 4, 3.3, f.label, align="L")
        if f.previous:
            pdf.set_xy(x + 2, y + h - 4.5)
            pdf.set_font("DejaVu", "", 6.5)
            pdf.set_text_color(*GREY)
            pdf.cell(w - 4, 3.5, f"previous: {f.previous}")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + h + 4)

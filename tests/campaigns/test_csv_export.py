"""CSV exports never carry a spreadsheet formula, and read back to what was written."""

from __future__ import annotations

import csv
import io

import pytest

from bot.csv_export import cell, to_csv


def test_formula_cells_are_neutralised() -> None:
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell("+44 7700") == "'+44 7700" and cell("@handle") == "'@handle"
    assert cell("Tom Cooper") == "Tom Cooper" and cell(None) == "" and cell(3) == "3"


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [["O'Brien, Siobhan", 'said "hi"']],
        [["two\nlines", ""], ["-1", "=1+1"], ["\u00e9t\u00e9", "\tx"]],
    ],
)
def test_round_trip(rows: list[list[str]]) -> None:
    text = to_csv(("a", "b"), rows)
    back = list(csv.reader(io.StringIO(text)))
    assert back[0] == ["a", "b"]
    assert back[1:] == [[cell(v) for v in row] for row in rows]

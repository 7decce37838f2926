"""``policybot campaigns``: start, list, show, export to a file and end, in-process."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import EXAMPLE_TRUST


@pytest.fixture(autouse=True)
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("TRUST_CONFIG", "POLICY_KB", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_campaigns_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "admin", "import-config", str(EXAMPLE_TRUST))[0] == 0
    code, out, err = run(capsys, "campaigns", "start", "--as", "tom", "--academy", "oakfield")
    assert code == 1 and "Only the academy's Principal/Headteacher" in err
    code, out, _ = run(
        capsys, "campaigns", "start", "--as", "jane", "--academy", "oakfield", "--reminders", "1"
    )
    assert code == 0 and "Campaign 1 started (version 1): 6 asked" in out
    code, out, _ = run(capsys, "campaigns", "list")
    assert "1\tOakfield Primary Academy\tversion 1\tactive\t0/6 confirmed" in out
    code, out, _ = run(capsys, "campaigns", "show", "1", "--as", "sarah")
    assert code == 1  # Riverside's Headteacher cannot see it
    code, out, _ = run(capsys, "campaigns", "show", "1", "--as", "jane")
    assert "Confirmed: 0 of 6." in out and "Not yet confirmed: Jane Smith" in out
    target = tmp_path / "campaign-1.csv"
    code, out, _ = run(capsys, "campaigns", "export", "1", "--out", str(target))
    assert code == 0 and "Wrote 6 rows" in out
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert sorted(r["name"] for r in rows) == [
        "Jane Smith",
        "Leena Patel",
        "Omar Khan",
        "Priya Shah",
        "Robert Hughes",
        "Tom Cooper",
    ]
    assert {r["state"] for r in rows} == {"outstanding"}
    assert run(capsys, "campaigns", "end", "1", "--as", "jane")[1].startswith("Campaign 1 ended")
    code, _, err = run(capsys, "campaigns", "end", "1", "--as", "jane")
    assert code == 1 and "already ended" in err

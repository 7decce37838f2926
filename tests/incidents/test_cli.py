"""The CLI, in-process through ``bot.cli.main`` and once as a real subprocess (SQLite file)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FakeClock, SystemClock
from bot.delivery.worker import OutboxWorker
from bot.notifier import Delivery, DeliveryError
from bot.store.db import Database
from tests.conftest import EXAMPLE_TRUST, ROOT
from tests.incidents.helpers import TOM, service, submission


class DeadSlack:
    platform = "slack"

    async def deliver(self, delivery: Delivery) -> str | None:
        raise DeliveryError("channel_not_found", permanent=True)


@pytest.fixture
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


async def _report_and_fail_delivery(url: str) -> str:
    database = Database(url)
    try:
        clock = FakeClock(SystemClock().now())
        ref = (await service(database, clock).submit(TOM, submission())).reference
        await OutboxWorker(database, {"slack": DeadSlack()}, clock).run_once()
        return ref
    finally:
        await database.dispose()


def test_cli_end_to_end(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "admin", "import-config", str(EXAMPLE_TRUST))
    assert code == 0 and "Imported 13 people, 2 academies and 10 roles" in out
    ref = asyncio.run(_report_and_fail_delivery(db_url))

    code, out, _ = run(capsys, "incidents", "list", "--as", "jane")
    assert code == 0 and ref in out and "open" in out
    code, out, _ = run(capsys, "incidents", "list", "--as", "tom")
    assert code == 0 and "Reports you made" in out and ref in out

    code, out, err = run(capsys, "incidents", "show", ref, "--as", "tom")
    assert (
        code == 1
        and "only the people it was sent to can read its details" in err
        and "SECRET" not in out + err
    )
    code, _, err = run(capsys, "incidents", "ack", ref, "--as", "sarah")
    assert code == 1 and f"There is no report {ref} that you can see" in err
    code, _, err = run(capsys, "incidents", "ack", ref, "--as", "ghost")
    assert code == 1 and "Nobody called 'ghost'" in err

    code, out, _ = run(capsys, "incidents", "show", ref, "--as", "jane")
    assert code == 0 and "SECRET-SUMMARY" in out
    assert run(capsys, "incidents", "ack", ref, "--as", "jane")[0] == 0
    code, _, err = run(capsys, "incidents", "ack", ref, "--as", "jane")
    assert code == 1 and "already acknowledged" in err
    assert run(capsys, "incidents", "note", ref, "Spoke", "to", "HR", "--as", "jane")[0] == 0
    code, out, _ = run(capsys, "incidents", "close", ref, "--outcome", "Resolved", "--as", "jane")
    assert code == 0 and "Outcome: Resolved" in out

    code, out, _ = run(capsys, "admin", "outbox", "--dead")
    assert code == 0 and "channel_not_found" in out and "1 dead" in out
    dead_id = out.split("#", 1)[1].split()[0]
    code, out, _ = run(capsys, "admin", "retry", dead_id)
    assert code == 0 and "delivered again" in out

    assert run(capsys, "admin", "academies")[0] == 0
    code, out, _ = run(capsys, "admin", "people")
    assert code == 0 and "slack=U04JSMITH01" in out
    code, out, _ = run(capsys, "admin", "set-role", "riverside", "DSL", "jane")
    assert code == 0 and "Jane Smith is now Designated Safeguarding Lead at riverside" in out
    code, _, err = run(capsys, "admin", "set-role", "nowhere", "dsl", "jane")
    assert code == 1 and "no academy with id 'nowhere'" in err
    code, out, _ = run(capsys, "admin", "add-person", "--id", "newbie", "--name", "New Person")
    assert code == 0
    code, out, _ = run(capsys, "admin", "gaps")
    assert code == 1 and "New Person (newbie) has no identity" in out
    code, out, _ = run(capsys, "db", "current")
    assert code == 0 and "up to date" in out


def test_bad_config_file_is_friendly(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "trust.yaml"
    bad.write_text("people:\n  - id: a\n    name: A\n    teams: not-a-guid\n")
    code, _, err = run(capsys, "admin", "import-config", str(bad))
    assert code == 1 and "people[0].teams" in err and "Traceback" not in err


def test_subprocess_incidents_list(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "admin", "import-config", str(EXAMPLE_TRUST))[0] == 0
    exe = ROOT / ".venv" / "bin" / "policybot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
    proc = subprocess.run(
        [*cmd, "incidents", "list", "--as", "jane"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": db_url},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "No reports for you." in proc.stdout


def test_show_prints_words_not_stored_values(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "admin", "import-config", str(EXAMPLE_TRUST))[0] == 0
    ref = asyncio.run(_report_and_fail_delivery(db_url))
    code, out, _ = run(capsys, "incidents", "show", ref, "--as", "jane")
    assert code == 0
    for stored in ("False", "True", "None", "['", "_label"):
        assert stored not in out, stored
    assert "Where: Facebook" in out or "Platform: Facebook" in out


def test_bad_settings_exit_2_and_a_closed_pipe_ends_quietly(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "incidents", "list", "--as", "jane")  # empty database: fine
    assert code in (0, 1)
    exe = ROOT / ".venv" / "bin" / "policybot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
    env = {**os.environ, "DATABASE_URL": db_url, "REMINDER_MINUTES": "soon"}
    bad = subprocess.run(
        [*cmd, "incidents", "list", "--as", "jane"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 2 and "REMINDER_MINUTES" in bad.stderr
    assert run(capsys, "admin", "import-config", str(EXAMPLE_TRUST))[0] == 0
    for _ in range(3):
        asyncio.run(_report_and_fail_delivery(db_url))
    # the reader goes away before anything is written (like `| head` once it has its lines)
    proc = subprocess.Popen(
        [*cmd, "incidents", "list", "--as", "jane"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": db_url},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Cannot open the database" not in err and "Broken pipe" not in err
    assert "Traceback" not in err

""" "Send report" against a real ``policybot serve`` process that is killed, or whose database
stops answering, in the middle of a burst. Counted: every report whose sender was shown a
reference is stored under it; every one shown "not saved" is not stored; sending each again
stores nothing twice; in the end each submission is stored exactly once."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.store.db import Database
from bot.store.models import Incident, OutboxMessage
from tests.faults.conftest import backends
from tests.faults.harness import (
    CutProxy,
    env_for,
    free_port,
    fresh_database,
    press_send,
    send_report_payload,
    start,
    view_text,
)
from tests.slack.conftest import REPORTER
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.fault, pytest.mark.timeout(300)]
REF = re.compile(r"SM-\d{4}-\d{4,}")
BURST = 60
#: presses made once the database is unreachable (some always meet the outage)
LATE = 10
_LOCKERS: set[asyncio.Task[int]] = set()


async def _stored(url: str) -> dict[str, str]:
    """submission key -> reference of every stored report (and each has its alerts)."""
    database = Database(url)
    try:
        async with database.session() as session:
            rows = list(await session.execute(select(Incident.submission_key, Incident.reference)))
            alerts = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "escalation")
            )
    finally:
        await database.dispose()
    keys = [k for k, _ in rows]
    assert len(keys) == len(set(keys)), "a submission was stored twice"
    assert alerts == 3 * len(rows), "every stored report has its three alerts with it"
    return {str(k).removeprefix("slack:"): str(r) for k, r in rows}


def _classify(response: dict[str, object] | BaseException) -> tuple[str, str | None]:
    """("saved", ref) | ("not_saved", None) | ("unconfirmed", None) | ("no_answer", None)."""
    if isinstance(response, BaseException):
        return "no_answer", None
    text = view_text(response)
    if "could not confirm" in text:
        return "unconfirmed", None
    if "could not be saved" in text:
        return "not_saved", None
    refs = REF.findall(text)
    assert refs, f"neither a receipt nor a failure: {text[:500]}"
    return "saved", refs[0]


async def _burst(  # type: ignore[no-untyped-def]
    url: str, keys: list[str], *, after: int | None = None, then=None, late: list[str] = ()
):
    """Press Send report for every key at once; when ``after`` answers are in, run ``then``
    (it returns once its fault is in place), then press Send for the ``late`` keys too, so
    some presses meet the fault however fast the others were. Outcomes: keys, then late."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        def press(key: str) -> asyncio.Task[dict[str, object]]:
            payload = send_report_payload(REPORTER, int(key.split("-")[1]), key)
            return asyncio.create_task(press_send(session, url, payload))

        tasks = [press(k) for k in keys]
        if after is not None:
            pending = set(tasks)
            while len(tasks) - len(pending) < after and pending:
                _done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            await then()
            tasks += [press(k) for k in late]
        results = await asyncio.gather(*tasks, return_exceptions=True)
    return [_classify(r) for r in results]


async def _until_saved(url: str, keys: list[str]) -> list[tuple[str, str | None]]:
    """Everyone presses Send report, then Try again while they are told it was not saved
    (or got no answer), as a person would: at most 20 rounds, a second apart."""
    outcomes = await _burst(url, keys)
    for _ in range(20):
        retry = [i for i, (kind, _) in enumerate(outcomes) if kind != "saved"]
        if not retry:
            break
        await asyncio.sleep(1)
        for i, outcome in zip(retry, await _burst(url, [keys[i] for i in retry]), strict=True):
            outcomes[i] = outcome
    return outcomes


def _settings(db_url: str, fake: FakeSlack, cache: Path, port: int, **extra: str | int):  # type: ignore[no-untyped-def]
    return env_for(db_url, fake.api_url, cache, PORT=port, RUN_WORKER="false", **extra)


@pytest.mark.parametrize("backend", backends())
async def test_kill_9_mid_burst_loses_no_acknowledged_report(
    backend: str, tmp_path: Path, fake_slack: FakeSlack, model_cache: Path
) -> None:
    keys = [f"kill-{n}" for n in range(BURST)]
    async with fresh_database(backend, tmp_path) as db_url:
        env = _settings(db_url, fake_slack, model_cache, free_port())
        server = await start(["serve"], env, tmp_path / "serve1.log", ready="http")
        try:
            outcomes = await _burst(server.url, keys, after=BURST // 3, then=_killer(server))
        finally:
            server.kill9()
        stored = await _stored(db_url)
        saved = {keys[i]: ref for i, (kind, ref) in enumerate(outcomes) if kind == "saved"}
        assert saved, "the kill came too early to prove anything"
        assert len(saved) < BURST, "the kill came too late to prove anything"
        for key, ref in saved.items():  # everything acknowledged was committed, under its ref
            assert stored.get(key) == ref
        # every sender now presses Send again (Slack said "trouble connecting" to the rest)
        server = await start(["serve"], env, tmp_path / "serve2.log", ready="http")
        try:
            again = await _until_saved(server.url, keys)
        finally:
            server.stop()
        assert all(kind == "saved" for kind, _ in again)
        for i, key in enumerate(keys):
            if key in saved:
                assert again[i][1] == saved[key]  # the same report, not a second one
        final = await _stored(db_url)
        assert sorted(final) == sorted(keys)  # each exactly once
        print(
            f"\n{backend}: {len(saved)} of {BURST} acknowledged before kill -9, "
            f"{len(stored)} stored; after resending all: {len(final)} stored, 0 twice"
        )


def _killer(server):  # type: ignore[no-untyped-def]
    async def kill() -> None:
        server.kill9()

    return kill


@pytest.mark.parametrize("backend", backends())
async def test_database_unreachable_mid_burst_tells_the_truth(
    backend: str, tmp_path: Path, fake_slack: FakeSlack, model_cache: Path
) -> None:
    keys = [f"cut-{n}" for n in range(BURST + LATE)]
    proxy = CutProxy()
    await proxy.start()
    async with fresh_database(backend, tmp_path) as db_url:
        served_url = db_url
        if backend == "postgresql":
            served_url = db_url.replace(":5432/", f":{proxy.port}/")
        env = _settings(served_url, fake_slack, model_cache, free_port(), SUBMIT_TIMEOUT_MS=1500)
        server = await start(["serve"], env, tmp_path / "serve.log", ready="http")
        try:
            if backend == "postgresql":
                outage = _pg_outage(proxy)
            else:
                outage = _sqlite_outage(db_url.removeprefix("sqlite:///"))
            outcomes = await _burst(
                server.url, keys[:BURST], after=BURST // 4, then=outage, late=keys[BURST:]
            )
            stored = await _stored(db_url)
            kinds = [k for k, _ in outcomes]
            assert "not_saved" in kinds or "unconfirmed" in kinds, kinds
            assert "saved" in kinds
            for i, (kind, ref) in enumerate(outcomes):
                if kind == "saved":
                    assert stored.get(keys[i]) == ref  # "saved" means committed
                elif kind == "not_saved":
                    assert keys[i] not in stored  # "not saved" is true
            # everyone presses Send again, and Try again while told it was not saved
            again = await _until_saved(server.url, keys)
        finally:
            server.stop()
            await proxy.close()
        assert all(kind == "saved" for kind, _ in again), [k for k, _ in again]
        for i, (kind, ref) in enumerate(outcomes):
            if kind == "saved":
                assert again[i][1] == ref
        final = await _stored(db_url)
        assert sorted(final) == sorted(keys)
        print(
            f"\n{backend}: during the outage {kinds.count('saved')} saved, "
            f"{kinds.count('not_saved')} told not saved (none stored), "
            f"{kinds.count('unconfirmed')} told unconfirmed; after Try again all {len(final)} "
            "stored once"
        )


def _pg_outage(proxy: CutProxy):  # type: ignore[no-untyped-def]
    async def outage() -> None:
        asyncio.get_running_loop().create_task(proxy.outage(4.0))
        await asyncio.sleep(0.05)  # the cut is in place

    return outage


def _sqlite_outage(path: str):  # type: ignore[no-untyped-def]
    """Another process takes SQLite's write lock and holds it for 4 s; returns once it has."""

    async def outage() -> None:
        locker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sqlite3,time,sys;c=sqlite3.connect(sys.argv[1],isolation_level=None,"
            "timeout=30);c.execute('BEGIN EXCLUSIVE');print('locked',flush=True);"
            "time.sleep(4);c.execute('ROLLBACK')",
            path,
            stdout=asyncio.subprocess.PIPE,
        )
        assert locker.stdout is not None
        assert await asyncio.wait_for(locker.stdout.readline(), 30) == b"locked\n"
        _LOCKERS.add(asyncio.get_running_loop().create_task(locker.wait()))  # reaped at exit

    return outage

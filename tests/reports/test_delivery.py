"""Termly delivery: reports made once on the term date, sent through the outbox to the
governors, the Board and the policy owner as link buttons; the links opened over real HTTP
(signed, expiring, re-checked and audited); the chronology download link."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from adapters.console.notifier import ConsoleNotifier
from adapters.server.app import create_app
from adapters.server.reports import install
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from bot.messages import Action, Choice
from bot.notifier import Delivery
from bot.qa.engine import AnswerEngine
from bot.reports import links
from bot.reports.chronology import download_choice
from bot.reports.delivery import review_period, run_due_reports_for, term_period
from bot.reports.period import Period
from bot.reports.settings import ReportSettings
from bot.store.db import Database
from bot.store.models import AuditEvent, Person
from bot.store.models_governors import GovernorReport
from bot.trust.config import TrustConfig
from tests.conftest import EXAMPLE_TRUST
from tests.incidents.helpers import OMAR, TOM, outbox_rows, service, submission

TERM_OVER = datetime(2026, 12, 19, 6, 0, tzinfo=UTC)
REVIEW_DUE = datetime(2026, 9, 2, 6, 0, tzinfo=UTC)


class Recording:
    """A notifier that keeps what it was asked to deliver."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> str | None:
        self.delivered.append(delivery)
        return f"ref-{delivery.id}"


async def test_nothing_is_made_for_a_term_that_ended_before_installation(
    database: Database, trust: TrustConfig
) -> None:
    clock = FakeClock(TERM_OVER + timedelta(days=20))  # 20 days after the term date
    assert await run_due_reports_for(service(database, clock)) == 0
    assert await outbox_rows(database) == []


def test_term_and_review_periods() -> None:
    s = ReportSettings()  # terms end 18 Dec, 1 Apr, 21 Jul; review 1 Sep
    this, before = term_period(TERM_OVER, s)
    assert this == Period.of_days(date(2026, 7, 22), date(2026, 12, 18))
    assert before == Period.of_days(date(2026, 4, 2), date(2026, 7, 21))
    # on the term date itself the term is not over: the last finished term is the summer's
    assert term_period(datetime(2026, 12, 18, 23, tzinfo=UTC), s)[0].last_day == date(2026, 7, 21)
    year = review_period(datetime(2026, 9, 2, 8, tzinfo=UTC), s)
    assert year == Period.of_days(date(2025, 9, 2), date(2026, 9, 1))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TERM_OVER)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UNANSWERED_LOG", str(tmp_path / "unanswered.jsonl"))
    monkeypatch.setenv("PUBLIC_URL", "https://policybot.example.org")
    for name in ("REPORT_TERM_DATES", "POLICY_REVIEW_DATE", "REPORT_LINK_DAYS", "POLICY_KB"):
        monkeypatch.delenv(name, raising=False)


async def test_made_once_and_sent_to_governors_board_and_policy_owner(
    database: Database, trust: TrustConfig, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUST_CONFIG", str(EXAMPLE_TRUST))
    review_day = service(database, FakeClock(REVIEW_DUE))
    assert await run_due_reports_for(review_day) == 3  # review packs: 2 academies + trust
    svc = service(database, clock)
    assert await run_due_reports_for(svc) == 3  # monitoring reports: 2 academies + trust
    assert await run_due_reports_for(svc) == 0  # made once
    later = service(database, FakeClock(TERM_OVER + timedelta(days=30)))
    assert await run_due_reports_for(later) == 0  # and not again later in the term
    async with database.session() as session:
        reports = list(await session.scalars(select(GovernorReport).order_by(GovernorReport.id)))
    assert sorted((r.kind, r.scope) for r in reports) == [
        ("monitoring", ""), ("monitoring", "oakfield"), ("monitoring", "riverside"),
        ("review", ""), ("review", "oakfield"), ("review", "riverside"),
    ]  # fmt: skip
    titles = {r.title for r in reports}
    assert "Social media monitoring report: Northbridge Learning Trust" in titles
    assert all(
        (r.pdf.startswith(b"%PDF-") and "<svg" in r.html) or "No incidents" in r.html
        for r in reports
    )
    rows = await outbox_rows(database)
    sent = {(r.kind, r.recipient_name) for r in rows}
    assert sent == {
        ("governors.monitoring", "Robert Hughes"),  # Oakfield's Chair of Governors
        ("governors.monitoring", "Priya Shah"),  # Oakfield's safeguarding governor
        ("governors.monitoring", "Gareth Evans"),
        ("governors.monitoring", "Daniel Reid"),
        ("governors.monitoring", "Helen Carter"),  # the Board, trust-wide
        ("governors.review", "Jane Smith"),  # Headteachers own their academy's review
        ("governors.review", "Sarah Okafor"),
        ("governors.review", "Alison Morgan"),  # the trust's policy owner
    }
    assert all(r.incident_id is None for r in rows)
    stream = io.StringIO()
    slack = Recording("slack")
    worker = OutboxWorker(database, {"console": ConsoleNotifier(stream), "slack": slack}, clock)
    assert await worker.run_once() == len(rows)
    text = stream.getvalue()
    assert "To Robert Hughes" in text and "Open the report" in text
    assert "https://policybot.example.org/reports/" in text
    review = next(d for d in slack.delivered if d.recipient.name == "Jane Smith")
    opens = [c for c in review.reply.choices if c.url]
    assert [c.label for c in opens] == ["Open the report", "Download the PDF"]
    assert all(c.action == "link.open" for c in opens)


async def _bot(database: Database, clock: FakeClock) -> PolicyBot:
    return PolicyBot(
        engine=AnswerEngine.from_file(None),
        database=database,
        incidents=service(database, clock),
        clock=clock,
    )


async def _get(server: TestServer, url: str) -> tuple[int, str, bytes, dict[str, str]]:
    path = url.removeprefix("https://policybot.example.org")
    async with aiohttp.ClientSession() as http, http.get(server.make_url(path)) as resp:
        return resp.status, resp.content_type, await resp.read(), dict(resp.headers)


async def test_links_open_over_http_audited_checked_and_expiring(
    database: Database, trust: TrustConfig, clock: FakeClock, tmp_path: Path
) -> None:
    svc = service(database, clock)
    await run_due_reports_for(svc)
    slack = Recording("slack")
    console = Recording("console")
    await OutboxWorker(database, {"console": console, "slack": slack}, clock).run_once()
    robert = next(d for d in console.delivered if d.recipient.name == "Robert Hughes")
    html_url, pdf_url = (c.url for c in robert.reply.choices if c.url)
    assert html_url and pdf_url
    bot = await _bot(database, clock)
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"})
    server = TestServer(create_app(settings, bot, installers=[install]), host="127.0.0.1")
    await server.start_server()
    try:
        status, ctype, body, headers = await _get(server, html_url)
        assert status == 200 and ctype == "text/html"
        assert b"Social media monitoring report: Oakfield Primary Academy" in body
        assert headers["Cache-Control"] == "no-store"
        status, ctype, body, _ = await _get(server, pdf_url)
        assert status == 200 and ctype == "application/pdf" and body.startswith(b"%PDF-")
        async with database.session() as session:
            opened = list(
                await session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "governors_report_opened")
                )
            )
            assert [(e.actor_name, e.data["format"]) for e in opened] == [
                ("Robert Hughes", "html"),
                ("Robert Hughes", "pdf"),
            ]
            tom = await session.scalar(select(Person).where(Person.key == "tcooper"))
            report_id = opened[0].data["report_id"]
        forged = html_url[:-3] + ("AAA" if not html_url.endswith("AAA") else "BBB")
        assert (await _get(server, forged))[0] == 403
        # a genuine signature for someone who is not a recipient: refused and audited
        secret = await links.link_secret(database)
        claim = links.Claim("report", str(report_id), tom.id, clock.now() + timedelta(days=1))
        status, _, body, _ = await _get(server, links.url("", links.sign(secret, claim)))
        assert status == 403 and b"no longer open this report" in body
        async with database.session() as session:
            refused = await session.scalar(
                select(func.count()).where(
                    AuditEvent.action == "refused", AuditEvent.actor_person_id == tom.id
                )
            )
        assert refused == 1
        clock.advance(timedelta(days=15))  # links last REPORT_LINK_DAYS (14)
        status, _, body, _ = await _get(server, html_url)
        assert status == 410 and b"expired" in body
    finally:
        await server.close()


async def test_download_chronology_link_for_the_entitled_only(
    database: Database, trust: TrustConfig, clock: FakeClock, tmp_path: Path
) -> None:
    ref = (await service(database, clock).submit(TOM, submission(child_involved=True))).reference
    bot = await _bot(database, clock)
    replies = await bot.handle(Action(OMAR, "incident.view", ref, "console:omar"))
    [choice] = [c for c in replies[0].choices if c.url]
    assert choice == Choice("Download chronology", choice.url or "", "link.open", url=choice.url)
    # the reporter is not shown the details, so gets no button; a forged link is refused
    assert await download_choice(database, TOM, ref, clock.now())  # signs only for a person
    [tom_choice] = await download_choice(database, TOM, ref, clock.now())
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"})
    server = TestServer(create_app(settings, bot, installers=[install]), host="127.0.0.1")
    await server.start_server()
    try:
        status, ctype, body, headers = await _get(server, choice.url or "")
        assert status == 200 and ctype == "application/pdf" and body.startswith(b"%PDF-")
        assert f'filename="{ref}-chronology.pdf"' in headers["Content-Disposition"]
        status, _, body, _ = await _get(server, tom_choice.url or "")
        assert status == 403 and b"cannot export the chronology" in body
    finally:
        await server.close()


def test_link_buttons_open_the_url_on_every_platform() -> None:
    from adapters.console.render import render
    from adapters.slack.blocks import reply_blocks
    from adapters.teams.cards import reply_card
    from bot.messages import Reply

    url = "https://policybot.example.org/reports/abc.def"
    reply = Reply(
        text="Your report", choices=[Choice("Open the report", url, "link.open", url=url)]
    )
    buttons = [e for b in reply_blocks(reply) if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["url"] == url and buttons[0]["text"]["text"] == "Open the report"
    card = reply_card(reply)
    actions = card.get("actions", []) + [
        a for b in card["body"] if b.get("type") == "ActionSet" for a in b["actions"]
    ]
    assert {"type": "Action.OpenUrl", "title": "Open the report", "url": url} in actions
    assert f"[1] Open the report <{url}>" in render(reply)

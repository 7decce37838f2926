"""Questions asked in chat are counted by topic (never their words or who asked), and the
monitoring report's question figures are those counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from bot.clock import FakeClock
from bot.messages import Message
from bot.reports.figures import gather
from bot.reports.period import Period
from bot.store.db import Database
from bot.store.models_governors import QuestionTopic
from bot.trust.config import TrustConfig
from tests.core.test_policybot import make_bot
from tests.incidents.helpers import TOM


async def test_each_new_question_counted_by_topic(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    bot = make_bot(database, fake_clock)
    conv = "console:tom"
    await bot.handle(Message(TOM, "can i add a yr 11 kid on snap", conv))
    replies = await bot.handle(Message(TOM, "an ex-pupil wants to follow me on insta", conv))
    assert replies[0].verdict == "conditional"
    await bot.handle(Message(TOM, "2", conv))  # the follow-up's answer: not a new question
    await bot.handle(Message(TOM, "what is the wifi password for the staff room", conv))
    async with database.session() as session:
        rows = list(await session.scalars(select(QuestionTopic).order_by(QuestionTopic.id)))
        fig = await gather(
            session,
            scope="",
            period=Period(
                fake_clock.now() - timedelta(days=1), fake_clock.now() + timedelta(days=1)
            ),
            now=fake_clock.now(),
            reminder_after=timedelta(hours=1),
        )
    assert [r.verdict for r in rows] == ["not_allowed", "conditional", "no_match"]
    assert rows[0].rule_id and rows[1].rule_id and rows[2].rule_id is None
    assert fig.questions == 2 and sum(fig.questions_by_topic.values()) == 2
    assert {c.name for c in QuestionTopic.__table__.columns} == {"id", "at", "rule_id", "verdict"}


async def test_a_count_that_fails_loses_neither_answer_nor_follow_up(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    """The count shares the state's commit; when counting fails, the state is still kept."""
    bot = make_bot(database, fake_clock)
    async with database.transaction() as session:
        await session.execute(text("ALTER TABLE question_topics RENAME TO question_topics_gone"))
    conv = "console:tom"
    replies = await bot.handle(Message(TOM, "an ex-pupil wants to follow me on insta", conv))
    assert replies[0].verdict == "conditional"
    replies = await bot.handle(Message(TOM, "2", conv))  # goes on from the follow-up kept
    assert replies[0].verdict == "allowed"
    async with database.transaction() as session:
        await session.execute(text("ALTER TABLE question_topics_gone RENAME TO question_topics"))
        assert list(await session.scalars(select(QuestionTopic))) == []

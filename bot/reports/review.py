"""The annual policy review pack for the policy owner: what the review starts from.

The questions the policy did not cover, grouped by theme (their nearest topic), most asked
first; the incidents' shape over the year; the rules staff asked about most; the knowledge
base's version and the date of the policy text. Incident counts are suppressed as in the
monitoring report; the pack may be shared with the recognised trade unions.
"""

from __future__ import annotations

from concurrent.futures import Executor

from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.types import CATEGORY_LABELS
from bot.reports.anonymise import FEWER, HIDDEN, breakdown, cell
from bot.reports.document import Chart, Document, Figure, Paragraph, Section, Table
from bot.reports.figures import NO_THEME, gather, most_common, uncovered_questions
from bot.reports.kb import KBInfo
from bot.reports.monitoring import Context, Rendered, render_off_loop, scope_name
from bot.reports.period import Period, month_label

#: example wordings shown per uncovered theme
EXAMPLES = 3
TOP_RULES = 15


async def build(
    session: AsyncSession,
    scope: str,
    period: Period,
    ctx: Context,
    kb: KBInfo,
    executor: Executor | None = None,
) -> Rendered:
    """The pack for ``scope`` (an academy, or ``""`` for the trust) over ``period``."""
    name = await scope_name(session, scope, ctx.trust_name)
    fig = await gather(
        session,
        scope=scope,
        period=period,
        now=ctx.now,
        reminder_after=ctx.reminder_after,
        unanswered_log=ctx.unanswered_log,
    )
    topics = kb.topics
    doc = Document(
        title=f"Social media policy: annual review pack, {name}",
        subtitle=f"The year {period.label()}",
        meta=[
            f"For the policy owner. Made {ctx.now:%d %b %Y %H:%M} UTC by policybot.",
            f"Knowledge base version {kb.version} ({kb.title}); policy text "
            f"\u201c{kb.policy_file}\u201d"
            + (
                f", dated {kb.policy_dated}."
                if kb.policy_dated
                else ": its date is not recorded (set policy.dated in the knowledge base)."
            ),
            f"Incident counts of 1 or 2 are shown as \u201c{FEWER}\u201d (and the next "
            f"smallest as \u201c{HIDDEN}\u201d where the total would give one away).",
        ],
        footer=f"{name} \u2013 social media policy review pack \u2013 {period.label()}",
    )
    doc.figures = [
        Figure("questions the policy did not cover", str(fig.uncovered)),
        Figure("questions answered from the policy", str(fig.questions)),
        Figure("incidents reported", cell(fig.incidents).text),
        Figure("involved a child", cell(fig.child_involved).text),
    ]
    gaps = Section("Questions the policy did not cover")
    groups = uncovered_questions(period, ctx.unanswered_log)
    if not groups:
        gaps.blocks.append(Paragraph("Every question staff asked was covered by the policy."))
    else:
        gaps.blocks.append(
            Paragraph(
                "Grouped by the nearest topic in the policy, most asked first, with up to "
                f"{EXAMPLES} of the wordings staff used (who asked is never recorded). "
                "Check the wordings for names before sharing this pack.",
                note=True,
            )
        )
        rows = []
        for theme, questions in groups.items():
            distinct = list(dict.fromkeys(q.strip() for q in questions))[:EXAMPLES]
            label = "No close topic" if theme == NO_THEME else topics.get(theme, theme)
            rows.append([label, str(len(questions)), " | ".join(distinct)])
        gaps.blocks.append(Table(["Nearest topic", "Times asked", "Wordings"], rows, [30, 12, 58]))
    doc.sections.append(gaps)
    asked = Section("The rules staff asked about most")
    top = most_common(fig.questions_by_topic, TOP_RULES)
    if top:
        asked.blocks.append(
            Chart(
                "Questions answered, by topic",
                [topics.get(k, k) for k, _ in top],
                [("this year", [cell(v) for _, v in top])],
                horizontal=True,
            )
        )
    else:
        asked.blocks.append(Paragraph("No questions were answered from the policy this year."))
    doc.sections.append(asked)
    shape = Section("Incidents over the year")
    cats = list(CATEGORY_LABELS)
    by_cat = breakdown(fig.by_category)
    shape.blocks.append(
        Table(
            ["Category", "Incidents"],
            [[CATEGORY_LABELS[c], by_cat[c].text] for c in cats]
            + [["All categories", cell(fig.incidents).text]],
        )
    )
    months = breakdown(fig.by_month)
    shape.blocks.append(
        Chart("Incidents by month", [month_label(m) for m in months], [("", list(months.values()))])
    )
    doc.sections.append(shape)
    return await render_off_loop(doc, executor)

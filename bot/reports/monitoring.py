"""The termly monitoring report for an academy's governors (or the trust's Board): what
happened this period against the one before, as counts and durations only."""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.types import CATEGORY_LABELS, URGENCY_LABELS
from bot.reports import charts, html, pdf
from bot.reports.anonymise import FEWER, HIDDEN, THRESHOLD, Cell, breakdown, cell, enough
from bot.reports.document import Chart, Document, Figure, Paragraph, Section, Table
from bot.reports.figures import NO_THEME, Durations, Figures, gather, most_common
from bot.reports.head_duties import (
    AccountFigures,
    AccountsNow,
    CampaignFigures,
    Duties,
    gather_all,
)
from bot.reports.period import Period, month_label
from bot.store.models import Academy

#: how many question topics / uncovered themes a report lists
TOP_TOPICS = 10
SHORT_URGENCY = {"immediate": "Immediate", "urgent": "Urgent", "routine": "Routine"}


@dataclass(frozen=True)
class Rendered:
    """A report ready to store or send."""

    title: str
    html: str
    pdf: bytes
    document: Document


@dataclass(frozen=True)
class Context:
    """What a report needs besides the database."""

    now: datetime
    reminder_after: timedelta
    trust_name: str = ""
    topics: dict[str, str] | None = None  # KB rule id -> topic
    unanswered_log: Path | None = None


async def scope_name(session: AsyncSession, scope: str, trust_name: str) -> str:
    """The academy's name, or the trust's for ``""``; ValueError for an unknown academy."""
    if not scope:
        return trust_name or "the trust"
    academy = await session.get(Academy, scope)
    if academy is None:
        known = ", ".join(a for a in await session.scalars(select(Academy.id).order_by(Academy.id)))
        raise ValueError(
            f"There is no academy {scope!r}" + (f" (known: {known})." if known else ".")
        )
    return academy.name


async def build(
    session: AsyncSession,
    scope: str,
    period: Period,
    ctx: Context,
    previous: Period | None = None,
    executor: Executor | None = None,
) -> Rendered:
    """Gather, anonymise and render the report of ``scope`` for ``period``. Rendering runs
    in ``executor`` (e.g. a process pool, so a server's event loop is not slowed) or a
    thread."""
    name = await scope_name(session, scope, ctx.trust_name)
    previous = previous or period.previous()
    kwargs = {
        "now": ctx.now,
        "reminder_after": ctx.reminder_after,
        "unanswered_log": ctx.unanswered_log,
    }
    this = await gather(session, scope=scope, period=period, **kwargs)  # type: ignore[arg-type]
    before = await gather(session, scope=scope, period=previous, **kwargs)  # type: ignore[arg-type]
    academies = {a.id: a.name for a in await session.scalars(select(Academy))}
    duties = await gather_all(session, scope, period, previous, academies)
    doc = document(name, this, before, ctx, academies, duties)
    return await render_off_loop(doc, executor)


async def render_off_loop(doc: Document, executor: Executor | None) -> Rendered:
    """:func:`rendered` in ``executor``, or in a thread."""
    if executor is None:
        return await asyncio.to_thread(rendered, doc)
    return await asyncio.get_running_loop().run_in_executor(executor, rendered, doc)


def rendered(doc: Document) -> Rendered:
    """The document as HTML and PDF, each chart drawn once (CPU-bound: run it off the
    event loop)."""
    found = [b for section in doc.sections for b in section.blocks if isinstance(b, Chart)]
    images = charts.draw_all(found)
    return Rendered(doc.title, html.render(doc, images), pdf.render(doc, images), doc)


def document(
    name: str,
    this: Figures,
    before: Figures,
    ctx: Context,
    academies: dict[str, str],
    duties: Duties | None = None,
) -> Document:
    """The report's content (already anonymised)."""
    trust_wide = not this.scope
    who = "the Board" if trust_wide else "the Local Governing Body"
    reminder = _duration(ctx.reminder_after)
    doc = Document(
        title=f"Social media monitoring report: {name}",
        subtitle=f"{this.period.label()}, compared with {before.period.label()}",
        meta=[
            f"For {who}. Made {ctx.now:%d %b %Y %H:%M} UTC by policybot from the incident "
            "records, the questions staff asked, the \u201cread and understood\u201d "
            "campaigns and the register of official accounts.",
            f"Counts and times only: no names, references or details. Counts of 1 or 2 are "
            f"shown as \u201c{FEWER}\u201d, and where the total would give such a count "
            f"away the next smallest is \u201c{HIDDEN}\u201d; times are summarised only "
            f"over {THRESHOLD} or more incidents. In charts: \u201c<3\u201d and "
            "\u201cn/s\u201d, hatched.",
        ],
        footer=f"{name} \u2013 social media monitoring report \u2013 {this.period.label()}",
    )
    doc.figures = [
        Figure("incidents reported", cell(this.incidents).text, cell(before.incidents).text),
        Figure(
            "involved a child", cell(this.child_involved).text, cell(before.child_involved).text
        ),
        Figure(
            "escalated (nobody acknowledged in time)",
            cell(this.escalated).text,
            cell(before.escalated).text,
        ),
        Figure(
            "median time to acknowledge",
            _median(this.acknowledge),
            _median(before.acknowledge),
        ),
    ]
    doc.sections.append(_incidents_section(this, before, academies if trust_wide else None))
    doc.sections.append(_response_section(this, before, reminder))
    doc.sections.append(_delivery_section(this, before))
    doc.sections.append(_questions_section(this, before, ctx.topics or {}))
    if duties is not None:
        doc.sections.append(_campaigns_section(duties.this.campaigns, duties.before.campaigns))
        doc.sections.append(
            _accounts_section(duties.this.accounts, duties.before.accounts, duties.now)
        )
        if duties.by_academy:
            doc.sections.append(_duties_by_academy(duties, academies))
    return doc


def _incidents_section(this: Figures, before: Figures, academies: dict[str, str] | None) -> Section:
    s = Section("Incidents reported")
    if this.incidents == 0 and before.incidents == 0:
        s.blocks.append(Paragraph("No incidents were reported in either period."))
        return s
    cats = list(CATEGORY_LABELS)
    now_c, prev_c = breakdown(this.by_category), breakdown(before.by_category)
    s.blocks.append(
        Chart(
            "By category",
            [_short_category(c) for c in cats],
            [
                ("this period", [now_c[c] for c in cats]),
                ("previous period", [prev_c[c] for c in cats]),
            ],
            horizontal=True,
        )
    )
    s.blocks.append(
        Table(
            ["Category", "This period", "Previous period"],
            [[CATEGORY_LABELS[c], now_c[c].text, prev_c[c].text] for c in cats]
            + [["All categories", cell(this.incidents).text, cell(before.incidents).text]],
        )
    )
    urg = list(URGENCY_LABELS)
    now_u, prev_u = breakdown(this.by_urgency), breakdown(before.by_urgency)
    s.blocks.append(
        Table(
            ["Urgency", "This period", "Previous period"],
            [[SHORT_URGENCY[u], now_u[u].text, prev_u[u].text] for u in urg],
        )
    )
    months = breakdown(this.by_month)
    prev_months = breakdown(before.by_month)
    s.blocks.append(
        Chart(
            "By month (this period)",
            [month_label(m) for m in months],
            [("this period", list(months.values()))],
        )
    )
    s.blocks.append(
        Paragraph(
            "Previous period by month: "
            + ", ".join(f"{month_label(m)} {c.text}" for m, c in prev_months.items())
            + ".",
            note=True,
        )
    )
    child = cell(this.child_involved)
    s.blocks.append(
        Paragraph(
            f"A child or young person was involved in {child.text} of the "
            f"{cell(this.incidents).text} incidents (previous period: "
            f"{cell(before.child_involved).text} of {cell(before.incidents).text})."
        )
    )
    if academies is not None:
        by = breakdown({a: this.by_academy.get(a, 0) for a in academies})
        prev_by = breakdown({a: before.by_academy.get(a, 0) for a in academies})
        order = sorted(academies, key=lambda a: academies[a])
        rows = [[academies[a], by[a].text, prev_by[a].text] for a in order]
        other = this.by_academy.get("", 0) + sum(
            n for a, n in this.by_academy.items() if a and a not in academies
        )
        if other:
            rows.append(["Academy not given", cell(other).text, ""])
        s.blocks.append(Table(["Academy", "This period", "Previous period"], rows))
    return s


def _response_section(this: Figures, before: Figures, reminder: str) -> Section:
    s = Section("How quickly reports were handled")
    rows = [
        ["Median time to acknowledge", _median(this.acknowledge), _median(before.acknowledge)],
        ["Slowest acknowledgement", _slowest(this.acknowledge), _slowest(before.acknowledge)],
        [
            f"Acknowledged after the reminder time ({reminder}) or still waiting",
            cell(this.past_reminder).text,
            cell(before.past_reminder).text,
        ],
        ["Median time to close", _median(this.close), _median(before.close)],
        ["Slowest to close", _slowest(this.close), _slowest(before.close)],
        [
            "Still open or acknowledged (not closed)",
            cell(this.still_open).text,
            cell(before.still_open).text,
        ],
        [
            "Escalated because nobody acknowledged in time",
            cell(this.escalated).text,
            cell(before.escalated).text,
        ],
        ["Reminders sent", cell(this.reminders).text, cell(before.reminders).text],
    ]
    s.blocks.append(Table(["", "This period", "Previous period"], rows))
    s.blocks.append(
        Paragraph(
            "Times run from the report being made. Acknowledging means the Headteacher, the "
            "DSL or whoever it was escalated to has taken it on; closing needs an outcome.",
            note=True,
        )
    )
    return s


def _delivery_section(this: Figures, before: Figures) -> Section:
    s = Section("Messages that could not be delivered")
    now_u, prev_u = cell(this.undelivered), cell(before.undelivered)
    if this.undelivered == 0:
        text = "Every notification about these incidents was delivered."
    else:
        text = (
            f"{now_u.text} notification(s) could not be delivered after every retry "
            "(for example, a chat account that no longer exists). The trust administrator "
            "sees them with \u201cpolicybot admin outbox --dead\u201d."
        )
    s.blocks.append(Paragraph(f"{text} Previous period: {prev_u.text}."))
    return s


def _questions_section(this: Figures, before: Figures, topics: dict[str, str]) -> Section:
    s = Section("Questions staff asked")
    s.blocks.append(
        Paragraph(
            "Questions are counted across the whole trust (they are not recorded by academy "
            "or by person). Only topics are shown, never the words asked.",
            note=True,
        )
    )
    s.blocks.append(
        Paragraph(
            f"Questions answered from the policy: {cell(this.questions).text} "
            f"(previous period: {cell(before.questions).text}). Not covered by the policy: "
            f"{cell(this.uncovered).text} (previous period: {cell(before.uncovered).text})."
        )
    )
    top = most_common(this.questions_by_topic, TOP_TOPICS)
    if top:
        cells = breakdown(dict(top))
        labels = [_topic(topics, k) for k, _ in top]
        s.blocks.append(
            Chart(
                "Most asked topics",
                labels,
                [("this period", [cells[k] for k, _ in top])],
                horizontal=True,
            )
        )
    else:
        s.blocks.append(Paragraph("No questions were answered in this period."))
    themes = most_common(this.uncovered_by_theme, TOP_TOPICS)
    if themes:
        cells = breakdown(dict(themes))
        s.blocks.append(
            Table(
                ["Not covered by the policy: nearest topic", "Times asked"],
                [[_topic(topics, k), cells[k].text] for k, _ in themes],
            )
        )
        s.blocks.append(
            Paragraph("These are the gaps the annual review of the policy starts from.", note=True)
        )
    return s


def _campaigns_section(this: list[CampaignFigures], before: list[CampaignFigures]) -> Section:
    s = Section("Staff \u201cread and understood\u201d")
    s.blocks.append(
        Paragraph(
            "Each campaign asks staff to confirm they have read and understood one version "
            "of the policy. Figures are as they stood at the end of each period; anyone who "
            "left before confirming is no longer counted as asked. Trust-wide campaigns are "
            "counted over the staff this report covers.",
            note=True,
        )
    )
    if not this:
        s.blocks.append(Paragraph("No campaign was running in this period."))
    else:
        s.blocks.append(_campaign_table(this))
    if before:
        s.blocks.append(Paragraph("Previous period:"))
        s.blocks.append(_campaign_table(before))
    else:
        s.blocks.append(Paragraph("No campaign was running in the previous period.", note=True))
    return s


def _campaign_table(campaigns: list[CampaignFigures]) -> Table:
    rows = []
    for c in campaigns:
        parts = breakdown({"confirmed": c.confirmed, "outstanding": c.outstanding})
        rows.append(
            [
                c.kb_version + (" (trust-wide)" if c.trust_wide else f" ({c.academy_name})"),
                f"{c.started_at.day} {c.started_at:%b %Y}",
                cell(c.asked).text,
                parts["confirmed"].text,
                _percent(parts["confirmed"], parts["outstanding"], c.asked),
                parts["outstanding"].text,
                cell(c.reminders).text,
            ]
        )
    return Table(
        [
            "Policy version",
            "Started",
            "Asked",
            "Confirmed",
            "% confirmed",
            "Outstanding",
            "Reminders sent",
        ],
        rows,
        [22, 14, 11, 13, 13, 14, 13],
    )


def _percent(part: Cell, rest: Cell, total: int) -> str:
    """``part`` as a whole percentage of ``total`` (rounded down, so 100% means all);
    not shown where either count is suppressed, since it would give that count away."""
    if total == 0:
        return "\u2013"
    if part.suppressed or rest.suppressed:
        return HIDDEN
    return f"{100 * part.value // total}%"


def _accounts_section(this: AccountFigures, before: AccountFigures, now: AccountsNow) -> Section:
    s = Section("Official social-media accounts")
    checks = breakdown({"on_time": this.on_time, "overdue": this.overdue, "open": this.waiting})
    prev = breakdown({"on_time": before.on_time, "overdue": before.overdue, "open": before.waiting})
    rows = [
        ["Requests made", cell(this.requested).text, cell(before.requested).text],
        ["Approved", cell(this.approved).text, cell(before.approved).text],
        ["Declined", cell(this.declined).text, cell(before.declined).text],
        [
            "On the register at the end of the period",
            cell(this.registered).text,
            cell(before.registered).text,
        ],
        ["Regular checks due", cell(this.checks_due).text, cell(before.checks_due).text],
        ["\u2013 done on time", checks["on_time"].text, prev["on_time"].text],
        [
            "\u2013 overdue (passed to the Headteacher after the reminders)",
            checks["overdue"].text,
            prev["overdue"].text,
        ],
        ["\u2013 still open, not yet overdue", checks["open"].text, prev["open"].text],
        [
            "Checks that found a problem",
            cell(this.found_problems).text,
            cell(before.found_problems).text,
        ],
    ]
    s.blocks.append(Table(["", "This period", "Previous period"], rows, [60, 20, 20]))
    s.blocks.append(
        Table(
            ["As the register stands now", "Accounts"],
            [
                ["Approved accounts on the register", cell(now.registered).text],
                ["\u2013 with fewer than two administrators", cell(now.too_few_admins).text],
                [
                    "\u2013 flagged for the Headteacher\u2019s attention",
                    cell(now.flagged).text,
                ],
            ],
            [80, 20],
        )
    )
    s.blocks.append(
        Paragraph(
            "A check finds a problem when any answer on its checklist is \u201cno\u201d "
            "(administrators, the link to the policies, professional content, abuse "
            "recorded). Administrators are counted only as they are now: their history "
            "is not kept.",
            note=True,
        )
    )
    return s


def _duties_by_academy(duties: Duties, academies: dict[str, str]) -> Section:
    s = Section("\u201cRead and understood\u201d and official accounts by academy")
    s.blocks.append(
        Paragraph(
            "This period. Campaigns are added up per academy over its own staff (its own "
            "campaigns and the trust-wide ones), so one person can be asked more than once.",
            note=True,
        )
    )
    read, checked = [], []
    for academy in sorted(duties.by_academy, key=lambda a: academies.get(a, a)):
        fig, now = duties.by_academy[academy]
        name = academies.get(academy, academy)
        asked = sum(c.asked for c in fig.campaigns)
        confirmed = sum(c.confirmed for c in fig.campaigns)
        parts = breakdown({"confirmed": confirmed, "outstanding": asked - confirmed})
        read.append(
            [
                name,
                cell(asked).text,
                parts["confirmed"].text,
                _percent(parts["confirmed"], parts["outstanding"], asked),
                parts["outstanding"].text,
            ]
        )
        a = fig.accounts
        checks = breakdown({"on_time": a.on_time, "overdue": a.overdue, "open": a.waiting})
        checked.append(
            [
                name,
                cell(a.checks_due).text,
                checks["on_time"].text,
                checks["overdue"].text,
                cell(a.found_problems).text,
                cell(now.too_few_admins).text,
            ]
        )
    s.blocks.append(
        Table(
            ["Academy", "Asked", "Confirmed", "% confirmed", "Outstanding"],
            read,
            [36, 16, 16, 16, 16],
        )
    )
    s.blocks.append(
        Table(
            [
                "Academy",
                "Checks due",
                "Done on time",
                "Overdue",
                "Found a problem",
                "Fewer than two administrators (now)",
            ],
            checked,
            [26, 13, 13, 13, 15, 20],
        )
    )
    return s


def _topic(topics: dict[str, str], rule_id: str) -> str:
    if rule_id == NO_THEME:
        return "No close topic"
    return topics.get(rule_id, rule_id)


def _short_category(category: str) -> str:
    label = CATEGORY_LABELS[category]
    return label if len(label) <= 38 else label[:36].rstrip() + "\u2026"


def _median(d: Durations) -> str:
    if d.count == 0 or d.median is None:
        return "none"
    return _duration(d.median) if enough(d.count) else f"{FEWER} incidents"


def _slowest(d: Durations) -> str:
    if d.count == 0 or d.slowest is None:
        return "none"
    return _duration(d.slowest) if enough(d.count) else f"{FEWER} incidents"


def _duration(td: timedelta) -> str:
    """``45 min``, ``3 h 20 min``, ``2 days 4 h``."""
    minutes = int(td.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days != 1 else ''} {hours} h" if hours else f"{days} days"


__all__ = ["Cell", "Context", "Rendered", "build", "document"]

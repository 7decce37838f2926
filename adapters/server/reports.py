"""``GET /reports/{token}``: open a governors' report or a case chronology from a signed link.

The token (bot/reports/links.py) names what it opens and for whom, and expires. Each opening
re-checks that the person may still see it and is audited; a refusal is a plain page saying
why. Pages are never cached and send no referrer.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from bot.incidents.errors import IncidentError, NotFound
from bot.reports import links
from bot.reports.chronology import export
from bot.reports.contacts import monitoring_recipients, review_recipients
from bot.store import audit
from bot.store.models import Person
from bot.store.models_governors import GovernorReport

if TYPE_CHECKING:
    from bot.app import PolicyBot

log = logging.getLogger(__name__)

PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


def install(app: web.Application, bot: PolicyBot, settings: Settings) -> None:
    """Mount the report link route (always: it needs only the database)."""
    from adapters.server.app import BOT_KEY

    async def open_link(request: web.Request) -> web.StreamResponse:
        return await _open(request, request.app[BOT_KEY])

    app.router.add_get("/reports/{token}", open_link)


def _page(status: int, title: str, text: str) -> web.Response:
    body = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:40rem;"
        f"margin:3rem auto;padding:0 1rem}}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html", headers=PRIVATE)


async def _open(request: web.Request, bot: PolicyBot) -> web.StreamResponse:
    now = bot.clock.now()
    secret = await links.link_secret(bot.database)
    try:
        claim = links.verify(secret, request.match_info["token"], now)
    except links.LinkError as exc:
        expired = "expired" in str(exc)
        return _page(410 if expired else 403, "This link cannot be opened", str(exc))
    as_pdf = request.query.get("format") == "pdf"
    if claim.kind == "chronology":
        return await _chronology(bot, claim, now)
    async with bot.database.transaction() as session:
        person = await session.get(Person, claim.person_id)
        report = await session.get(GovernorReport, int(claim.target))
        if person is None or report is None:
            return _page(404, "Not found", "This report is no longer available.")
        allowed = person.is_trust_admin or person.id in {
            p.id
            for p, _ in await (
                monitoring_recipients(session, report.scope)
                if report.kind == "monitoring"
                else review_recipients(session, report.scope)
            )
        }
        audit.record(
            session,
            action="governors_report_opened" if allowed else "refused",
            actor=f"link:{person.key}",
            actor_name=person.name,
            actor_person_id=person.id,
            at=now,
            data={
                "report_id": report.id,
                "kind": report.kind,
                "scope": report.scope,
                "format": "pdf" if as_pdf else "html",
            },
        )
        title, html, pdf = report.title, report.html, report.pdf
    if not allowed:
        log.warning(
            "report %s refused to person %s (no longer a recipient)", claim.target, person.id
        )
        return _page(
            403,
            "You can no longer open this report",
            "It was sent to you in a role you no longer hold. Ask the trust administrator.",
        )
    if as_pdf:
        filename = "".join(c if c.isalnum() else "-" for c in title)[:80] + ".pdf"
        return web.Response(
            body=pdf,
            content_type="application/pdf",
            headers={**PRIVATE, "Content-Disposition": f'inline; filename="{filename}"'},
        )
    return web.Response(text=html, content_type="text/html", headers=PRIVATE)


async def _chronology(bot: PolicyBot, claim: links.Claim, now: datetime) -> web.StreamResponse:
    async with bot.database.session() as session:
        person = await session.get(Person, claim.person_id)
        key = f"link:{person.key}" if person else "link:unknown"
    try:
        chron = await export(bot.database, person, key, claim.target, now)
    except NotFound as exc:
        return _page(404, "Not found", str(exc))
    except IncidentError as exc:
        return _page(403, "You cannot open this chronology", str(exc))
    return web.Response(
        body=chron.pdf,
        content_type="application/pdf",
        headers={
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="{chron.reference}-chronology.pdf"',
        },
    )

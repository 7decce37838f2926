"""``GET /policy``: the whole policy the knowledge base quotes, as a page staff can read on a
phone. A "read and understood" campaign links to it when the KB names no ``url`` of its own.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings
from policy_kb.loader import policy_text_path

if TYPE_CHECKING:
    from bot.app import PolicyBot

#: the route, also used to build the link (bot/campaigns/summary.py's caller)
POLICY_PATH = "/policy"


def install(app: web.Application, bot: PolicyBot, settings: Settings) -> None:
    """Mount the policy page (always: it needs only the KB's policy text)."""
    kb = bot.engine.kb
    text = policy_text_path(kb, settings.policy_kb).read_text(encoding="utf-8")
    title = f"{kb.policy.organisation} {kb.policy.title} (version {kb.policy.version})"
    body = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:46rem;"
        "margin:2rem auto;padding:0 1rem;line-height:1.5}pre{white-space:pre-wrap;"
        f"font-family:inherit}}</style></head><body><h1>{escape(title)}</h1>"
        f"<pre>{escape(text)}</pre></body></html>"
    )

    async def policy(request: web.Request) -> web.Response:
        return web.Response(
            text=body,
            content_type="text/html",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=300"},
        )

    app.router.add_get(POLICY_PATH, policy)

"""What a person typed in Slack, as they typed it.

Slack sends message text in its own markup: ``<@U123>`` for a mention, ``<#C1|staff>`` for a
channel, ``<!channel>``, ``<https://x|label>`` for a link and ``&amp;``/``&lt;``/``&gt;``.
:func:`readable` turns that back into what the person saw when they wrote it: mentions of
colleagues become ``@Name`` (the name Slack has for that member ID, or the ID itself when
Slack does not say), links show their address, and only the bot's own @mention is dropped.
Nothing a person named disappears from a report.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping

from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"<([^<>]*)>")
_MEMBER = re.compile(r"^@([UW][A-Z0-9]{2,20})(?:\|(.*))?$")
#: how long a message may wait for Slack to name the people it mentions
LOOKUP_TIMEOUT = 1.0
CACHE_SIZE = 2000


def member_ids(text: str) -> list[str]:
    """The member IDs ``text`` mentions, in order, each once."""
    found: list[str] = []
    for token in _TOKEN.findall(text):
        m = _MEMBER.match(token)
        if m and m.group(1) not in found:
            found.append(m.group(1))
    return found


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable(text: str, names: Mapping[str, str], *, bot_user_id: str | None = None) -> str:
    """Slack markup -> the text as the person saw it (see the module docstring)."""

    def one(m: re.Match[str]) -> str:
        token = m.group(1)
        member = _MEMBER.match(token)
        if member:
            user_id = member.group(1)
            if user_id == bot_user_id:
                return ""
            return "@" + (names.get(user_id) or member.group(2) or user_id)
        target, _, label = token.partition("|")
        if target.startswith("#"):
            return "#" + _unescape(label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            if special in {"channel", "here", "everyone"}:
                return "@" + special
            return _unescape(label) if label else "@" + special
        address = _unescape(target)
        shown = _unescape(label)
        if address.startswith("mailto:"):
            address = address[len("mailto:") :]
        if not shown or shown == address:
            return address
        return f"{shown} ({address})"

    out = _TOKEN.sub(one, text)
    return _unescape(out)


class MemberNames:
    """Member ID -> the name Slack has for them (``users.info``), remembered per process."""

    def __init__(self) -> None:
        self._known: OrderedDict[str, str] = OrderedDict()

    async def lookup(self, client: AsyncWebClient, user_ids: list[str]) -> dict[str, str]:
        """Names for ``user_ids``; an ID Slack does not name in time is left out."""
        wanted = [u for u in user_ids if u not in self._known]
        if wanted:
            try:
                await asyncio.wait_for(
                    asyncio.gather(*(self._fetch(client, u) for u in wanted)), LOOKUP_TIMEOUT
                )
            except Exception as exc:  # names are a courtesy: the IDs are shown instead
                log.warning("could not name mentioned members: %s", type(exc).__name__)
        return {u: self._known[u] for u in user_ids if u in self._known}

    async def _fetch(self, client: AsyncWebClient, user_id: str) -> None:
        result = await client.users_info(user=user_id)
        user = result.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name")
        if name:
            self._known[user_id] = str(name)[:80]
            while len(self._known) > CACHE_SIZE:
                self._known.popitem(last=False)


async def typed_text(
    client: AsyncWebClient, text: str, names: MemberNames, bot_user_id: str | None
) -> str:
    """``text`` from a Slack message as the person typed it, mentions named."""
    ids = [u for u in member_ids(text) if u != bot_user_id]
    known = await names.lookup(client, ids) if ids else {}
    return readable(text, known, bot_user_id=bot_user_id).strip()

"""Render the main Teams cards the bot sends, to look at them: ``python -m
tests.teams.cardcheck.gallery OUT_DIR`` drives the real server (Teams local mode, a fake
connector) through a welcome, a policy answer, the report form (with the immediate-risk
guidance), its confirmation, an *Immediate* escalation, the details a handler opens and the
"incidents" list, and writes ``OUT_DIR/cards.html``: each card rendered by Microsoft's
``adaptivecards`` renderer with Teams' light-theme colours. Open it in a browser, or
screenshot it headless (``chromium --headless --screenshot=... cards.html``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from adapters.server.app import create_app
from adapters.teams.app import TEAMS_KEY, install
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from tests.teams.conftest import JANE, LEENA, OMAR, TOM, TRUST, TeamsHarness, card_buttons
from tests.teams.fake_connector import FakeConnector

HERE = Path(__file__).parent
EVIDENCE = "_jo_smith_09_ shared [this post](https://evil.example/phish) about a Year 9 pupil"
#: Teams' light theme, as far as the renderer's host config goes
HOST_CONFIG = {
    "fontFamily": "Segoe UI, system-ui, sans-serif",
    "containerStyles": {
        "default": {
            "backgroundColor": "#FFFFFF",
            "foregroundColors": {
                "default": {"default": "#242424", "subtle": "#616161"},
                "accent": {"default": "#5B5FC7", "subtle": "#5B5FC7"},
                "attention": {"default": "#C4314B", "subtle": "#C4314B"},
                "good": {"default": "#237B4B", "subtle": "#237B4B"},
                "warning": {"default": "#835C00", "subtle": "#835C00"},
            },
        },
        "emphasis": {
            "backgroundColor": "#F5F5F5",
            "foregroundColors": {
                "default": {"default": "#242424", "subtle": "#616161"},
                "accent": {"default": "#5B5FC7", "subtle": "#5B5FC7"},
                "attention": {"default": "#C4314B", "subtle": "#C4314B"},
            },
        },
        "attention": {
            "backgroundColor": "#FDE7E9",
            "foregroundColors": {
                "default": {"default": "#242424", "subtle": "#616161"},
                "attention": {"default": "#C4314B", "subtle": "#C4314B"},
            },
        },
        "warning": {
            "backgroundColor": "#FFF4CE",
            "foregroundColors": {"default": {"default": "#242424", "subtle": "#616161"}},
        },
    },
    "actions": {"actionsOrientation": "horizontal", "buttonSpacing": 8, "maxActions": 6},
    "spacing": {"small": 4, "default": 8, "medium": 16, "large": 24, "padding": 16},
}


async def collect() -> list[tuple[str, dict[str, Any]]]:
    """Drive the real server and return (what, card) for the main cards."""
    tmp = Path(tempfile.mkdtemp(prefix="policybot-gallery-"))
    clock = FakeClock()
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp / 'gallery.sqlite3'}", "TRUST_CONFIG": str(TRUST)}
    )
    bot = await PolicyBot.create(settings, platforms=["teams"], clock=clock)
    app = create_app(
        settings, bot, installers=[functools.partial(install, env={"TEAMS_LOCAL_MODE": "true"})]
    )
    shown: list[tuple[str, dict[str, Any]]] = []
    async with (
        FakeConnector() as connector,
        TestClient(TestServer(app, host="127.0.0.1")) as client,
    ):
        worker = OutboxWorker(
            bot.database, {"teams": app[TEAMS_KEY].notifier()}, clock, rng=random.Random(1)
        )
        h = TeamsHarness(client, connector, bot, worker)

        def last(what: str) -> dict[str, Any]:
            card = connector.calls[-1].card
            assert card is not None, what
            shown.append((what, card))
            return card

        await h.install_for(JANE, OMAR, LEENA, TOM)
        shown.append(("Welcome (one per install)", connector.sent(f"a:1on1-{TOM}")[-1].card or {}))
        await h.post(TOM, text="an ex-pupil wants to follow me on instagram")
        last("Policy answer: It depends, with its follow-up question")
        await h.post(TOM, text="the head")
        last("Did you mean (long topics as tappable rows)")
        await h.post(TOM, text="report")
        form = connector.sent(f"a:1on1-{TOM}")[-1]
        shown.append(("Report form: safeguarding guidance first", form.card or {}))
        card_id = form.created_id
        buttons = (form.card or {})["actions"]
        answers = {
            "immediate_risk": "yes",
            "category": "child_communication",
            "sexual_imagery": "no",
            "staff_involved": "no",
            "platform": "__other__",
            "platform_other": "Mastodon",
            "when": "2026-11-23",
            "seen": EVIDENCE,
            "actions_taken": "told_someone",
        }
        await h.submit(TOM, buttons[0], reply_to=card_id, **answers)
        notice = connector.sent(f"a:1on1-{TOM}")[-1]
        shown.append(("Immediate-risk guidance, sent as its own message", notice.card or {}))
        updated = [c for c in connector.updates() if c.activity_id == card_id][-1].card or {}
        shown.append(("Report form after 'yes': guidance in full at the top", updated))
        await h.submit(TOM, updated["actions"][0], reply_to=card_id, **answers)
        confirm = [c for c in connector.updates() if c.activity_id == card_id][-1].card or {}
        shown.append(("Confirmation (form wording)", confirm))
        await h.submit(TOM, confirm["actions"][0], reply_to=card_id)
        await worker.run_once()
        to_dsl = connector.sent(f"a:1on1-{OMAR}")[-1]
        shown.append(("Escalation to the DSL: Immediate banner, facts", to_dsl.card or {}))
        view = next(a for a in card_buttons(to_dsl.card or {}) if a["title"] == "View details")
        await h.submit(OMAR, view, reply_to=to_dsl.created_id)
        last("View details: the evidence exactly as typed")
        await h.post(OMAR, text="incidents")
        last("Incidents sent to you (a list, not one paragraph)")
    await bot.close()
    return shown


def page(cards: list[tuple[str, dict[str, Any]]]) -> str:
    """An HTML page rendering ``cards`` with the adaptivecards renderer."""
    script = (HERE / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.min.js").as_uri()
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body {{ background:#EBEBEB; font-family:Segoe UI,system-ui,sans-serif; margin:16px; }}
h2 {{ font-size:14px; color:#444; margin:18px 0 6px; }}
.card {{ width:460px; background:#fff; border-radius:6px; box-shadow:0 1px 3px #0003; }}
.ac-pushButton {{ border:1px solid #d1d1d1; background:#fff; border-radius:4px; padding:5px 12px;
  font:600 13px Segoe UI,system-ui,sans-serif; color:#242424; }}
.ac-pushButton.style-positive {{ background:#5B5FC7; color:#fff; border-color:#5B5FC7; }}
.ac-pushButton.style-destructive {{ color:#C4314B; }}
.ac-input {{ font:13px Segoe UI,system-ui,sans-serif; }}
</style><script src="{script}"></script></head><body>
<div id="out" style="display:grid;grid-template-columns:repeat(2,480px);gap:8px"></div><script>
const cards = {json.dumps(cards)};
const host = new AdaptiveCards.HostConfig({json.dumps(HOST_CONFIG)});
for (const [what, json] of cards) {{
  const box = document.createElement("div");
  const h = document.createElement("h2"); h.textContent = what; box.appendChild(h);
  const card = new AdaptiveCards.AdaptiveCard(); card.hostConfig = host; card.parse(json);
  const el = card.render(); el.classList.add("card"); box.appendChild(el);
  document.getElementById("out").appendChild(box);
}}
</script></body></html>"""


def main(argv: list[str]) -> int:
    """Write ``OUT_DIR/cards.html``."""
    out = Path(argv[0] if argv else ".")
    out.mkdir(parents=True, exist_ok=True)
    cards = asyncio.run(collect())
    (out / "cards.html").write_text(page(cards), encoding="utf-8")
    print(out / "cards.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

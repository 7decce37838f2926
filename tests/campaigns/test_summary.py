"""The campaign summary is the KB's own words; a KB without the named entries cannot start a
campaign, and says why."""

from __future__ import annotations

import pytest

from bot.campaigns.service import CampaignError, CampaignService
from bot.campaigns.summary import build_summary, load_spec
from bot.clock import FakeClock
from bot.messages import Actor
from bot.store.db import Database
from bot.trust.config import TrustConfig
from policy_kb.loader import load_kb


def test_summary_quotes_the_kb_and_names_its_version() -> None:
    kb = load_kb()
    entries = {e.id: e for e in kb.entries}
    summary = build_summary(kb, by="Jane Smith (Principal/Headteacher)")
    assert summary["version"] == kb.policy.version
    assert [i["rule_id"] for i in summary["items"]] == load_spec()["rules"]
    for item in summary["items"]:
        assert item["text"] == " ".join(entries[item["rule_id"]].text.split())
        assert item["topic"] == entries[item["rule_id"]].topic


async def test_a_kb_without_the_entries_cannot_start_a_campaign(
    database: Database, fake_clock: FakeClock, trust: TrustConfig
) -> None:
    kb = load_kb()
    smaller = kb.model_copy(
        update={"entries": [e for e in kb.entries if e.id != "education.photos-consent"]}
    )
    service = CampaignService(database, clock=fake_clock, kb=smaller, platforms=["console"])
    assert service.problem and "education.photos-consent" in service.problem
    with pytest.raises(CampaignError, match=r"summary\.yaml"):
        await service.start(
            Actor("console", "jane"),
            scope="oakfield",
            group=None,
            remind_every_hours=24,
            max_reminders=1,
        )


def test_the_whole_policy_link_is_the_kbs_else_policybots_page_else_who_to_ask() -> None:
    kb = load_kb()
    spec = load_spec()
    assert kb.policy.url is None  # the bundled KB names no web page of its own
    asking = build_summary(kb, by="Jane")["link"]
    assert asking == spec["whole_policy_no_link"].format(contact=kb.policy.contact)
    served = build_summary(kb, by="Jane", policy_url="https://bot.example/policy")["link"]
    assert served == "The whole policy: https://bot.example/policy"
    own = kb.model_copy(
        update={"policy": kb.policy.model_copy(update={"url": "https://t.example"})}
    )
    link = build_summary(own, by="Jane", policy_url="https://bot.example/policy")["link"]
    assert link == "The whole policy: https://t.example"

"""Teams: the Headteacher and the DSL have never opened policybot, so Teams cannot reach them.

The report is not left with nobody: their alerts are dead letters at once, the report goes on
to the next people on the chain, the trust administrator is alerted, and the reporter's
receipt names exactly who has received it and who could not be reached."""

from __future__ import annotations

from sqlalchemy import select

from bot.messages import Actor
from bot.store.models import OutboxMessage
from tests.teams.conftest import JANE, LEENA, OMAR, TOM, TeamsHarness
from tests.teams.test_e2e_report import _button, _fill_in_report

ROBERT = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b04"  # Oakfield Chair of Governors
ALISON = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b09"  # trust administrator


async def test_unreachable_head_and_dsl_are_passed_over_and_the_receipt_says_so(
    harness: TeamsHarness,
) -> None:
    h = harness
    await h.install_for(LEENA, ROBERT, ALISON)  # Jane and Omar never opened the bot
    card_id, confirm = await _fill_in_report(h)
    await h.submit(TOM, _button(confirm, "Send report"), reply_to=card_id)
    receipt_card = [c for c in h.connector.updates() if c.activity_id == card_id][-1]
    assert "being sent to" in receipt_card.text and "has been sent" not in receipt_card.text
    [summary] = await h.bot.incidents.reporter_status(Actor("teams", TOM))
    reference = summary.reference
    while await h.worker.run_once():
        pass

    def got(aad: str) -> list[str]:
        return [c.text for c in h.connector.sent(f"a:1on1-{aad}") if reference in c.text]

    assert got(JANE) == [] and got(OMAR) == []  # Teams has no chat with them
    assert len(got(LEENA)) == 1  # the deputy DSL has it
    (chair,) = got(ROBERT)  # passed on at once, not after the escalation time
    # Jane's and Omar's alerts fail side by side: whichever is passed on first reaches Robert
    unreached = ("Jane Smith (Principal/Headteacher)", "Omar Khan (Designated Safeguarding Lead)")
    chair_text = " ".join(chair.split())
    assert any(f"could not reach {who}" in chair_text for who in unreached), chair_text
    admin = got(ALISON)
    assert any("could not deliver" in " ".join(t.split()) for t in admin)  # dead letters
    receipts = got(TOM)
    assert len(receipts) == 1
    told = " ".join(receipts[-1].split())
    assert "Leena Patel (Deputy Designated Safeguarding Lead): received it on Teams" in told
    assert "Jane Smith (Principal/Headteacher): could not be reached" in told
    assert "Omar Khan (Designated Safeguarding Lead): could not be reached" in told
    assert any(
        f"Robert Hughes (Chair of Governors), told because {who} could not be reached: "
        "received it on Teams" in told
        for who in unreached
    ), told
    async with h.bot.database.session() as session:
        dead = list(
            await session.scalars(
                select(OutboxMessage.recipient_name).where(OutboxMessage.state == "dead")
            )
        )
    assert sorted(dead) == ["Jane Smith", "Omar Khan"]

"""The Teams driver: Bot Framework activities POSTed to ``/api/messages`` of the real server
(typed text, ``Action.Submit`` button data merged with card inputs, as Teams sends them);
Adaptive Cards read back from the fake connector; notifications go through the outbox
worker and the real ``TeamsNotifier`` (proactive messages to each person's 1:1 chat)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import PolicyBot
from bot.delivery.worker import OutboxWorker
from tests.parity.base import COMMANDS, VERBS, Person, advance, run_due
from tests.parity.text import (
    REFERENCE,
    Observation,
    answer_observation,
    listed_states,
    norm,
    report_observation,
    unquote,
)
from tests.teams.card_text import is_text, text_of, texts
from tests.teams.conftest import BOT_ID, TENANT, activity, card_buttons
from tests.teams.fake_connector import Call, FakeConnector

#: the verdict line a Teams answer card starts with -> verdict
VERDICTS = {
    "✅ Allowed": "allowed",
    "⛔ Not allowed": "not_allowed",
    "⚠️ It depends": "conditional",
    "ℹ️ Information": "information",
    "❔ Not covered by the policy": "no_match",
}
CITATIONS_HEADING = "What the policy says"
#: the staff channel: a channel of the staff team (tests/parity/base.py STAFF_CHANNEL)
TEAM = "19:staffroom0000@thread.tacv2"
IN_TEAM: dict[str, Any] = {
    "conversation_id": f"{TEAM};messageid=1764000000001",
    "conversation_type": "channel",
    "channelData": {"tenant": {"id": TENANT}, "team": {"id": TEAM, "name": "Staff Room"}},
}


def _bold(el: dict[str, Any]) -> bool:
    inlines = el.get("inlines") or [{}]
    return is_text(el) and inlines[0].get("weight") == "Bolder"


def _is_buttons(el: dict[str, Any]) -> bool:
    return el.get("type") == "ActionSet" or "selectAction" in el


def _buttons_of(el: dict[str, Any]) -> list[dict[str, Any]]:
    return list(el["actions"]) if el.get("type") == "ActionSet" else [el["selectAction"]]


def read_card(card: dict[str, Any]) -> dict[str, Any]:
    """Title, verdict, text, follow-up question, quoted policy words and buttons of a card.

    The text is every text block and fact table between the title and the quoted policy
    words (or the first heading or button), one line each; an urgency banner is skipped. The
    follow-up question is the heading over the buttons that answer it (``qa.fact``)."""
    body = [
        el
        for el in card["body"]
        if not (el.get("type") == "Container" and el.get("style") in {"attention", "warning"})
    ]
    first = text_of(body[0]) if body and is_text(body[0]) else ""
    verdict = VERDICTS.get(first)
    title = first if verdict is None and body and _bold(body[0]) else None
    start = 1 if verdict or title else 0
    lines: list[str] = []
    citations: list[tuple[str, str]] = []
    question = None
    headings: list[str] = []
    ended = False
    for index, el in enumerate(body[start:], start=start):
        following = body[index + 1] if index + 1 < len(body) else {}
        if _bold(el) and _is_buttons(following):
            ended = True
            headings.append(text_of(el))
            if _buttons_of(following)[0]["data"]["pb"]["action"] == "qa.fact":
                question = text_of(el)
        elif (
            el.get("type") == "Container"
            and el.get("style") == "emphasis"
            and "selectAction" not in el
        ):
            ended = True
            items = [i for i in el["items"] if text_of(i) != CITATIONS_HEADING]
            for section, words in zip(items[::2], items[1::2], strict=True):
                assert section["inlines"][0].get("isSubtle"), section
                citations.append((text_of(section), unquote(text_of(words))))
        elif _is_buttons(el) or str(el.get("type", "")).startswith("Input."):
            ended = True
        elif not ended:
            words = "\n".join(texts([el]))
            if words:
                lines.append(words)
    return {
        "title": title,
        "verdict": verdict,
        "text": "\n".join(lines),
        "question": question,
        "headings": headings,
        "citations": citations,
        "buttons": card_buttons(card),
    }


def _inputs(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for el in elements:
        if str(el.get("type", "")).startswith("Input."):
            found.append(el)
        found.extend(_inputs(el.get("items", [])))
    return found


def _fill(card: dict[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Input values as Teams sends them for ``answers`` (choices picked by their title)."""
    values: dict[str, Any] = {}
    for el in _inputs(card["body"]):
        answer = answers.get(el["id"])
        if answer is None or answer == "":
            continue
        if el["type"] == "Input.ChoiceSet":
            by_title = {c["title"]: c["value"] for c in el["choices"]}
            picked = answer if isinstance(answer, list) else [answer]
            values[el["id"]] = ",".join(by_title[label] for label in picked)
        else:
            values[el["id"]] = answer
    return values


def _button(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = next((a for a in card_buttons(card) if a["title"] == title), None)
    assert found is not None, f"no button {title!r} on {[a['title'] for a in card_buttons(card)]}"
    return found


class TeamsDriver:
    """Drives the Teams endpoint as several people, each in a 1:1 chat with the bot."""

    platform = "teams"

    def __init__(
        self,
        client: TestClient[Any, Any],
        connector: FakeConnector,
        worker: OutboxWorker,
        people: Mapping[str, Person],
        bot: PolicyBot,
    ) -> None:
        self.client = client
        self.connector = connector
        self.worker = worker
        self.people = people
        self.bot = bot
        #: person -> cards shown to them, oldest first: (card id, card, where it is)
        self._cards: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {}
        self._by_conversation = {self._conversation(p.id): p.id for p in people.values()}
        self._answers: dict[str, tuple[str, dict[str, Any]]] = {}  # person -> (card id, card)
        self._messages: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self._seen = 0

    def _conversation(self, person: str) -> str:
        return f"a:1on1-{self.people[person].teams}"

    def _new(self) -> list[Call]:
        calls = self.connector.calls[self._seen :]
        self._seen = len(self.connector.calls)
        assert not self.connector.refused
        return calls

    async def _post(self, person: str, **kw: Any) -> list[Call]:
        """One activity from ``person``; the connector calls the bot made for it."""
        self._new()
        p = self.people[person]
        body = activity(self.connector.url, aad=p.teams, name=p.name, **kw)
        response = await self.client.post("/api/messages", json=body)
        assert response.status in (200, 202), await response.text()
        return self._new()

    async def install(self) -> None:
        """The app is installed for everyone (Teams sends each a conversationUpdate)."""
        for person in self.people:
            await self._post(person, kind="conversationUpdate", membersAdded=[{"id": BOT_ID}])

    async def _press(
        self,
        person: str,
        button: dict[str, Any],
        card_id: str | None,
        where: dict[str, Any] | None = None,
        /,
        **inputs: Any,
    ) -> list[Call]:
        """Press ``button`` on a card (in the team's channel with ``where``)."""
        value = {**button["data"], **inputs}
        return await self._post(person, value=value, reply_to_id=card_id, **(where or {}))

    @staticmethod
    def _text(calls: list[Call]) -> str:
        return "\n".join(read_card(c.card)["text"] if c.card else c.text for c in calls)

    # -- policy Q&A -------------------------------------------------------------------------
    def _answer(self, person: str, call: Call, card_id: str) -> Observation:
        assert call.card is not None, call.body
        shown = read_card(call.card)
        self._answers[person] = (card_id, call.card)
        return answer_observation(
            verdict=shown["verdict"],
            answer=shown["text"],
            question=shown["question"],
            choices=[b["title"] for b in shown["buttons"]],
            citations=shown["citations"],
            headings=shown["headings"],
        )

    async def ask(self, person: str, text: str) -> Observation:
        (call,) = await self._post(person, text=text)
        assert call.created_id is not None
        return self._answer(person, call, call.created_id)

    async def choose(self, person: str, label: str) -> Observation:
        card_id, card = self._answers[person]
        (call,) = await self._press(person, _button(card, label), card_id)
        assert call.method == "PUT" and call.activity_id == card_id  # updated in place
        return self._answer(person, call, card_id)

    # -- reporting --------------------------------------------------------------------------
    async def report(self, person: str, answers: Mapping[str, Any]) -> Observation:
        (form,) = await self._post(person, text="report")
        card_id, card = form.created_id, form.card
        assert card is not None
        for _ in range(4):
            calls = await self._press(
                person, _button(card, "Continue"), card_id, **_fill(card, answers)
            )
            # safeguarding guidance that has just come to apply arrives as its own message
            (update,) = [c for c in calls if c.method == "PUT"]
            assert all(c.card is not None for c in calls)
            assert update.card is not None and update.activity_id == card_id
            card = update.card
            if not any(a["title"] == "Continue" for a in card.get("actions", [])):
                break
        else:
            raise AssertionError("the form never reached the confirmation step")
        confirmation = read_card(card)["text"]
        (receipt,) = await self._press(person, _button(card, "Send report"), card_id)
        assert receipt.card is not None and receipt.activity_id == card_id
        text = read_card(receipt.card)["text"]
        return report_observation(confirmation, text, prompt_for="form")

    # -- notifications ----------------------------------------------------------------------
    async def deliver(self) -> Observation:
        self._new()
        await run_due(self.bot)
        while await self.worker.run_once():
            pass
        received: dict[str, list[Observation]] = {}
        for call in self._new():
            assert call.card is not None and call.conversation_id is not None, call.body
            person = self._by_conversation[call.conversation_id]
            shown = read_card(call.card)
            card_id = call.activity_id if call.method == "PUT" else call.created_id
            assert card_id is not None
            for ref in set(REFERENCE.findall(shown["text"])):
                self._messages[(person, ref)] = (card_id, call.card)
            self._cards.setdefault(person, []).append((card_id, call.card, {}))
            received.setdefault(person, []).append(
                {
                    "title": norm(shown["title"]),
                    "update": call.method == "PUT",
                    "text": norm(shown["text"]),
                    "choices": [b["title"] for b in shown["buttons"]],
                }
            )
        return {"received": dict(sorted(received.items()))}

    # -- incidents --------------------------------------------------------------------------
    async def act(self, person: str, reference: str, action: str, text: str | None) -> Observation:
        card_id, card = self._messages.get((person, reference), ("", {}))
        button = next(
            (
                b
                for b in card.get("actions", [])
                if b["data"]["pb"]["action"] == f"incident.{action}"
            ),
            None,
        )
        if not card.get("actions"):  # no card with incident buttons (reporter, stranger)
            words = " ".join(filter(None, [VERBS[action], reference, text]))
            return {"reply": norm(self._text(await self._post(person, text=words)))}
        # a handler presses the button on the card they received
        assert button is not None, f"{person}'s card on {reference} lacks {action}"
        calls = await self._press(person, button, card_id)
        asks = [c for c in calls if c.card and _inputs(c.card["body"])]
        if asks:  # note / close: a card asks for the words
            ask = asks[-1]
            assert ask.card is not None
            field = _inputs(ask.card["body"])[0]["id"]
            calls = await self._press(
                person, ask.card["actions"][0], ask.created_id, **{field: text or ""}
            )
        return {"reply": norm(self._text(calls))}

    async def status(self, person: str, which: str) -> Observation:
        shown = self._text(await self._post(person, text=COMMANDS[which]))
        return {"states": listed_states(shown), "text": norm(shown)}

    # -- commands, forms and buttons ----------------------------------------------------------
    def _observe(self, person: str, calls: list[Call]) -> Observation:
        """What ``person`` was shown: each card's words and buttons (cards kept for
        :meth:`press` and :meth:`form`)."""
        texts: list[str] = []
        choices: list[str] = []
        for call in calls:
            if call.card is None:
                texts.append(call.text)
                continue
            shown = read_card(call.card)
            texts.append(shown["text"])
            choices.extend(b["title"] for b in shown["buttons"])
            card_id = call.activity_id if call.method == "PUT" else call.created_id
            assert card_id is not None
            in_team = (call.conversation_id or "").startswith(TEAM)
            self._cards.setdefault(person, []).append(
                (card_id, call.card, IN_TEAM if in_team else {})
            )
        return {"reply": norm("\n".join(texts)), "choices": choices}

    async def command(self, person: str, text: str, place: str | None = None) -> Observation:
        if place is None:
            return self._observe(person, await self._post(person, text=text))
        assert place == "staff-channel", place
        calls = await self._post(person, text=f"<at>policybot</at> {text}", **IN_TEAM)
        return self._observe(person, calls)

    async def press(self, person: str, label: str) -> Observation:
        for card_id, card, where in reversed(self._cards.get(person, [])):
            found = next((b for b in card_buttons(card) if b.get("title") == label), None)
            if found is not None:
                return self._observe(person, await self._press(person, found, card_id, where))
        raise AssertionError(f"no card shown to {person} has a button {label!r}")

    async def form(self, person: str, answers: Mapping[str, Any]) -> Observation:
        shown = self._cards.get(person, [])
        assert shown and _inputs(shown[-1][1]["body"]), f"no form shown to {person}"
        card_id, card, where = shown[-1]
        inputs = _inputs(card["body"])
        by_label = {el["label"]: el for el in inputs if el.get("label")}
        unknown = [label for label in answers if label not in by_label]
        assert not unknown, f"no field {unknown} in {list(by_label)}"
        values = {el["id"]: el["value"] for el in inputs if el.get("value")}  # as shown
        values.update(_fill(card, {by_label[k]["id"]: v for k, v in answers.items()}))
        submit = card_buttons(card)[0]  # the button that sends the form
        calls = await self._press(person, submit, card_id, where, **values)
        intro = norm(read_card(card)["text"])
        return {"intro": intro, "fields": list(by_label), **self._observe(person, calls)}

    async def wait(self, delta: Mapping[str, float]) -> Observation:
        advance(self.bot, delta)
        return {}

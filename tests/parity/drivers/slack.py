"""The Slack driver: signed requests into the real server (``/policy``, button presses,
modal submissions), Block Kit read back from what the fake Slack Web API and the response
URLs received; notifications go through the outbox worker and the real ``SlackNotifier``."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from adapters.slack.runtime import SlackRuntime
from bot.delivery.worker import OutboxWorker
from tests.parity.base import COMMANDS, VERBS, Person, advance, run_due
from tests.parity.text import (
    REFERENCE,
    Observation,
    answer_observation,
    listed_states,
    norm,
    report_observation,
)
from tests.slack.conftest import SlackClient
from tests.slack.fake_slack import Call, FakeSlack

#: the verdict line Slack shows (section text) -> verdict
VERDICTS = {
    ":white_check_mark: *Allowed*": "allowed",
    ":no_entry: *Not allowed*": "not_allowed",
    ":grey_question: *It depends*": "conditional",
    ":information_source: *Information*": "information",
    ":mag: *Not covered by the policy*": "no_match",
}
CITATIONS_HEADING = "*What the policy says*"
CHANNEL = "C0STAFF01"  # where people type /policy
SHOWN = ("respond", "chat.postMessage", "chat.postEphemeral", "views.open", "views.update")
#: calls that show a person a message (new, or updated in place)
MESSAGES = ("respond", "chat.postMessage", "chat.postEphemeral", "chat.update")


def read_blocks(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Title, verdict, text, quoted policy words and buttons of a Block Kit message/view,
    and ``groups``: each run of buttons with the bold heading right above it (or None)."""
    title = None
    verdict = None
    text: list[str] = []
    quotes: list[str] = []
    sections: list[str] = []
    buttons: list[dict[str, Any]] = []
    groups: list[tuple[str | None, list[dict[str, Any]]]] = []
    heading: str | None = None
    for index, block in enumerate(blocks):
        kind = block["type"]
        after = blocks[index + 1]["type"] if index + 1 < len(blocks) else None
        if kind == "header":
            title = block["text"]["text"]
        elif kind == "section":
            words = block["text"]["text"]
            if words in VERDICTS:
                verdict = VERDICTS[words]
            elif words == CITATIONS_HEADING:
                continue
            elif words.startswith("&gt;"):
                quotes.append(
                    html.unescape("\n".join(line[4:].lstrip() for line in words.splitlines()))
                )
            elif after == "actions" and len(words) > 2 and words[0] == words[-1] == "*":
                heading = html.unescape(words[1:-1])
            else:
                text.append(html.unescape(words))
        elif kind == "context":
            for el in block["elements"]:
                if el["text"].startswith("Policy: _"):
                    sections.append(html.unescape(el["text"][len("Policy: _") : -1]))
        elif kind == "actions":
            buttons.extend(block["elements"])
            groups.append((heading, list(block["elements"])))
            heading = None
    return {
        "title": title,
        "verdict": verdict,
        "text": "\n".join(text),
        "citations": list(zip(sections, quotes, strict=True)),
        "buttons": buttons,
        "groups": groups,
    }


def dm_channel(user_id: str) -> str:
    """The DM channel id the fake Slack opens for ``user_id``."""
    return "D" + user_id[1:]


def _label(button: dict[str, Any]) -> str:
    return str(button["text"]["text"])


def _blocks(call: Call) -> list[dict[str, Any]]:
    if call.method.startswith("views."):
        return list(call.args["view"]["blocks"])
    return list(call.args.get("blocks") or [])


class SlackDriver:
    """Drives the Slack app over HTTP as several people."""

    platform = "slack"

    def __init__(
        self,
        client: SlackClient,
        fake: FakeSlack,
        runtime: SlackRuntime,
        worker: OutboxWorker,
        people: Mapping[str, Person],
    ) -> None:
        self.client = client
        self.fake = fake
        self.runtime = runtime
        self.worker = worker
        self.people = people
        self._by_channel = {dm_channel(p.slack): p.id for p in people.values()}
        self._answers: dict[str, list[dict[str, Any]]] = {}  # person -> last answer's buttons
        self._messages: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]] = {}
        self._seen = 0
        #: person -> messages shown to them, oldest first: (channel, ephemeral, buttons)
        self._history: dict[str, list[tuple[str, bool, list[dict[str, Any]]]]] = {}
        self._modal: dict[str, dict[str, Any]] = {}  # person -> the modal open for them

    async def _settled(self) -> list[Call]:
        """Wait for the listeners still working after ack; the calls made since last time."""
        await self.runtime.drain()
        calls = self.fake.calls[self._seen :]
        self._seen = len(self.fake.calls)
        failed = [c.method for c in calls if c.method.startswith("failed:")]
        assert not failed, failed
        return calls

    def _shown(self, calls: list[Call]) -> list[Call]:
        return [c for c in calls if c.method in SHOWN]

    def _texts(self, calls: list[Call]) -> str:
        return "\n".join(read_blocks(_blocks(c))["text"] for c in self._shown(calls))

    # -- policy Q&A -------------------------------------------------------------------------
    def _answer(self, person: str, calls: list[Call]) -> Observation:
        (call,) = self._shown(calls)
        assert call.method == "respond", call.method
        shown = read_blocks(call.args["blocks"])
        self._answers[person] = shown["buttons"]
        headed = [(h, group) for h, group in shown["groups"] if h is not None]
        question = next(
            (h for h, group in headed if group[0]["action_id"].startswith("qa.fact#")), None
        )
        return answer_observation(
            verdict=shown["verdict"],
            answer=shown["text"],
            question=question,
            choices=[_label(b) for b in shown["buttons"]],
            citations=shown["citations"],
            headings=[h for h, _group in headed],
        )

    async def _command(self, person: str, text: str) -> list[Call]:
        await self._settled()
        resp = await self.client.command("/policy", text, user=self.people[person].slack)
        assert resp.status == 200
        return await self._settled()

    async def ask(self, person: str, text: str) -> Observation:
        return self._answer(person, await self._command(person, text))

    async def choose(self, person: str, label: str) -> Observation:
        button = next((b for b in self._answers[person] if _label(b) == label), None)
        assert button is not None, f"no button {label!r}"
        await self._settled()
        await self.client.button(
            button["action_id"],
            button["value"],
            user=self.people[person].slack,
            channel=CHANNEL,
            ephemeral=True,
        )
        calls = await self._settled()
        assert calls[-1].args.get("replace_original") is True  # the answer changes in place
        return self._answer(person, calls)

    # -- reporting --------------------------------------------------------------------------
    async def report(self, person: str, answers: Mapping[str, Any]) -> Observation:
        user = self.people[person].slack
        await self._settled()
        await self.client.command("/report", user=user)
        (opened,) = [c for c in await self._settled() if c.method == "views.open"]
        view = opened.args["view"]
        for _ in range(4):
            result = await self.client.interactive_json(_submission(user, view, answers))
            assert result.get("response_action") == "update", result
            view = result["view"]
            if view["callback_id"] == "report.confirm":
                break
        else:
            raise AssertionError("the form never reached the confirmation step")
        confirmation = read_blocks(view["blocks"])["text"]
        sent = await self.client.interactive_json(_submission(user, view, {}))
        assert sent["response_action"] == "update"  # the receipt, once the report is stored
        text = read_blocks(sent["view"]["blocks"])["text"]
        return report_observation(confirmation, text, prompt_for="form")

    # -- notifications ----------------------------------------------------------------------
    async def deliver(self) -> Observation:
        await self._settled()
        await run_due(self.runtime.bot)
        while await self.worker.run_once():
            pass
        received: dict[str, list[Observation]] = {}
        for call in await self._settled():
            if call.method not in {"chat.postMessage", "chat.update"}:
                continue
            person = self._by_channel[call.args["channel"]]
            shown = read_blocks(call.args["blocks"])
            for ref in set(REFERENCE.findall(shown["text"])):
                self._messages[(person, ref)] = (call.args["channel"], shown["buttons"])
            self._history.setdefault(person, []).append(
                (call.args["channel"], False, shown["buttons"])
            )
            received.setdefault(person, []).append(
                {
                    "title": norm(shown["title"]),
                    "update": call.method == "chat.update",
                    "text": norm(shown["text"]),
                    "choices": [_label(b) for b in shown["buttons"]],
                }
            )
        return {"received": dict(sorted(received.items()))}

    # -- incidents --------------------------------------------------------------------------
    async def act(self, person: str, reference: str, action: str, text: str | None) -> Observation:
        user = self.people[person].slack
        channel, buttons = self._messages.get((person, reference), ("", []))
        button = next(
            (b for b in buttons if b["action_id"].split("#")[0] == f"incident.{action}"), None
        )
        if not buttons:  # no message with incident buttons (a reporter, a stranger): typed
            words = " ".join(filter(None, [VERBS[action], reference, text]))
            return {"reply": norm(self._texts(await self._command(person, words)))}
        # a handler presses the button on the message they received
        assert button is not None, f"{person}'s message on {reference} lacks {action}"
        await self._settled()
        await self.client.button(
            button["action_id"],
            button["value"],
            user=user,
            channel=channel,
            message_ts="1764000000.000001",
        )
        calls = await self._settled()
        forms = [
            c
            for c in calls
            if c.method == "views.open" and c.args["view"]["callback_id"] == "action.form"
        ]
        if forms:  # note / close: a modal asks for the words
            view = forms[-1].args["view"]
            field = next(b["block_id"] for b in view["blocks"] if b["type"] == "input")
            await self.client.interactive(_submission(user, view, {field: text or ""}))
            calls = await self._settled()
        return {"reply": norm(self._texts(calls))}

    async def status(self, person: str, which: str) -> Observation:
        shown = self._texts(await self._command(person, COMMANDS[which]))
        return {"states": listed_states(shown), "text": norm(shown)}

    # -- commands, forms and buttons ----------------------------------------------------------
    def _observe(self, person: str, calls: list[Call], channel: str) -> Observation:
        """What ``person`` was shown: a modal opened for them (its intro and its submit
        button; kept for :meth:`form`), or messages (their words and buttons)."""
        opened = [c for c in calls if c.method == "views.open"]
        if opened:
            view = opened[-1].args["view"]
            self._modal[person] = view
            return {
                "reply": norm(read_blocks(view["blocks"])["text"]),
                "choices": [view["submit"]["text"]] if view.get("submit") else [],
            }
        texts: list[str] = []
        choices: list[str] = []
        for call in calls:
            if call.method not in MESSAGES:
                continue
            shown = read_blocks(_blocks(call))
            texts.append(shown["text"])
            choices.extend(_label(b) for b in shown["buttons"])
            where = call.args.get("channel") or channel
            ephemeral = call.method == "chat.postEphemeral" or (
                call.method == "respond" and call.args.get("response_type") == "ephemeral"
            )
            self._history.setdefault(person, []).append((where, ephemeral, shown["buttons"]))
        return {"reply": norm("\n".join(texts)), "choices": choices}

    async def command(self, person: str, text: str, place: str | None = None) -> Observation:
        user = self.people[person].slack
        channel = CHANNEL if place == "staff-channel" else dm_channel(user)
        assert place in {None, "staff-channel"}, place
        await self._settled()
        resp = await self.client.command("/policy", text, user=user, channel=channel)
        assert resp.status == 200
        return self._observe(person, await self._settled(), channel)

    async def _press(self, person: str, label: str, *, first: bool = False) -> list[Call]:
        """Press ``label`` (or, with ``first``, the first button) on the latest message
        shown to ``person`` that has it."""
        user = self.people[person].slack
        found = None
        for channel, ephemeral, buttons in reversed(self._history.get(person, [])):
            button = buttons[0] if first and buttons else None
            button = button or next((b for b in buttons if _label(b) == label), None)
            if button is not None:
                found = (channel, ephemeral, button)
                break
        assert found is not None, f"no message shown to {person} has a button {label!r}"
        channel, ephemeral, button = found
        await self._settled()
        self._modal.pop(person, None)
        resp = await self.client.button(
            button["action_id"],
            button["value"],
            user=user,
            channel=channel,
            message_ts="1764000000.000001",
            ephemeral=ephemeral,
        )
        assert resp.status == 200
        return await self._settled()

    async def press(self, person: str, label: str) -> Observation:
        return self._observe(person, await self._press(person, label), "")

    async def form(self, person: str, answers: Mapping[str, Any]) -> Observation:
        user = self.people[person].slack
        if person not in self._modal:  # the form is a button away (a modal needs a click)
            self._observe(person, await self._press(person, "", first=True), "")
        assert person in self._modal, f"no form opened for {person}"
        view = self._modal.pop(person)
        intro = norm(read_blocks(view["blocks"])["text"])
        inputs = [b for b in view["blocks"] if b["type"] == "input"]
        by_label = {b["label"]["text"]: b["block_id"] for b in inputs}
        unknown = [label for label in answers if label not in by_label]
        assert not unknown, f"no field {unknown} in {list(by_label)}"
        named = {by_label[label]: value for label, value in answers.items()}
        result = await self.client.interactive_json(_submission(user, view, named, keep=True))
        assert result.get("response_action") != "errors", result
        obs = self._observe(person, await self._settled(), "")
        return {"intro": intro, "fields": list(by_label), **obs}

    async def wait(self, delta: Mapping[str, float]) -> Observation:
        advance(self.runtime.bot, delta)
        return {}


def _state(
    view: dict[str, Any], answers: Mapping[str, Any], *, keep: bool = False
) -> dict[str, Any]:
    """``view.state.values`` for ``answers`` (options picked by their label)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        el = block["element"]
        answer = answers.get(block["block_id"])
        by_label = {o["text"]["text"]: o for o in el.get("options", [])}
        if keep and block["block_id"] not in answers:  # what the form shows is sent
            answer = _shown_value(el)
        state: dict[str, Any] = {"type": el["type"]}
        if el["type"] in {"plain_text_input", "url_text_input"}:
            state["value"] = answer or None
        elif el["type"] == "datepicker":
            state["selected_date"] = answer
        elif el["type"] in {"radio_buttons", "static_select"}:
            state["selected_option"] = by_label[answer] if answer else None
        else:
            state["selected_options"] = [by_label[label] for label in answer or []]
        values[block["block_id"]] = {el["action_id"]: state}
    return values


def _shown_value(element: dict[str, Any]) -> Any:
    """The answer an element shows before anyone changes it (its initial value), by label."""
    if "initial_option" in element:
        return element["initial_option"]["text"]["text"]
    if "initial_options" in element:
        return [o["text"]["text"] for o in element["initial_options"]]
    return element.get("initial_value") or element.get("initial_date")


def _submission(
    user: str, view: dict[str, Any], answers: Mapping[str, Any], *, keep: bool = False
) -> dict[str, Any]:
    """A view submission of ``view`` with ``answers``; ``keep``: fields not answered send
    what the form shows."""
    state = {"values": _state(view, answers, keep=keep)}
    return {
        "type": "view_submission",
        "user": {"id": user, "username": "someone"},
        "trigger_id": "1337.50.trigger",
        "view": {**view, "id": "V0FAKE", "hash": "h1", "state": state},
    }

"""Load the scenarios, run one on a driver (a transcript of observations), check the
transcript against the scenario's expectations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.parity.base import Driver
from tests.parity.text import Observation, norm

SCENARIOS_FILE = Path(__file__).with_name("scenarios.yaml")
POLICY_FILE = Path(__file__).resolve().parents[2] / "policy_kb" / "social-media-policy.txt"
STEP_KINDS = (
    "ask",
    "choose",
    "report",
    "deliver",
    "act",
    "status",
    "command",
    "form",
    "press",
    "wait",
)
DEFAULT_PERSON = "tcooper"
REFERENCE_FORMAT = re.compile(r"^SM-\d{4}-\d{4}$")


@dataclass(frozen=True)
class Step:
    """One scripted step."""

    kind: str
    arg: Any
    person: str
    text: str | None
    expect: dict[str, Any]
    skip_on: dict[str, str]
    place: str | None = None  # ``in:`` where a command is typed (None: the private chat)

    @property
    def label(self) -> str:
        """``ask 'text' as tcooper`` — for messages."""
        if self.kind == "deliver":
            return "deliver"
        if self.kind in {"report", "form"}:
            return f"{self.kind} as {self.person}"
        if self.kind == "wait":
            return f"wait {self.arg}"
        return f"{self.kind} {self.arg!r} as {self.person}"


@dataclass(frozen=True)
class Scenario:
    """A named list of steps."""

    id: str
    description: str
    steps: list[Step] = field(default_factory=list)


def load_scenarios(path: Path = SCENARIOS_FILE) -> list[Scenario]:
    """Parse ``scenarios.yaml`` (strictly: an unknown key is an error)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for raw in data["scenarios"]:
        steps = []
        for item in raw["steps"]:
            kinds = [k for k in STEP_KINDS if k in item]
            assert len(kinds) == 1, f"{raw['id']}: a step needs one of {STEP_KINDS}: {item}"
            unknown = set(item) - {kinds[0], "as", "text", "in", "expect", "skip_on"}
            assert not unknown, f"{raw['id']}: unknown step keys {unknown}"
            steps.append(
                Step(
                    kind=kinds[0],
                    arg=item[kinds[0]],
                    person=item.get("as", DEFAULT_PERSON),
                    text=item.get("text"),
                    expect=dict(item.get("expect") or {}),
                    skip_on=dict(item.get("skip_on") or {}),
                    place=item.get("in"),
                )
            )
        out.append(Scenario(raw["id"], " ".join(str(raw["description"]).split()), steps))
    ids = [s.id for s in out]
    assert len(ids) == len(set(ids)), "scenario ids must be unique"
    return out


async def run(driver: Driver, scenario: Scenario) -> list[Observation]:
    """Play ``scenario`` on ``driver``; one observation per step (None for a skipped step)."""
    transcript: list[Observation] = []
    reference = ""
    for step in scenario.steps:
        if driver.platform in step.skip_on:
            transcript.append({"step": step.label, "skipped": step.skip_on[driver.platform]})
            continue
        obs: Observation
        if step.kind == "ask":
            obs = await driver.ask(step.person, step.arg)
        elif step.kind == "choose":
            obs = await driver.choose(step.person, step.arg)
        elif step.kind == "report":
            obs = await driver.report(step.person, step.arg)
            reference = obs["reference"] or ""
        elif step.kind == "deliver":
            obs = await driver.deliver()
        elif step.kind == "act":
            assert reference, f"{step.label}: no report made yet"
            obs = await driver.act(step.person, reference, step.arg, step.text)
        elif step.kind == "status":
            obs = await driver.status(step.person, step.arg)
        elif step.kind == "command":
            obs = await driver.command(step.person, step.arg, step.place)
        elif step.kind == "form":
            obs = await driver.form(step.person, step.arg)
        elif step.kind == "press":
            obs = await driver.press(step.person, step.arg)
        else:
            obs = await driver.wait(step.arg)
        transcript.append({"step": step.label, **obs})
    return transcript


def _fill(value: Any, reference: str) -> Any:
    """``value`` with ``{ref}`` replaced in every string (keys too)."""
    if isinstance(value, str):
        return value.replace("{ref}", reference)
    if isinstance(value, list):
        return [_fill(v, reference) for v in value]
    if isinstance(value, dict):
        return {_fill(k, reference): _fill(v, reference) for k, v in value.items()}
    return value


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def check(scenario: Scenario, transcript: list[Observation]) -> list[str]:
    """Every expectation the transcript does not meet, as readable lines."""
    problems: list[str] = []
    reference = next((o["reference"] for o in transcript if o.get("reference")), "") or ""
    policy = norm(POLICY_FILE.read_text(encoding="utf-8"))
    for step, obs in zip(scenario.steps, transcript, strict=True):
        if "skipped" in obs:
            continue
        for _section, words in obs.get("citations", []):  # quoted words are the policy's own
            if words not in policy:
                problems.append(f"{step.label}: not verbatim from the policy: {words!r}")
        for key, want in _fill(step.expect, reference).items():
            problem = _check_one(key, want, obs)
            if problem:
                problems.append(f"{step.label}: {key}: {problem}")
    return problems


def _check_one(key: str, want: Any, obs: Observation) -> str | None:
    if key in {"verdict", "question"}:
        got = obs.get(key)
        want = norm(want) if key == "question" and want else want
        return None if got == want else f"expected {want!r}, got {got!r}"
    if key in {"choices", "headings", "fields"}:
        return None if obs[key] == want else f"expected {want}, got {obs[key]}"
    if key == "choices_include":
        missing = [c for c in want if c not in obs["choices"]]
        return f"{missing} not among {obs['choices']}" if missing else None
    if key == "answer_contains":
        return _contains(obs["answer"], want)
    if key == "citations_include":
        quoted = " | ".join(words for _section, words in obs["citations"])
        return _contains(quoted, want)
    if key == "reference":
        ok = bool(REFERENCE_FORMAT.match(obs.get("reference") or ""))
        return None if ok == bool(want) else f"reference {obs.get('reference')!r}"
    if key == "receipt_contains":
        return _contains(obs["receipt"], want)
    if key == "confirmation_contains":
        return _contains(obs["confirmation"], want)
    if key == "confirmation_excludes":
        return _excludes(obs["confirmation"], want)
    if key == "received":
        got = {p: [m["title"] for m in msgs] for p, msgs in obs["received"].items()}
        wrong = {p: got.get(p) for p, titles in want.items() if got.get(p) != titles}
        return f"expected {want}, got {got}" if wrong else None
    if key == "nothing_for":
        told = [p for p in want if p in obs["received"]]
        return f"{told} received messages" if told else None
    if key == "received_contains":
        for person, fragments in want.items():
            texts = " | ".join(m["text"] for m in obs["received"].get(person, []))
            problem = _contains(texts, fragments)
            if problem:
                return f"{person}: {problem}"
        return None
    if key == "reply_contains":
        return _contains(obs["reply"], want)
    if key == "intro_contains":
        return _contains(obs["intro"], want)
    if key == "received_choices":
        got = {p: [m["choices"] for m in msgs][-1:] for p, msgs in obs["received"].items()}
        wrong = {p: got.get(p) for p, labels in want.items() if got.get(p) != [labels]}
        return f"expected {want} on the last message, got {wrong}" if wrong else None
    if key == "reply_excludes":
        return _excludes(obs["reply"], want)
    if key == "states":
        return None if obs["states"] == want else f"expected {want}, got {obs['states']}"
    return f"unknown expectation {key!r}"


def _contains(text: str, fragments: Any) -> str | None:
    missing = [f for f in _as_list(fragments) if norm(f) not in text]
    return f"{missing} not in {text!r}" if missing else None


def _excludes(text: str, fragments: Any) -> str | None:
    shown = [f for f in _as_list(fragments) if norm(f) in text]
    return f"{shown} shown in {text!r}" if shown else None

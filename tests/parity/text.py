"""Reading what a person was shown, the same way on every platform.

Each driver pulls the words out of its platform's payload (Block Kit, an Adaptive Card,
terminal text); these helpers then turn them into neutral observations: whitespace and line
wrapping do not count (the console wraps at 88 columns), everything else does.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from bot.dialogs import ReportDialog
from bot.dialogs.summary import confirm_prompt
from bot.qa.render import SUGGESTIONS_HEADING

#: a line break the console's wrapping put after a hyphen ("ex-\npupil")
_HYPHEN_BREAK = re.compile(r"(?<=\w-) (?=\w)")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_LISTED = re.compile(r"([A-Z]{2}-\d{4}-\d{3,}) \u2013 [^\u2022]*?: (open|acknowledged|closed) \(")
REFERENCE = re.compile(r"\b[A-Z]{2}-\d{4}-\d{4,}\b")
#: a console line of numbered buttons ("[1] Yes   [2] No")
_BUTTONS = re.compile(r"^\[\d+\] ")

Observation = dict[str, Any]


#: the channel a receipt names ("received it on Slack") is the one thing that differs by platform
_CHANNEL = re.compile(r"\breceived it on (?:Slack|Teams|the console)\b")


#: the staff channel as each platform names it (tests/parity/base.py STAFF_CHANNEL)
_STAFF_CHANNEL = re.compile(r"\bthe (?:Slack channel C0STAFF01|Teams team Staff Room)\b")


def norm(text: str | None) -> str:
    """``text`` with every run of whitespace one space (line wrapping undone), the
    platform a receipt names as "received it on the platform", and the staff channel (a
    Slack channel, a Teams team) as "the staff channel"."""
    text = _HYPHEN_BREAK.sub("", " ".join((text or "").split()))
    text = _STAFF_CHANNEL.sub("the staff channel", text)
    return _CHANNEL.sub("received it on the platform", text)


def paragraphs(text: str) -> list[str]:
    """``text`` split at blank lines (outer blank lines dropped)."""
    return [p for p in _PARAGRAPH.split(text.strip("\n")) if p.strip()]


def answer_observation(
    *,
    verdict: str | None,
    answer: str | None,
    question: str | None,
    choices: list[str],
    citations: list[tuple[str, str]],
    headings: list[str],
) -> Observation:
    """What a policy answer showed: verdict, answer words, follow-up, buttons, quotes, and
    the headings over the buttons (the follow-up question, "Did you mean:")."""
    return {
        "verdict": verdict,
        "answer": norm(answer),
        "question": norm(question) or None,
        "choices": [norm(c) for c in choices],
        "citations": [[norm(section), norm(words)] for section, words in citations],
        "headings": [norm(h) for h in headings],
    }


#: where the confirmation's instructions were, once they are taken out (see below)
CONFIRM_PROMPT = "<how to send, change or cancel>"


def confirm_prompts() -> dict[str, str]:
    """The confirmation step's instruction paragraph by where it is shown: ``form`` (Slack
    modal, Teams card: press the form's buttons) and ``chat`` (type "submit", "change 3")."""
    definition = ReportDialog.load().definition
    return {
        "form": norm(confirm_prompt(definition, form=True)),
        "chat": norm(confirm_prompt(definition)),
    }


def report_observation(confirmation: str, receipt: str, *, prompt_for: str) -> Observation:
    """What sending a report showed: the summary before sending, then the receipt and the
    reference it gives.

    The summary's last paragraph, the instructions, legitimately differs: a form (Slack,
    Teams; ``prompt_for="form"``) names its own buttons, the console chat (``"chat"``) the
    words to type. It must be exactly the one for ``prompt_for`` and is then replaced by
    :data:`CONFIRM_PROMPT`, so that one line alone is left out of the cross-platform
    comparison; every other word of the summary is still compared."""
    shown = norm(confirmation)
    prompt = confirm_prompts()[prompt_for]
    assert shown.endswith(prompt), f"the {prompt_for} instructions are missing: {shown!r}"
    found = REFERENCE.search(receipt)
    return {
        "confirmation": shown[: -len(prompt)] + CONFIRM_PROMPT,
        "reference": found.group(0) if found else None,
        "receipt": norm(receipt),
    }


def parse_answer_text(text: str) -> dict[str, Any]:
    """The parts of a policy answer as the console shows it (possibly wrapped): verdict
    label, answer, cited ``(section, words)``, and the headings over the numbered buttons;
    the follow-up question is the heading that is not "Did you mean:"."""
    parts = paragraphs(text)
    label = norm(parts[0]).rstrip(".") if parts else ""
    answer = parts[1] if len(parts) > 1 else ""
    question: str | None = None
    citations: list[tuple[str, str]] = []
    headings: list[str] = []
    for part in parts[2:]:
        lines = part.strip("\n").splitlines()
        if lines[0].strip() == "What the policy says:":
            citations = parse_citations(part)
            continue
        heading = " ".join(itertools.takewhile(lambda line: not _BUTTONS.match(line), lines))
        if not heading:
            continue  # buttons with no heading
        headings.append(heading)
        if question is None and norm(heading) != SUGGESTIONS_HEADING:
            question = heading
    return {
        "label": label,
        "answer": answer,
        "question": question,
        "citations": citations,
        "headings": headings,
    }


def parse_citations(part: str) -> list[tuple[str, str]]:
    """``  (Section) “words”`` items under "What the policy says:" (continuations indented)."""
    items: list[list[str]] = []
    for line in part.splitlines()[1:]:
        if re.match(r"^ {2}\(", line):
            items.append([line])
        elif items:
            items[-1].append(line)
    out = []
    for item in items:
        joined = norm(" ".join(item))
        m = re.match(r"^\((.+?)\) \u201c(.*)\u201d$", joined)
        assert m, f"unreadable citation: {joined!r}"
        out.append((m.group(1), m.group(2)))
    return out


def listed_states(text: str) -> dict[str, str]:
    """``{reference: state}`` from a "Your reports" / "Incidents sent to you" listing."""
    return dict(_LISTED.findall(norm(text)))


def unquote(text: str) -> str:
    """Words shown between curly quotes, without them."""
    text = text.strip()
    if text.startswith("\u201c") and text.endswith("\u201d"):
        return text[1:-1]
    return text

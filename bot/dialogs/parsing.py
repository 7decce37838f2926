"""Turning a typed answer, a button value or a form value into a step's normalised value.

Every parser accepts its own normalised output too (so stored answers re-validate), and
raises :class:`InvalidAnswer` with a hint that says specifically what to do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from bot.dialogs.definition import DialogDefinition, Option, Step
from bot.dialogs.errors import InvalidAnswer
from bot.dialogs.when import parse_when

YES_WORDS = frozenset(
    {"yes", "y", "yeah", "yep", "yup", "yea", "ya", "aye", "sure", "ok", "okay", "correct"}
    | {"true", "it is", "they are", "definitely", "i think so", "think so", "affirmative"}
)
NO_WORDS = frozenset(
    {"no", "n", "nope", "nah", "no way", "false", "negative", "not really", "it is not"}
    | {"it isnt", "they are not", "they arent", "i dont think so", "dont think so", "none"}
)
_POLITE = frozenset({"please", "thanks", "thank you", "sorry", "definitely", "i think"})
_FUZZY_CUTOFF = 80
_LINK = re.compile(
    r"(https?://|www\.)\S+"
    r"|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|co\.uk|org\.uk|uk|org|net|io|ly|me|tv|app|gg|be)"
    r"(/\S*)?\b",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces, spaces collapsed."""
    text = str(text).lower().replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def contains_link(text: str) -> bool:
    """Whether the text contains something that looks like a web address."""
    return bool(_LINK.search(text))


def parse_yes_no(raw: Any, defn: DialogDefinition) -> bool:
    """Yes/no from a bool, a word ("y", "yeah", "nope"), the option number, or a close typo."""
    if isinstance(raw, bool):
        return raw
    text = normalise(raw)
    if text in YES_WORDS or text == "1":
        return True
    if text in NO_WORDS or text == "2":
        return False
    first, _, rest = text.partition(" ")
    if rest in _POLITE and (first in YES_WORDS or first in NO_WORDS):
        return first in YES_WORDS
    if len(text) >= 2:
        words = [*YES_WORDS, *NO_WORDS]
        best = process.extractOne(text, words, scorer=fuzz.ratio, score_cutoff=80)
        if best is not None:
            return best[0] in YES_WORDS
    raise InvalidAnswer(defn.text("hint_yes_no"))


def match_option(text: str, options: Sequence[Option], cutoff: int) -> Option | None:
    """The option a typed answer means: number, value, label, alias, prefix or close typo."""
    key = normalise(text)
    if not key:
        return None
    if key.isdecimal():  # not isdigit(): "²" is a digit int() cannot read
        index = int(key)
        return options[index - 1] if 1 <= index <= len(options) else None
    for option in options:
        names = {
            normalise(option.value),
            normalise(option.label),
            *(normalise(a) for a in option.aliases),
        }
        if key in names:
            return option
    if len(key) >= 3:
        prefixed = [o for o in options if normalise(o.label).startswith(key)]
        if len(prefixed) == 1:
            return prefixed[0]
        candidates: list[tuple[str, Option]] = []
        for option in options:
            candidates += [(normalise(n), option) for n in (option.label, *option.aliases)]
        scored = process.extract(key, [c[0] for c in candidates], scorer=fuzz.WRatio, limit=5)
        good = [(score, candidates[i][1]) for _, score, i in scored if score >= cutoff]
        if good:
            best_score, best = good[0]
            rivals = [o for s, o in good[1:] if o.value != best.value and best_score - s < 3]
            if not rivals:
                return best
    return None


def parse_choice(raw: Any, step: Step, options: Sequence[Option], defn: DialogDefinition) -> str:
    """One option's value; with ``allow_other`` an unmatched answer is kept as typed."""
    text = " ".join(str(raw).split())
    option = match_option(text, options, _FUZZY_CUTOFF)
    if option is not None:
        return option.value
    if step.allow_other and text and not text.isdigit():
        return parse_text(text, step, defn, reject_links=True)
    raise InvalidAnswer(defn.text("hint_choice"))


def parse_multi(raw: Any, options: Sequence[Option], defn: DialogDefinition) -> list[str]:
    """Several option values from a list or from text such as "1, 3" or "blocked and reported"."""
    if isinstance(raw, list | tuple):
        tokens = [str(t) for t in raw]
    else:
        text = str(raw).strip()
        if re.fullmatch(r"\d+(?:\s*(?:,|;|&|\+|\band\b|\s)\s*\d+)*", text.lower()):
            tokens = re.findall(r"\d+", text)
        else:
            tokens = re.split(r"\s*(?:,|;|&|\+|\band\b|\n)\s*", text, flags=re.IGNORECASE)
    tokens = [t for t in (t.strip() for t in tokens) if t]
    if not tokens:
        raise InvalidAnswer(defn.text("hint_multi_choice"))
    chosen: set[str] = set()
    for token in tokens:
        option = match_option(token, options, _FUZZY_CUTOFF)
        if option is None:
            raise InvalidAnswer(f"I couldn’t match “{token}”. " + defn.text("hint_multi_choice"))
        chosen.add(option.value)
    ordered = [o for o in options if o.value in chosen]
    if len(ordered) > 1:
        ordered = [o for o in ordered if not o.exclusive]
    return [o.value for o in ordered]


def parse_text(raw: Any, step: Step, defn: DialogDefinition, *, reject_links: bool) -> str:
    """Free text within the step's length limits (and without links when refused)."""
    text = str(raw).strip()
    if step.kind != "textarea":
        text = " ".join(text.split())
    if not text:
        raise InvalidAnswer(defn.text("hint_required"))
    if reject_links and contains_link(text):
        raise InvalidAnswer(defn.text("hint_link_refused"))
    if step.min_length and len(text) < step.min_length:
        raise InvalidAnswer(defn.text("hint_too_short", min=step.min_length))
    if step.max_length and len(text) > step.max_length:
        raise InvalidAnswer(defn.text("hint_too_long", max=step.max_length, length=len(text)))
    return text


def parse_url(raw: Any, step: Step, defn: DialogDefinition) -> str:
    """A web address; Slack's ``<url|label>`` wrapping is removed and ``https://`` added."""
    text = str(raw).strip().strip("<>")
    text = text.split("|", 1)[0].strip()
    if not text or " " in text:
        raise InvalidAnswer(defn.text("hint_url"))
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(parts.hostname or ""):
        raise InvalidAnswer(defn.text("hint_url"))
    if step.max_length and len(text) > step.max_length:
        raise InvalidAnswer(defn.text("hint_too_long", max=step.max_length, length=len(text)))
    return text


def parse_answer(
    step: Step,
    raw: Any,
    options: Sequence[Option],
    defn: DialogDefinition,
    today: date,
    *,
    reject_links: bool = False,
) -> Any:
    """Dispatch on the step's kind; returns the normalised value or raises InvalidAnswer."""
    if step.kind == "yes_no":
        return parse_yes_no(raw, defn)
    if step.kind == "choice":
        return parse_choice(raw, step, options, defn)
    if step.kind == "multi_choice":
        return parse_multi(raw, options, defn)
    if step.kind == "url":
        return parse_url(raw, step, defn)
    if step.kind == "date":
        if isinstance(raw, str) and contains_link(raw):
            raise InvalidAnswer(defn.text("hint_when_link"))
        return parse_when(
            str(raw), today, min_length=step.min_length or 1, max_length=step.max_length or 200
        )
    return parse_text(raw, step, defn, reject_links=reject_links)

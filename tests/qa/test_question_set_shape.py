"""Shape of the labelled question sets in tests/data (the truth the Q&A engine is judged by).

These checks keep the sets usable: every item has the agreed keys and values, labels name only
real knowledge-base entry ids, no two sets share a question, and the dev and later sets cover
every entry often enough to measure it.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_kb.loader import DEFAULT_KB, load_kb
from tests.entry_ids import ENTRY_IDS

DATA = Path(__file__).resolve().parents[1] / "data"
DEV = DATA / "questions_dev.yaml"
HELDOUT = DATA / "questions_heldout.yaml"
FRESH = DATA / "questions_fresh.yaml"
#: The sets written later, each apart from the engine and the others: (name, size at least,
#: questions per entry at least, per common entry at least).
INDEPENDENT: list[tuple[str, int, int, int]] = [
    ("fresh", 300, 4, 10),
    ("field", 400, 5, 12),
    ("phone", 400, 5, 12),
    ("situations", 400, 5, 12),
    ("heldout2", 200, 3, 6),
]
SETS = [DEV, HELDOUT, *(DATA / f"questions_{name}.yaml" for name, *_ in INDEPENDENT)]
SET_IDS = ["dev", "heldout", *(name for name, *_ in INDEPENDENT)]
#: the real-phrasing sets (issue 14): three training sets, a held-out set, and near-domain
#: out-of-scope questions (all no_match); smaller, so checked for format and repeats only
REAL_PHRASING = {
    name: DATA / f"questions_{name}.yaml"
    for name in ("real", "real2", "real3", "realheldout", "nearscope")
}
#: the sets that include a very long out-of-scope message (the others have other junk)
LONG_INPUT_SETS = {DEV, HELDOUT, FRESH}


#: Entries staff ask about most; the brief asks for at least 10 dev questions on each.
COMMON_IDS: frozenset[str] = frozenset(
    {
        "inappropriate.friend-pupils",
        "inappropriate.communicating-with-pupils",
        "appropriate.report-pupil-contact",
        "appropriate.report-child-communications",
        "education.photos-consent",
        "inappropriate.disparaging-statements",
        "education.abuse-on-account",
        "education.approval",
        "inappropriate.logos-confidential",
        "appropriate.official-email",
        "scope.who",
        "scope.when-and-devices",
        "objectives.disciplinary",
        "personal.own-children-at-school",
        "appropriate.block-pupils",
        "inappropriate.references",
    }
)

VERDICTS = frozenset({"allowed", "not_allowed", "conditional", "information", "no_match"})
#: Fact names and the values each may take (as in the knowledge base's `facts`).
FACT_VALUES: dict[str, frozenset[str]] = {
    "relation": frozenset({"current_pupil", "ex_pupil"}),
    "under_18": frozenset({"yes", "no"}),
    "parental_consent": frozenset({"yes", "no"}),
    "senior_approval": frozenset({"yes", "no"}),
    "written_permission": frozenset({"yes", "no"}),
    "account_type": frozenset({"personal", "official"}),
}
FOLLOW_UP_FACTS = frozenset(
    {"relation", "under_18", "parental_consent", "senior_approval", "written_permission"}
)
REQUIRED_KEYS = frozenset({"q", "rules", "verdict", "mentions", "facts"})
OPTIONAL_KEYS = frozenset({"follow_up_fact"})


@cache
def kb_ids() -> frozenset[str]:
    """Ids of the bundled knowledge base's entries (a label may name any of them)."""
    return frozenset(entry.id for entry in load_kb(DEFAULT_KB).entries)


def load_items(path: Path) -> list[dict[str, Any]]:
    """Load one question-set file and check it is a YAML list of mappings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{path.name}: expected a YAML list of questions"
    for i, item in enumerate(data):
        assert isinstance(item, dict), f"{path.name}[{i}]: expected a mapping, got {item!r}"
    return data


def normalise(question: str) -> str:
    """Case- and whitespace-insensitive form of a question, for duplicate checks."""
    return " ".join(question.casefold().split())


def item_problems(item: dict[str, Any]) -> list[str]:
    """Every way one labelled question breaks the format (empty list when it is valid)."""
    problems: list[str] = []
    keys = set(item)
    if missing := REQUIRED_KEYS - keys:
        problems.append(f"missing keys {sorted(missing)}")
    if unknown := keys - REQUIRED_KEYS - OPTIONAL_KEYS:
        problems.append(f"unknown keys {sorted(unknown)}")
    if problems:
        return problems

    if not isinstance(item["q"], str):
        problems.append(f"q must be a string, got {type(item['q']).__name__}")
    verdict = item["verdict"]
    if verdict not in VERDICTS:
        problems.append(f"verdict {verdict!r} is not one of {sorted(VERDICTS)}")

    rules = item["rules"]
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        problems.append("rules must be a list of entry ids")
    else:
        if unknown_ids := [r for r in rules if r not in ENTRY_IDS | kb_ids()]:
            problems.append(f"unknown entry ids {unknown_ids}")
        if len(set(rules)) != len(rules):
            problems.append("rules lists an id twice")
        if verdict == "no_match" and rules:
            problems.append("a no_match question must have rules: []")
        if verdict != "no_match" and not 1 <= len(rules) <= 3:
            problems.append("rules must list 1-3 entry ids")

    has_follow_up = "follow_up_fact" in item
    if (verdict == "conditional") != has_follow_up:
        problems.append("follow_up_fact must be present exactly when verdict is conditional")
    if has_follow_up and item["follow_up_fact"] not in FOLLOW_UP_FACTS:
        problems.append(f"follow_up_fact {item['follow_up_fact']!r} is not a known fact")

    mentions = item["mentions"]
    if not isinstance(mentions, list) or not all(isinstance(m, str) and m for m in mentions):
        problems.append("mentions must be a list of non-empty strings")
    elif len(mentions) > 2:
        problems.append("use at most 2 mentions")

    facts = item["facts"]
    if not isinstance(facts, dict):
        problems.append("facts must be a mapping")
    else:
        for name, value in facts.items():
            if value not in FACT_VALUES.get(name, frozenset()):
                problems.append(f"fact {name}={value!r} is not a known fact value")
        if has_follow_up and item["follow_up_fact"] in facts:
            problems.append("follow_up_fact is already supplied in facts")
    return problems


@pytest.fixture(scope="module")
def dev() -> list[dict[str, Any]]:
    """The development question set."""
    return load_items(DEV)


@pytest.fixture(scope="module")
def heldout() -> list[dict[str, Any]]:
    """The held-out question set."""
    return load_items(HELDOUT)


@pytest.mark.parametrize("path", [*SETS, *REAL_PHRASING.values()], ids=[*SET_IDS, *REAL_PHRASING])
def test_every_item_has_the_agreed_format(path: Path) -> None:
    bad = {
        f"{path.name}[{i}] {item.get('q')!r}": problems
        for i, item in enumerate(load_items(path))
        if (problems := item_problems(item))
    }
    assert not bad, bad


def test_format_check_rejects_broken_items() -> None:
    good: dict[str, Any] = {
        "q": "can i add a yr 11 kid on snap",
        "rules": ["inappropriate.friend-pupils"],
        "verdict": "not_allowed",
        "mentions": [],
        "facts": {},
    }
    assert item_problems(good) == []
    broken: list[dict[str, Any]] = [
        {k: v for k, v in good.items() if k != "verdict"},
        good | {"verdict": "maybe"},
        good | {"rules": ["inappropriate.made-up"]},
        good | {"verdict": "conditional"},
        good | {"follow_up_fact": "under_18"},
        good | {"verdict": "no_match"},
        good | {"facts": {"under_18": "perhaps"}},
        good | {"mentions": ["a", "b", "c"]},
        good | {"extra": 1},
    ]
    for item in broken:
        assert item_problems(item), item


def test_sizes(dev: list[dict[str, Any]], heldout: list[dict[str, Any]]) -> None:
    assert len(dev) >= 300
    assert len(heldout) >= 100
    for name, size, *_ in INDEPENDENT:
        assert len(load_items(DATA / f"questions_{name}.yaml")) >= size, name


def test_no_question_repeats_within_or_across_sets() -> None:
    paths = [*SETS, *REAL_PHRASING.values()]
    counts = Counter(normalise(item["q"]) for path in paths for item in load_items(path))
    assert [q for q, n in counts.items() if n > 1] == []


def test_dev_covers_every_entry(dev: list[dict[str, Any]]) -> None:
    counts = Counter(rule for item in dev for rule in item["rules"])
    thin = {i: counts[i] for i in ENTRY_IDS if counts[i] < (10 if i in COMMON_IDS else 4)}
    assert not thin, f"entries with too few dev questions: {thin}"
    assert min(counts[i] for i in ENTRY_IDS) >= 3


@pytest.mark.parametrize(("name", "size", "least", "common"), INDEPENDENT, ids=SET_IDS[2:])
def test_each_independent_set_covers_every_entry(
    name: str, size: int, least: int, common: int
) -> None:
    counts = Counter(
        rule for item in load_items(DATA / f"questions_{name}.yaml") for rule in item["rules"]
    )
    thin = {i: counts[i] for i in kb_ids() if counts[i] < (common if i in COMMON_IDS else least)}
    assert not thin, f"entries with too few {name} questions: {thin}"


@pytest.mark.parametrize("path", SETS, ids=SET_IDS)
def test_every_verdict_and_hard_inputs_are_present(path: Path) -> None:
    items = load_items(path)
    verdicts = Counter(item["verdict"] for item in items)
    assert set(verdicts) == VERDICTS
    assert verdicts["no_match"] >= len(items) // 12
    if path in LONG_INPUT_SETS:
        assert any(len(item["q"]) > 1000 for item in items if item["verdict"] == "no_match")


def test_real_phrasing_sets() -> None:
    """The real-phrasing sets: sizes, every verdict in the two labelled sets, and the
    near-scope set all no_match."""
    real, real2, real3, held, near = (load_items(p) for p in REAL_PHRASING.values())
    assert len(real) >= 100 and len(held) >= 100 and len(near) >= 50
    assert len(real2) >= 150 and len(real3) >= 100
    for items in (real, real2, real3, held):
        assert {item["verdict"] for item in items} == VERDICTS
    assert {item["verdict"] for item in near} == {"no_match"}

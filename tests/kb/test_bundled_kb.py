"""The bundled knowledge base: it loads, quotes the policy verbatim and is complete.

Every answer the bot gives cites an entry's ``text`` as the policy's own words, so these
checks compare each quotation with the policy file itself, and check that the entries the
matcher and the labelled question sets rely on are all present.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import get_args

import pytest

from bot.incidents.types import Category
from policy_kb.loader import DEFAULT_KB, load_kb, policy_text_path
from policy_kb.schema import Entry, KnowledgeBase
from tests.entry_ids import ENTRY_IDS as REQUIRED_IDS

#: Spellings that would make an answer American English rather than British.
AMERICANISMS = re.compile(
    r"\b(color|behavior|organization|organize|authorize|authorization|recognize|criticize|"
    r"center|license|program|favorite|apologize|realize|mom)\b",
    re.IGNORECASE,
)


@cache
def kb() -> KnowledgeBase:
    return load_kb(DEFAULT_KB)


def collapse(text: str) -> str:
    """Collapse every whitespace run to one space (the only difference a quotation may have)."""
    return re.sub(r"\s+", " ", text).strip()


@cache
def policy_text() -> str:
    return collapse(policy_text_path(kb(), DEFAULT_KB).read_text(encoding="utf-8"))


def entries() -> list[Entry]:
    return list(kb().entries)


def all_answers(entry: Entry) -> list[str]:
    """Every reply an entry can give: the default, each branch and the conditional one."""
    texts = [entry.answer, *(b.answer for b in entry.branches)]
    if entry.conditional_answer:
        texts.append(entry.conditional_answer)
    return texts


def test_bundled_kb_loads_from_the_default_path() -> None:
    loaded = load_kb()  # POLICY_KB unset in tests: the bundled file
    assert loaded.policy.title == "Social Media Policy"
    assert loaded.policy.organisation == "SNMAT"
    assert policy_text_path(loaded).is_file()


def test_every_required_entry_is_present() -> None:
    ids = {e.id for e in entries()}
    assert sorted(REQUIRED_IDS - ids) == []


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.id)
def test_text_is_quoted_verbatim_from_the_policy(entry: Entry) -> None:
    assert collapse(entry.text) in policy_text(), (
        f"{entry.id}: text is not the policy's own words: {entry.text!r}"
    )


def test_quotes_keep_the_policy_typography() -> None:
    """The policy's curly quotes and U+2010 hyphens survive in the quotations."""
    friend = kb().entry("inappropriate.friend-pupils").text
    assert "ex\u2010pupil" in friend
    assert "academy\u2010sanctioned" in kb().entry("education.professional-content").text
    assert "Trust\u2019s" in kb().entry("rationale.risks").text
    assert "\u2018day to day\u2019" in kb().entry("roles.headteacher").text


def test_every_row_of_the_appropriate_inappropriate_table_is_an_entry() -> None:
    """Each row of the policy's table (tab-indented lines after the column headings)."""
    raw = policy_text_path(kb(), DEFAULT_KB).read_text(encoding="utf-8")
    table = raw.split("\tInappropriate\n", 1)[1].split("Monitoring Social Media Usage", 1)[0]
    rows = [line.strip() for line in table.splitlines() if line.startswith("\t") and line.strip()]
    assert len(rows) == 18
    quoted = [collapse(e.text) for e in entries()]
    missing = [row for row in rows if not any(collapse(row) in q for q in quoted)]
    assert missing == []


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.id)
def test_entry_has_enough_varied_phrases(entry: Entry) -> None:
    assert 8 <= len(entry.phrases) <= 15, f"{entry.id}: {len(entry.phrases)} phrases"
    assert len({p.lower() for p in entry.phrases}) == len(entry.phrases), "duplicate phrases"
    assert entry.keywords, f"{entry.id}: no keywords"


def test_no_phrase_is_shared_between_entries() -> None:
    counts = Counter(p.lower() for e in entries() for p in e.phrases)
    assert [p for p, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.id)
def test_answers_are_plain_british_english(entry: Entry) -> None:
    for answer in all_answers(entry):
        assert not AMERICANISMS.search(answer), f"{entry.id}: {answer!r}"
        assert len(answer) <= 600, f"{entry.id}: answer too long to read in a chat"
        assert answer[0].isupper() and answer.rstrip()[-1] in ".?", f"{entry.id}: {answer!r}"


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.id)
def test_answers_name_the_people_listed(entry: Entry) -> None:
    """Each role in ``people`` is named in the reply (the policy's own titles)."""
    for person in entry.people:
        variants = (
            {person, "Headteacher/Principal"} if person == "Principal/Headteacher" else {person}
        )
        assert any(v.lower() in entry.answer.lower() for v in variants) or any(
            v.lower() in b.answer.lower() for b in entry.branches for v in variants
        ), f"{entry.id}: answer never names {person!r}"


def test_yes_no_answers_match_their_verdicts() -> None:
    """A reply that opens with "No." is never an allowed verdict, and "Yes." never not_allowed."""
    for entry in entries():
        pairs = [(entry.verdict, entry.answer)] + [(b.verdict, b.answer) for b in entry.branches]
        for verdict, answer in pairs:
            if answer.startswith("No"):
                assert verdict == "not_allowed", f"{entry.id}: {answer!r}"
            if answer.startswith("Yes"):
                assert verdict != "not_allowed", f"{entry.id}: {answer!r}"
        if entry.conditional_answer:
            assert entry.conditional_answer.startswith("It depends"), entry.id


def test_report_categories_are_ones_the_incident_dialog_knows() -> None:
    known = set(get_args(Category)) | {"ask"}
    used = {e.id: e.report_category for e in entries() if e.report_category}
    assert set(used.values()) <= known
    assert used == {
        "roles.report-misuse": "ask",
        "education.abuse-on-account": "academy_account_abuse",
        "appropriate.report-pupil-contact": "contact_from_pupil",
        "appropriate.report-child-communications": "child_communication",
        "appropriate.print-disparaging-content": "disparaging_post",
    }


def test_reporting_entries_are_procedures_naming_who_to_tell() -> None:
    for entry in entries():
        if entry.report_category:
            assert entry.procedure, entry.id
            assert entry.people, entry.id
    dsl = "Designated Safeguarding Lead"
    for entry_id in ("appropriate.report-pupil-contact", "appropriate.report-child-communications"):
        assert kb().entry(entry_id).answer.startswith(f"Report it to the {dsl}.")


def test_every_fact_option_has_patterns() -> None:
    for name, fact in kb().facts.items():
        assert fact.question.endswith("?"), name
        for option in fact.options:
            assert option.patterns, f"fact {name!r}, option {option.value!r} has no patterns"


def test_every_declared_fact_is_used_and_every_used_fact_has_all_branches() -> None:
    used = {f for e in entries() for f in e.facts}
    assert used == set(kb().facts)
    for entry in entries():
        if len(entry.facts) == 1:
            (fact,) = entry.facts
            values = {o.value for o in kb().facts[fact].options}
            assert {b.when[fact] for b in entry.branches} == values, entry.id


def test_related_ids_point_elsewhere() -> None:
    for entry in entries():
        assert entry.id not in entry.related, entry.id
        assert len(set(entry.related)) == len(entry.related), entry.id


def test_synonym_groups_cover_staff_vocabulary_without_overlap() -> None:
    synonyms = kb().synonyms
    assert len(synonyms) >= 40
    owner: dict[str, str] = {}
    for canonical, words in synonyms.items():
        for word in [canonical, *words]:
            key = word.lower()
            assert key not in owner or owner[key] == canonical, (
                f"{word!r} is in both {owner[key]!r} and {canonical!r}"
            )
            owner[key] = canonical
    for word in ("snap", "insta", "fb", "dm", "pics", "head", "dsl", "yr 11", "mum", "slt"):
        assert word in owner, f"no synonym group has {word!r}"

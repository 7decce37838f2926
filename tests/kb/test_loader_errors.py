"""The loader turns a malformed knowledge-base file into one clear error naming where it is.

Each case writes a broken variant of a small valid KB into ``tmp_path`` and checks that
``load_kb`` raises :class:`KnowledgeBaseError` whose message names the file, the entry (by id)
and the field at fault, so a trust editing its own file can find the mistake.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy_kb.loader import KnowledgeBaseError, load_kb

Data = dict[str, Any]


def valid_kb() -> Data:
    """A small, valid knowledge base with one plain entry and one that turns on a fact."""
    return {
        "policy": {
            "title": "Social Media Policy",
            "organisation": "SNMAT",
            "source": "social-media-policy.txt",
            "contact": "the Principal/Headteacher",
        },
        "facts": {
            "relation": {
                "question": "Is this a current pupil or an ex-pupil?",
                "options": [
                    {"label": "Current", "value": "current_pupil", "patterns": [r"\bpupil\b"]},
                    {"label": "Ex-pupil", "value": "ex_pupil", "patterns": [r"\bex\W?pupil\b"]},
                ],
            }
        },
        "synonyms": {"pupil": ["student", "kid"]},
        "entries": [
            {
                "id": "appropriate.block-pupils",
                "section": "Responsible Personal Use of Social Media",
                "topic": "Blocking pupils",
                "verdict": "allowed",
                "text": "Blocking unwanted communication from pupils",
                "answer": "Yes.",
            },
            {
                "id": "inappropriate.friend-pupils",
                "section": "Responsible Personal Use of Social Media",
                "topic": "Friending pupils",
                "verdict": "not_allowed",
                "text": "Accepting any current pupil",
                "answer": "No.",
                "facts": ["relation"],
                "branches": [
                    {
                        "when": {"relation": "current_pupil"},
                        "verdict": "not_allowed",
                        "answer": "No.",
                    },
                    {"when": {"relation": "ex_pupil"}, "verdict": "allowed", "answer": "It can."},
                ],
                "conditional_answer": "It depends.",
                "related": ["appropriate.block-pupils"],
            },
        ],
    }


def write(tmp_path: Path, data: Data) -> Path:
    path = tmp_path / "broken_kb.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def error_for(tmp_path: Path, mutate: Callable[[Data], None]) -> str:
    data = copy.deepcopy(valid_kb())
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_kb(path)
    message = str(caught.value)
    assert str(path) in message, "the message must name the file"
    assert "Traceback" not in message
    return message


def friend(data: Data) -> Data:
    entry: Data = data["entries"][1]
    return entry


def test_the_valid_variant_loads(tmp_path: Path) -> None:
    kb = load_kb(write(tmp_path, valid_kb()))
    assert [e.id for e in kb.entries] == ["appropriate.block-pupils", "inappropriate.friend-pupils"]


def test_unknown_field(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).update(colour="red"))
    assert "entry 'inappropriate.friend-pupils'" in message
    assert "field 'colour'" in message


def test_bad_verdict(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).update(verdict="maybe"))
    assert "entry 'inappropriate.friend-pupils', field 'verdict'" in message
    assert "not_allowed" in message  # says what is allowed


def test_missing_text(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).pop("text"))
    assert "entry 'inappropriate.friend-pupils', field 'text': Field required" in message


def test_branch_naming_a_fact_the_entry_does_not_declare(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d)["branches"][0]["when"].update(age="yes"))
    assert "entry 'inappropriate.friend-pupils'" in message
    assert "branches[0].when" in message and "'age'" in message


def test_entry_fact_not_defined_under_facts(tmp_path: Path) -> None:
    def mutate(d: Data) -> None:
        friend(d)["facts"] = ["relation", "age"]
        friend(d)["branches"][0]["when"]["age"] = "yes"

    message = error_for(tmp_path, mutate)
    assert "entry 'inappropriate.friend-pupils': fact 'age' is not defined" in message


def test_branch_value_that_is_not_an_option(tmp_path: Path) -> None:
    message = error_for(
        tmp_path, lambda d: friend(d)["branches"][1]["when"].update(relation="parent")
    )
    assert "entry 'inappropriate.friend-pupils'" in message
    assert "branches[1].when.relation = 'parent'" in message


def test_duplicate_id(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).update(id="appropriate.block-pupils"))
    assert "duplicate entry ids" in message and "appropriate.block-pupils" in message


def test_invalid_regex(tmp_path: Path) -> None:
    message = error_for(
        tmp_path, lambda d: d["facts"]["relation"]["options"][0]["patterns"].append("(unclosed")
    )
    assert "field 'relation'" in message and "field 'patterns'" in message
    assert "'(unclosed' is not a valid regular expression" in message


def test_bad_report_category(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).update(report_category="gossip"))
    assert "entry 'inappropriate.friend-pupils', field 'report_category'" in message


def test_related_id_that_does_not_exist(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).update(related=["appropriate.nothing"]))
    assert "entry 'inappropriate.friend-pupils'" in message and "appropriate.nothing" in message


def test_facts_without_a_conditional_answer(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).pop("conditional_answer"))
    assert "entry 'inappropriate.friend-pupils'" in message and "conditional_answer" in message


def test_badly_shaped_id(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).update(id="Friend Pupils"))
    assert "field 'id'" in message and "lower-case" in message


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    message = error_for(tmp_path, lambda d: friend(d).pop("id"))
    assert "entry #2, field 'id': Field required" in message


def test_not_yaml_at_all(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("policy: [unclosed\n  entries: {", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="not valid YAML") as caught:
        load_kb(path)
    assert str(path) in str(caught.value)


def test_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="expected a mapping") as caught:
        load_kb(path)
    assert str(path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no_such_kb.yaml"
    with pytest.raises(KnowledgeBaseError, match="cannot read the knowledge base") as caught:
        load_kb(path)
    assert str(path) in str(caught.value)


def test_policy_kb_environment_variable_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, valid_kb())
    monkeypatch.setenv("POLICY_KB", str(path))
    assert len(load_kb().entries) == 2


def _with_examples(tmp_path: Path, examples_text: str | None) -> Path:
    data = copy.deepcopy(valid_kb())
    data["examples_file"] = "examples.yaml"
    if examples_text is not None:
        (tmp_path / "examples.yaml").write_text(examples_text, encoding="utf-8")
    return write(tmp_path, data)


def test_examples_are_attached_to_their_entries(tmp_path: Path) -> None:
    path = _with_examples(tmp_path, "inappropriate.friend-pupils:\n- can i add a yr 9 on snap\n")
    kb = load_kb(path)
    assert kb.entry("inappropriate.friend-pupils").examples == ["can i add a yr 9 on snap"]
    assert kb.entry("appropriate.block-pupils").examples == []


@pytest.mark.parametrize(
    ("examples_text", "expected"),
    [
        (None, "cannot read the examples file"),
        ("no.such-entry:\n- a question\n", "entry 'no.such-entry' is not in the knowledge base"),
        ("inappropriate.friend-pupils: just one string\n", "expected a list of non-empty"),
        ("inappropriate.friend-pupils:\n- ''\n", "expected a list of non-empty"),
        ("- a list\n", "expected a mapping of entry id"),
        ("a: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_examples_file_is_named(
    tmp_path: Path, examples_text: str | None, expected: str
) -> None:
    with pytest.raises(KnowledgeBaseError, match=re.escape(expected)) as caught:
        load_kb(_with_examples(tmp_path, examples_text))
    assert str(tmp_path / "examples.yaml") in str(caught.value)


def test_out_of_scope_examples_go_to_the_scope_gate(tmp_path: Path) -> None:
    """The examples file's ``out-of-scope`` questions teach the scope gate, not an entry."""
    data = copy.deepcopy(valid_kb())
    data["examples_file"] = "examples.yaml"
    data["scope"] = {"terms": ["facebook"]}
    (tmp_path / "examples.yaml").write_text(
        "out-of-scope:\n- when is the next inset day\n", encoding="utf-8"
    )
    kb = load_kb(write(tmp_path, data))
    assert kb.scope is not None and kb.scope.examples == ["when is the next inset day"]
    assert all(e.examples == [] for e in kb.entries)

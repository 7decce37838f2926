"""Schema of a policy knowledge-base file.

A knowledge base is one YAML file: the policy's metadata, the facts an answer may turn on,
synonym groups (the words staff use), and one entry per rule or passage of the policy.
Validation is strict (unknown fields are errors) so a typo in a trust's own file is caught
on load rather than producing a silently wrong answer.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

EntryVerdict = Literal["allowed", "not_allowed", "information"]
BranchVerdict = Literal["allowed", "not_allowed", "information"]
#: Incident categories a policy answer can pre-fill a report with ("ask" = let the dialog ask).
ReportCategory = Literal[
    "contact_from_pupil",
    "child_communication",
    "academy_account_abuse",
    "disparaging_post",
    "confidential_or_brand_misuse",
    "other",
    "ask",
]

_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class FactOption(_Strict):
    """One possible value of a fact, as offered to the user in a follow-up question."""

    label: str = Field(min_length=1)
    value: str = Field(min_length=1)
    patterns: list[str] = Field(
        default_factory=list,
        description="Regexes (case-insensitive) that, found in a question, give this value.",
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return _check_patterns(patterns)


class Fact(_Strict):
    """A fact an answer may depend on, with the question that asks for it."""

    question: str = Field(min_length=1)
    options: list[FactOption] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_values(self) -> Fact:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"option values must be unique, got {values}")
        return self


def _check_patterns(patterns: list[str]) -> list[str]:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"pattern {p!r} is not a valid regular expression: {exc}") from exc
    return patterns


class ScopeGate(_Strict):
    """What makes a question about the policy at all (the out-of-scope gate).

    A question none of whose words is in ``terms`` (any word form, typos corrected) and which
    matches none of ``patterns`` is out of scope: the answer is ``no_match`` however well its
    other words happen to match an entry ("what time does school finish on fridays").
    ``exclude`` patterns are removed from the question first, so "the marking policy" does not
    count as "the policy".
    """

    terms: list[str] = Field(
        min_length=1,
        description="Social-media, online and policy words (single words or short phrases).",
    )
    patterns: list[str] = Field(
        default_factory=list,
        description="Regexes (case-insensitive) that also put a question in scope.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Regexes for look-alike wording about other things, removed before the check.",
    )

    plain_words: list[str] = Field(
        default_factory=list,
        description="Everyday school words that are not misspelt policy words, so the typo "
        "corrector leaves them alone ('inset' is not 'insta').",
    )
    off_topic: list[str] = Field(
        default_factory=list,
        description="Regexes for school-life subjects the policy is silent on (pay and leave, "
        "dress, AI tools, data requests, filming events, phones in class...). A question "
        "matching one is out of scope unless it also matches 'on_topic'.",
    )
    on_topic: list[str] = Field(
        default_factory=list,
        description="Regexes for plain social-media evidence (a platform, posting, a friend "
        "request...) that keeps an 'off_topic' question in scope.",
    )
    examples: list[str] = Field(
        default_factory=list,
        description="Labelled staff questions the policy does not cover (from the KB's "
        "'examples_file', key 'out-of-scope'): the n-gram classifier learns them as one more "
        "class, which the gate weighs against the best entry.",
    )

    @field_validator("patterns", "exclude", "off_topic", "on_topic")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return _check_patterns(patterns)


class Branch(_Strict):
    """The answer when the facts in ``when`` hold."""

    when: dict[str, str] = Field(min_length=1)
    verdict: BranchVerdict
    answer: str = Field(min_length=1)


class AskedAction(_Strict):
    """An action a yes/no question may ask about that the entry's own verdict does not answer
    as asked: "can I just delete it?" (not before it is reported), "is it OK *not* to accept?"
    (yes). When one of ``patterns`` matches the question's ask, ``verdict`` and ``answer``
    replace the entry's (or its fact branch's)."""

    name: str = Field(min_length=1)
    patterns: list[str] = Field(
        min_length=1, description="Regexes searched in the sentence that asks."
    )
    given: list[str] = Field(
        default_factory=list,
        description="Regexes for context, searched in the whole message: when given, one must "
        "match too ('a kid showed me a nude. can I forward it?').",
    )
    verdict: BranchVerdict
    answer: str = Field(min_length=1)

    @field_validator("patterns", "given")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return _check_patterns(patterns)


class Notice(_Strict):
    """Safety text every answer carries when the question touches its subject (e.g. sexual
    images of a child: do not view, save, copy or forward them)."""

    name: str = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)
    text: str = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        return _check_patterns(patterns)


class Entry(_Strict):
    """One rule or passage of the policy and how the bot answers about it."""

    id: str
    section: str = Field(min_length=1)
    topic: str = Field(min_length=1, description="Short title, shown in 'did you mean' lists.")
    verdict: EntryVerdict
    text: str = Field(min_length=1, description="The policy's own words, verbatim.")
    answer: str = Field(min_length=1, description="Plain-English reply, British English.")
    procedure: bool = Field(
        default=False,
        description="A thing staff should do: 'who/what/how' questions get an information verdict.",
    )
    facts: list[str] = Field(default_factory=list)
    ask_facts: bool = Field(
        default=True,
        description="Ask for a missing fact (conditional). False: a missing fact means the "
        "default verdict and answer; a fact given in the question still picks its branch.",
    )
    branches: list[Branch] = Field(default_factory=list)
    conditional_answer: str | None = Field(
        default=None, description="Reply while a fact is unknown: states each branch briefly."
    )
    people: list[str] = Field(default_factory=list, description="Roles the answer names.")
    keywords: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list, description="How staff ask about it.")
    examples: list[str] = Field(
        default_factory=list,
        description="Labelled staff questions answered by this entry (from the KB's "
        "'examples_file'); matched like phrases.",
    )
    related: list[str] = Field(default_factory=list)
    requires: list[list[str]] = Field(
        default_factory=list,
        description="Frame groups the question should show, e.g. [[pupil, child], [message]]: "
        "each group is any-of, all groups are needed. Met: the entry is boosted; unmet: "
        "it is held back (see 'frames').",
    )
    avoid: list[str] = Field(
        default_factory=list,
        description="Frames that point away from this entry (e.g. 'report' for a rule about "
        "doing something): present in the question, the entry is held back.",
    )
    ruled_out_by: list[str] = Field(
        default_factory=list,
        description="Frames that rule this entry out: present in the question, the entry is "
        "not offered at all (e.g. the person is a parent or a colleague, not a pupil).",
    )
    report_category: ReportCategory | None = Field(
        default=None, description="Set where the answer calls for reporting: pre-fills a report."
    )
    asks: list[AskedAction] = Field(
        default_factory=list,
        description="Actions a yes/no question may ask about that need their own verdict and "
        "headline (negations, 'can I just...' where a step comes first).",
    )

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                "must be lower-case words joined by '.' or '-', e.g. 'inappropriate.friend-pupils'"
            )
        return value

    @model_validator(mode="after")
    def _branches_need_facts(self) -> Entry:
        if self.branches and not self.facts:
            raise ValueError("'branches' given but 'facts' is empty")
        if self.facts and not self.branches:
            raise ValueError("'facts' given but there are no 'branches'")
        if self.facts and self.ask_facts and not self.conditional_answer:
            raise ValueError("an entry with 'facts' needs a 'conditional_answer'")
        for i, branch in enumerate(self.branches):
            unknown = set(branch.when) - set(self.facts)
            if unknown:
                raise ValueError(
                    f"branches[{i}].when names facts not in 'facts': {sorted(unknown)}"
                )
        return self


class PolicyInfo(_Strict):
    """Metadata of the policy the knowledge base was built from."""

    title: str
    organisation: str
    source: str = Field(description="Path of the policy text, relative to the KB file.")
    contact: str = Field(description="Who to ask when the policy does not cover a question.")
    version: str = Field(
        default="1",
        max_length=64,
        description="The policy version this KB states; staff confirm they have read and "
        "understood each version (a new version can start a new campaign).",
    )
    url: str | None = Field(
        default=None, description="Where staff can read the whole policy (a web link)."
    )
    dated: str | None = Field(
        default=None,
        description="The date of the policy text (when the trust last adopted or reviewed "
        "it), shown in the annual review pack.",
    )


class KnowledgeBase(_Strict):
    """A whole knowledge-base file."""

    policy: PolicyInfo
    facts: dict[str, Fact] = Field(default_factory=dict)
    synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="Canonical word -> the words staff use for it."
    )
    scope: ScopeGate | None = Field(
        default=None, description="The out-of-scope gate; without it every question is in scope."
    )
    frames: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Named question frames (who / what action), each a list of regexes "
        "searched in the question (case-insensitive, typos corrected). Entries refer to them "
        "in 'requires' and 'avoid'.",
    )
    examples_file: str | None = Field(
        default=None,
        description="YAML file (relative to the KB file) mapping entry id -> labelled staff "
        "questions that entry answers; they teach the matcher how staff word things.",
    )
    notices: list[Notice] = Field(
        default_factory=list,
        description="Safety texts added to any answer whose question touches their subject.",
    )
    entries: list[Entry] = Field(min_length=1)

    @field_validator("frames")
    @classmethod
    def _frame_patterns(cls, frames: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, patterns in frames.items():
            if not patterns:
                raise ValueError(f"frame {name!r} has no patterns")
            _check_patterns(patterns)
        return frames

    @model_validator(mode="after")
    def _cross_references(self) -> KnowledgeBase:
        ids = [e.id for e in self.entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate entry ids: {dupes}")
        known = set(ids)
        for entry in self.entries:
            for fact in entry.facts:
                if fact not in self.facts:
                    raise ValueError(
                        f"entry {entry.id!r}: fact {fact!r} is not defined under 'facts'"
                    )
            for i, branch in enumerate(entry.branches):
                for fact, value in branch.when.items():
                    values = {o.value for o in self.facts[fact].options}
                    if value not in values:
                        raise ValueError(
                            f"entry {entry.id!r}: branches[{i}].when.{fact} = {value!r} "
                            f"is not one of {sorted(values)}"
                        )
            named = {f for group in entry.requires for f in group} | set(entry.avoid)
            missing = sorted(named - set(self.frames))
            if missing:
                raise ValueError(
                    f"entry {entry.id!r}: frames {missing} are not defined under 'frames'"
                )
            if any(not group for group in entry.requires):
                raise ValueError(f"entry {entry.id!r}: 'requires' has an empty group")
            for rel in entry.related:
                if rel not in known:
                    raise ValueError(f"entry {entry.id!r}: related id {rel!r} does not exist")
        return self

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError if none)."""
        for e in self.entries:
            if e.id == entry_id:
                return e
        raise KeyError(entry_id)

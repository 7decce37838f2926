"""The answer engine: question (+ known facts) -> :class:`~bot.qa.answer.Answer`.

Pipeline: check the input is a question we can read; extract facts the question states;
rank entries (:mod:`bot.qa.matcher`); gate on a calibrated confidence (below the threshold the
verdict is ``no_match`` with "did you mean" suggestions, never a guess); settle the verdict
from the entry's fact branches, asking a follow-up when a needed fact is missing.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from bot.messages import Citation, Verdict
from bot.qa.answer import VERDICT_LABELS, Answer, FollowUp, FollowUpOption, Suggestion
from bot.qa.facts import FactExtractor
from bot.qa.frames import Reading
from bot.qa.matcher import Candidate, Matcher
from bot.qa.text import STOPWORDS, clean, words
from policy_kb.loader import load_kb
from policy_kb.schema import AskedAction, Branch, Entry, KnowledgeBase

MAX_QUESTION_CHARS = 1000
#: below this confidence the engine says the policy does not cover the question. Out-of-scope
#: questions are mostly stopped earlier by the KB's scope gate; this floor catches in-scope
#: wording that matches nothing well. Chosen by cross-validated verdict accuracy on the
#: training sets (``benchmarks/calibrate.py``): a higher floor declines more answerable questions.
NO_MATCH_THRESHOLD = 0.15
#: a question outside the scope gate's words is answered only this sure of its entry, and with
#: the n-gram classifier this far above its out-of-scope class (chosen cross-validated on the
#: training sets so that none of their out-of-scope questions is answered)
RESCUE_CONFIDENCE = 0.8
RESCUE_MARGIN = 1.0
#: ...and only with at least this many content words ("evenings?" goes on from a question)
RESCUE_MIN_WORDS = 2
#: ...and only when the winner's vocabulary covers this share of the question's (IDF-weighted)
#: words: "when is the attendance policy reviewed" names a subject the entry never mentions
RESCUE_COVERAGE = 0.75
#: a runner-up this close (in confidence) to the winner is offered as "did you mean"
AMBIGUITY_MARGIN = 0.12
#: below this confidence the answer always comes with the runners-up as "did you mean"
LOW_CONFIDENCE = 0.5
#: how an answer carried on from the previous question opens, quoting it
CARRY_ON_LEAD = "Going on from your question \u201c{}\u201d:"
CARRY_ON_QUOTE_CHARS = 120
#: a message goes on from the previous question only if it is this short or opens like
#: a follow-on ("and if...", "what about..."): a whole new question is answered alone
CARRY_ON_WORDS = 6
_GOES_ON = re.compile(
    r"^\W*(?:and|but|or|so|ok(?:ay)?|also|plus|then|what if|what about|how about|even if|if)\b",
    re.IGNORECASE,
)
#: a question of this many content words or fewer ("photos?", "comment") always gets "did
#: you mean" choices: it says too little to be sure which rule is meant
TERSE_WORDS = 2
#: in a message of several sentences, the share of an entry's score from the sentence that asks
ASK_WEIGHT = 0.2
#: ...but only when the whole message leaves the top two entries this close (a clear winner
#: is kept: ranking the ask again costs a second pass, and long messages are the slow ones)
ASK_RERANK_GAP = 0.75
#: entries ranked per question (and how deep the two rankings of a long message are merged)
RANK_LIMIT = 5
RANK_DEPTH = 10
#: a second ask inside one sentence: "..., and can I ...", "... also should I ..."
_SECOND_ASK = re.compile(
    r"[,;]?\s+(?:and|also|plus|but)\s+(?=(?:can|could|should|do|must|is it|am) (?:i|we|it)\b)",
    re.IGNORECASE,
)
#: an ask shorter than this ("why?") is not a second ask
ASK_MIN_WORDS = 3
#: nor is one that goes on from the first ("what if she's 18?", "even if it's private?")
_FOLLOW_ON = re.compile(
    r"^\W*(?:and |but |or |so )?(?:what if|what about|how about|even if|if)\b", re.I
)
#: the fact a "which did you mean" choice sets: its value is the chosen entry's id
TOPIC_FACT = "topic"
TOPIC_QUESTION = "Which of these do you mean?"
#: the top two entries are this close in score (and would say yes and no): ask which is meant.
#: Chosen on the training sets so that it stays rare (see ``benchmarks.qa_accuracy``).
TOPIC_MARGIN = 0.03
#: an ask this short that points back ("is that ok?", "can I do this?") takes its action from
#: the message before it
REFERS_BACK_WORDS = 8
_REFERS_BACK = re.compile(r"\b(?:that|this|it|so)\b")
#: how a sentence ends, for finding the ask in a long message
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

_PERMISSION = re.compile(
    r"^\s*(?:so\s+|and\s+|but\s+|hi,?\s+|hey,?\s+|quick q(?:uestion)?:?\s+)?"
    r"(?:can|could|may|might|am|are|is|isn'?t|should|shall|do|does|would|will|must|have)\b"
    r"|\b(?:allowed|ok(?:ay)?|fine|alright|permitted|appropriate|acceptable)\b\s*(?:to|for|if)\b"
    r"|\bam i\b|\bcan i\b|\bcould i\b|\bshould i\b|\bis it ok\b"
    # asked mid-sentence: "... do i need to flag it", "shld i report it", "does the head need to"
    r"|\b(?:do|should|shall|shld|shud|shuold|must|need) (?:i|we)\b"
    r"|\b(?:do|does) (?:the |my |our )?\w+ (?:need|have) to\b"
    r"|\bshould (?:the|my|our) \w+\b"
    r"|\b(?:is|are) (?:that|this|it|they) (?:ok(?:ay)?|fine|allowed|alright|right)\b"
    r"|\b(?:fine|ok(?:ay)?|allowed|alright) (?:right|yeah|yes|then)?\s*\??\s*$"
)
#: who is asking, before the question: "governor here, ...", "TA here: ..."
_PREAMBLE = r"(?:[a-z0-9' ]{1,30} here\s*[,:.]?\s+)?"
_WH = re.compile(
    rf"^\s*{_PREAMBLE}(?:who|what|wat|wot|wht|how|where|when|which|whom)\b"
    r"|\b(?:who|what|wat|wot|wht|how|where)\s+(?:do|should|shld|shud|shall|can|to|would)\b"
)

_OPEN_QUESTION = re.compile(
    rf"^\s*{_PREAMBLE}(?:so\s+|and\s+|but\s+)?"
    r"(?:who|what|wat|wot|wht|how|why|which|when|where)\b(?!\s+about\b)"
    # after the story: "..., what shld i do", "... who do we tell"
    r"|\b(?:what|wat|wot|wht|who|how)\s+(?:do|should|shld|shud|shall|must|can)\s+(?:i|we)\s+"
    r"(?:do|tell|report|contact|inform|handle|deal)\b"
)

#: "do I tell the DSL or the head?": a choice between people, asking who, not whether
_WHICH_PERSON = re.compile(
    r"^\s*(?:do|should|shall|shld|shud|would|must) (?:i|we) "
    r"(?:tell|go to|report (?:it |this |that )?to|contact|inform|ask|speak to|talk to)\b"
    r".{1,40}\bor\b"
)

UsageLog = Callable[[Answer], None]

#: logistic weights for :data:`CONFIDENCE_FEATURES`, fitted on the training sets (cross-fitted)
#: by ``python -m benchmarks.calibrate``
CONFIDENCE_WEIGHTS: tuple[float, ...] = (-0.12, 0.70, 0.54, 1.69, -0.07, -0.66)
CONFIDENCE_FEATURES = ("bias", "score", "coverage", "gap", "frames_met", "frames_unmet")


def confidence_features(top: Candidate, second: Candidate | None) -> list[float]:
    """The features the confidence is computed from, in :data:`CONFIDENCE_FEATURES` order."""
    gap = top.score - (second.score if second else 0.0)
    return [
        1.0,
        top.score,
        top.coverage,
        gap,
        1.0 if top.frames_met is True else 0.0,
        1.0 if top.frames_met is False else 0.0,
    ]


def is_permission_question(question: str) -> bool:
    """True for yes/no questions ("can I...", "is it ok to..."), not "who/what/how..."."""
    text = clean(question)
    if _WH.search(text) and not re.match(r"^\s*(?:can|could|may|am|is|should)\b", text):
        return False
    return bool(_PERMISSION.search(text))


def is_information_question(question: str) -> bool:
    """True for open questions ("who do I tell...", "what does the policy say...", "why...").

    They ask for information, so they get an ``information`` verdict with the entry's answer
    (and, where the entry turns on a fact, both branches) rather than a yes/no.
    """
    text = clean(question)
    if _WHICH_PERSON.search(text):
        return True
    return bool(_OPEN_QUESTION.search(text)) and not is_permission_question(question)


@lru_cache(maxsize=256)
def ask_sentence(question: str) -> str:
    """The sentence of a message that asks: in "context. context. can I ...?" the last
    sentence with a question mark, else the last that reads as a question; the whole
    message when it is one sentence or none reads as a question."""
    sentences = [x.strip() for x in _SENTENCE_END.split(question.strip()) if x.strip()]
    if len(sentences) < 2:
        return question
    asking = [s for s in sentences if not _FOLLOW_ON.match(s)]  # not "what if she's 18?"
    for s in reversed(asking):
        if s.endswith("?"):
            return s
    for s in reversed(asking):
        if is_permission_question(s) or is_information_question(s):
            return s
    return question


def split_asks(question: str) -> list[str]:
    """The separate asks of a message that asks two things ("can I add her on insta? and can
    I message her mum about it?", "can I block him and should I tell the DSL"): each with the
    context sentences before it. One ask: the message alone."""
    sentences = [x.strip() for x in _SENTENCE_END.split(question.strip()) if x.strip()]
    pieces: list[str] = []
    for sentence in sentences:
        pieces.extend(p.strip() for p in _SECOND_ASK.split(sentence) if p.strip())
    asks = [i for i, p in enumerate(pieces) if _is_ask(p)]
    if len(asks) != 2:
        return [question]
    first, second = asks
    before = " ".join(pieces[:first])
    between = " ".join(pieces[first + 1 : second])
    return [
        " ".join(x for x in (before, pieces[first]) if x),
        " ".join(x for x in (before, between, pieces[second]) if x),
    ]


def _is_ask(piece: str) -> bool:
    return (
        len(words(clean(piece))) >= ASK_MIN_WORDS
        and not _FOLLOW_ON.match(piece)
        and (piece.endswith("?") or is_permission_question(piece) or is_information_question(piece))
    )


def asked_action(entry: Entry, question: str) -> AskedAction | None:
    """The entry's :class:`AskedAction` a yes/no question asks about, if any."""
    if not entry.asks:
        return None
    ask = ask_sentence(question)
    if not is_permission_question(ask) or is_information_question(ask):
        return None
    text, whole = clean(ask), clean(question)
    texts = [text]
    if ask != question and _refers_back(text):  # "... the only admin. is that ok?"
        texts.append(whole)
    for searched in texts:
        for action in entry.asks:
            if _any_match(action.patterns, searched) and (
                not action.given or _any_match(action.given, whole)
            ):
                return action
    return None


def _refers_back(ask: str) -> bool:
    """A short ask about what the message said before it ("is that ok?", "can I do
    that?"): its action is in the context, so the context is searched for it too."""
    return len(words(ask)) <= REFERS_BACK_WORDS and _REFERS_BACK.search(ask) is not None


def _any_match(patterns: list[str], text: str) -> bool:
    return _compiled(tuple(patterns)).search(text) is not None


@lru_cache(maxsize=512)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive regex for any of ``patterns`` (KB asks and notices)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class Previous:
    """The question answered just before in a conversation, with its entry and facts."""

    question: str
    rule_id: str
    facts: Mapping[str, str]


class AnswerEngine:
    """Answers staff questions from one knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, on_unanswered: UsageLog | None = None) -> None:
        self.kb = kb
        self.matcher = Matcher(kb)
        self.facts = FactExtractor(kb)
        self._on_unanswered = on_unanswered
        self._by_id = {e.id: e for e in kb.entries}

    @classmethod
    def from_file(
        cls, path: str | Path | None = None, *, on_unanswered: UsageLog | None = None
    ) -> AnswerEngine:
        """Load (and validate) a KB file, default ``POLICY_KB`` or the bundled policy."""
        return cls(load_kb(path), on_unanswered=on_unanswered)

    # -- public -------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        facts: Mapping[str, str] | None = None,
        *,
        previous: Previous | None = None,
    ) -> Answer:
        """Answer one question. ``facts`` are known facts (e.g. from a follow-up button).

        ``previous``: the question the person asked just before, in the same conversation.
        A message that matches nothing on its own but states a fact that question's answer
        depends on ("and if she's 20?") answers that question again with the new fact.
        """
        question = question if isinstance(question, str) else str(question)
        problem = self._input_problem(question)
        if problem is not None:
            return self._no_match(question, problem, [])
        chosen = (facts or {}).get(TOPIC_FACT)
        if chosen in self._by_id:  # a "which did you mean" pick
            rest = {k: v for k, v in (facts or {}).items() if k != TOPIC_FACT}
            return self.answer_rule(question, str(chosen), rest)
        answer = self._match(question, facts)
        if answer.verdict != "no_match":
            return answer
        if previous is not None:
            carried = self.carry_on(question, previous)
            if carried is not None:
                return carried
        if self._on_unanswered is not None:
            self._on_unanswered(answer)
        return answer

    def answer_asks(
        self,
        question: str,
        facts: Mapping[str, str] | None = None,
        *,
        previous: Previous | None = None,
    ) -> list[Answer]:
        """One answer per ask. A message that clearly asks two things the policy answers
        from different rules gets two answers, each using the facts the whole message states;
        anything else gets the one answer :meth:`answer` gives."""
        one = facts or not isinstance(question, str) or self._input_problem(question)
        parts = [question] if one else split_asks(question)
        if len(parts) == 2:
            stated = self.facts.extract(question).values
            answers = [self._match(part, stated) for part in parts]
            rules = [a.rule_ids[0] if a.rule_ids else None for a in answers]
            if (
                None not in rules
                and rules[0] != rules[1]
                and all(
                    a.verdict != "no_match"
                    and len(a.rule_ids) == 1
                    and a.confidence >= LOW_CONFIDENCE
                    for a in answers
                )
            ):
                return answers
        return [self.answer(question, facts, previous=previous)]

    def _match(self, question: str, facts: Mapping[str, str] | None) -> Answer:
        reading = self.matcher.reader.read(question)
        extracted = self.facts.extract(question)
        # facts stated with a typo ("my twiter") are read from the corrected text too
        typo_free = reading.text == " ".join(words(clean(question)))
        corrected = {} if typo_free else self.facts.extract(reading.text).values
        known = {
            **corrected,
            **extracted.values,
            **{k: v for k, v in (facts or {}).items() if v},
        }
        ranked = self._rank(question, reading)
        if not ranked:
            return self._no_match(question, self._not_covered_text(), [])
        top = ranked[0]
        confidence = self.confidence(top, ranked[1] if len(ranked) > 1 else None)
        if not reading.in_scope and not self._plainly_about_policy(
            question, reading, ranked, confidence
        ):
            return self._no_match(question, self._not_covered_text(), ranked)
        if confidence < NO_MATCH_THRESHOLD:
            return self._no_match(question, self._not_covered_text(), ranked, confidence)
        terse = len(self.matcher.tokens(question)) <= TERSE_WORDS
        suggestions = [
            Suggestion(c.entry.id, c.entry.topic)
            for c in ranked[1:3]
            if terse
            or confidence < LOW_CONFIDENCE
            or confidence - self.confidence(c, top) < AMBIGUITY_MARGIN
        ]
        answer = self._answer_entry(question, top.entry, known, confidence, suggestions)
        if len(ranked) > 1 and top.score - ranked[1].score < TOPIC_MARGIN:
            other = self._answer_entry(question, ranked[1].entry, known, confidence, [])
            if {answer.verdict, other.verdict} == {"allowed", "not_allowed"}:
                return self._which_topic(question, answer, other, confidence)
        return answer

    def _plainly_about_policy(
        self, question: str, reading: Reading, ranked: list[Candidate], confidence: float
    ) -> bool:
        """A question without the scope gate's words ("my responsibilities as staff?", "what
        does the trust board do") is still answered when it names no subject the policy is
        silent on, the winner is sure and its words cover the question's, and the n-gram
        classifier puts an entry well above the questions the policy does not cover (the KB's
        out-of-scope examples)."""
        return (
            not reading.off_topic
            and not _FOLLOW_ON.match(question)  # "and if she's 20?" goes on from a question
            and len(self.matcher.tokens(question)) >= RESCUE_MIN_WORDS
            and confidence >= RESCUE_CONFIDENCE
            and ranked[0].coverage >= RESCUE_COVERAGE
            and max(c.linear for c in ranked) - ranked[0].outside > RESCUE_MARGIN
        )

    def _rank(self, question: str, reading: Reading) -> list[Candidate]:
        """Entries ranked for ``question``; in a message of several sentences the sentence
        that asks weighs :data:`ASK_WEIGHT` of the score, so a side phrase in the context
        does not decide the entry (the context still counts, and gives the facts)."""
        ranked = self.matcher.rank(question, limit=RANK_DEPTH, reading=reading)
        ask = ask_sentence(question)
        clear_winner = len(ranked) > 1 and ranked[0].score - ranked[1].score > ASK_RERANK_GAP
        if ask == question or not ranked or clear_winner:
            return ranked[:RANK_LIMIT]
        by_ask = {c.entry.id: c.score for c in self.matcher.rank(ask, limit=RANK_DEPTH)}
        floor = min(by_ask.values(), default=0.0)
        blended = [
            replace(
                c, score=(1 - ASK_WEIGHT) * c.score + ASK_WEIGHT * by_ask.get(c.entry.id, floor)
            )
            for c in ranked
        ]
        blended.sort(key=lambda c: -c.score)
        return blended[:RANK_LIMIT]

    def _which_topic(
        self, question: str, first: Answer, second: Answer, confidence: float
    ) -> Answer:
        """Ask which of two close entries is meant: they would answer yes and no."""
        pair = [(a, self._by_id[a.rule_ids[0]]) for a in (first, second)]
        lines = [
            f"{e.topic}: {VERDICT_LABELS[a.verdict]}. {_first_sentence(a.answer)}" for a, e in pair
        ]
        return Answer(
            question=question,
            verdict="conditional",
            answer="Your question could be about two parts of the policy, which answer it "
            "differently:\n" + "\n".join(f"- {line}" for line in lines),
            rule_ids=[e.id for _, e in pair],
            section=pair[0][1].section,
            citations=[c for a, _ in pair for c in a.citations],
            follow_up=FollowUp(
                question=TOPIC_QUESTION,
                fact=TOPIC_FACT,
                options=[FollowUpOption(e.topic, e.id) for _, e in pair],
            ),
            confidence=confidence,
            facts={**first.facts, **second.facts},
        )

    def answer_rule(
        self, question: str, rule_id: str, facts: Mapping[str, str] | None = None
    ) -> Answer:
        """Answer ``question`` with a chosen entry (a "did you mean" pick)."""
        entry = self._by_id[rule_id]
        known = {**self.facts.extract(question).values, **(facts or {})}
        return self._answer_entry(question, entry, known, 1.0, [])

    def entry(self, rule_id: str) -> Entry | None:
        """The KB entry with id ``rule_id``, or None."""
        return self._by_id.get(rule_id)

    def carry_on(self, fragment: str, previous: Previous) -> Answer | None:
        """``previous.question`` answered again with the facts ``fragment`` states; None
        unless it states one that entry depends on and reads as a follow-on (short, or
        opening "and if", "what about"...). The answer is for ``previous.question``
        (so its follow-up buttons work), opening with a line saying so."""
        entry = self.entry(previous.rule_id)
        if entry is None or not entry.facts:
            return None
        if len(words(clean(fragment))) > CARRY_ON_WORDS and not _GOES_ON.match(fragment):
            return None
        said = {k: v for k, v in self.facts.extract(fragment).values.items() if k in entry.facts}
        if not said:
            return None
        answer = self.answer_rule(previous.question, entry.id, {**previous.facts, **said})
        asked = textwrap.shorten(previous.question, CARRY_ON_QUOTE_CHARS, placeholder="…")
        return replace(answer, answer=f"{CARRY_ON_LEAD.format(asked)} {answer.answer}")

    def confidence(self, top: Candidate, second: Candidate | None) -> float:
        """Probability-like confidence that ``top`` is the right entry.

        A logistic over :func:`confidence_features`; coefficients fitted on the labelled dev
        set (``python -m benchmarks.calibrate``).
        """
        z = sum(
            w * f for w, f in zip(CONFIDENCE_WEIGHTS, confidence_features(top, second), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    # -- internals ----------------------------------------------------------------------
    def _input_problem(self, question: str) -> str | None:
        text = question.strip()
        example = 'for example "can I accept a friend request from an ex-pupil?"'
        if not text:
            return f"Please type a question about the social media policy, {example}."
        if len(text) > MAX_QUESTION_CHARS:
            return (
                f"That message is too long for me ({len(text):,} characters). Please ask one "
                f"short question (up to {MAX_QUESTION_CHARS:,} characters), {example}."
            )
        tokens = words(clean(text))
        letters = [t for t in tokens if any(ch.isalpha() for ch in t)]
        if not letters:
            return f"I couldn't find a question in that. Try asking in words, {example}."
        ascii_letters = sum(ch.isascii() for t in letters for ch in t)
        all_letters = sum(len(t) for t in letters)
        foreign_marks = any(ch in question for ch in "¿¡")
        if foreign_marks or ascii_letters < 0.7 * all_letters or self._looks_foreign(letters):
            return (
                "Sorry, I can only answer questions in English at the moment. "
                f"Please ask again in English, {example}, or ask {self.kb.policy.contact}."
            )
        return None

    def _looks_foreign(self, tokens: list[str]) -> bool:
        """Many words, none of them English function words or KB vocabulary."""
        if len(tokens) < 4:
            return False
        known = sum(1 for t in tokens if t in STOPWORDS or self.matcher.vocab.is_known(t))
        return known / len(tokens) < 0.34

    def _not_covered_text(self) -> str:
        return (
            "The Social Media Policy doesn't cover that, so I can't give you an answer from it. "
            f"Please ask {self.kb.policy.contact}, who is responsible for questions about "
            "the policy."
        )

    def _no_match(
        self,
        question: str,
        text: str,
        ranked: list[Candidate],
        confidence: float = 0.0,
    ) -> Answer:
        suggestions = [Suggestion(c.entry.id, c.entry.topic) for c in ranked[:3] if c.score > 0.2]
        return Answer(
            question=question,
            verdict="no_match",
            answer=text,
            suggestions=suggestions,
            confidence=confidence,
        )

    def _with_notices(self, question: str, text: str) -> str:
        """``text`` followed by every KB notice whose subject the question touches."""
        q = clean(question)
        extra = [
            n.text for n in self.kb.notices if n.text not in text and _any_match(n.patterns, q)
        ]
        return " ".join([text, *extra])

    def _answer_entry(
        self,
        question: str,
        entry: Entry,
        known: Mapping[str, str],
        confidence: float,
        suggestions: list[Suggestion],
    ) -> Answer:
        verdict: Verdict = entry.verdict
        text = entry.answer
        follow_up: FollowUp | None = None
        used = {k: v for k, v in known.items() if k in entry.facts}
        if entry.facts:
            branch = _first_matching(entry.branches, known)
            consistent = [b for b in entry.branches if _consistent(b, known)]
            if branch is not None:
                verdict, text = branch.verdict, branch.answer
            elif consistent and len({b.verdict for b in consistent}) == 1 and used:
                verdict, text = consistent[0].verdict, consistent[0].answer
            elif entry.ask_facts and consistent:
                fact = next(
                    f
                    for f in entry.facts
                    if f not in known and any(f in b.when for b in consistent)
                )
                spec = self.kb.facts[fact]
                wanted = {b.when.get(fact) for b in consistent}
                follow_up = FollowUp(
                    question=spec.question,
                    fact=fact,
                    options=[
                        FollowUpOption(o.label, o.value) for o in spec.options if o.value in wanted
                    ],
                )
                verdict = "conditional"
                text = entry.conditional_answer or entry.answer
        ask = ask_sentence(question)
        if entry.procedure and verdict == "allowed" and not is_permission_question(ask):
            verdict = "information"
        if verdict != "information" and is_information_question(ask):
            verdict = "information"
            if follow_up is not None:
                follow_up = None  # the conditional answer already states each branch
        action = asked_action(entry, question)
        if action is not None:
            verdict, text, follow_up = action.verdict, action.answer, None
        text = self._with_notices(question, text)
        return Answer(
            question=question,
            verdict=verdict,
            answer=text,
            rule_ids=[entry.id],
            section=entry.section,
            citations=[Citation(entry.id, entry.section, entry.text)],
            follow_up=follow_up,
            suggestions=suggestions,
            confidence=confidence,
            facts=dict(used),
            report_category=entry.report_category,
            people=list(entry.people),
        )


def _first_sentence(text: str) -> str:
    """The headline sentence of an answer ("No." is followed by the next sentence)."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    head = parts[0]
    if len(head.split()) <= 2 and len(parts) > 1:
        head = f"{head} {parts[1]}"
    return head


def _first_matching(branches: list[Branch], known: Mapping[str, str]) -> Branch | None:
    for b in branches:
        if all(known.get(f) == v for f, v in b.when.items()):
            return b
    return None


def _consistent(branch: Branch, known: Mapping[str, str]) -> bool:
    return all(f not in known or known[f] == v for f, v in branch.when.items())

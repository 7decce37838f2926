"""The answer engine against the DESIGN.md contract, on real questions and the bundled KB."""

from __future__ import annotations

import pytest

from bot.qa.engine import AnswerEngine, Previous, is_information_question
from policy_kb.loader import policy_text_path

CONTRACT_KEYS = [
    "question",
    "verdict",
    "answer",
    "rule_ids",
    "section",
    "citations",
    "follow_up",
    "suggestions",
    "confidence",
]


def test_design_example_current_pupil_on_snapchat(engine: AnswerEngine) -> None:
    a = engine.answer("can i add a yr 11 kid on snap")
    assert a.verdict == "not_allowed"
    assert a.rule_ids == ["inappropriate.friend-pupils"]
    assert a.section == "Responsible Personal Use of Social Media"
    assert a.follow_up is None
    assert list(a.to_dict()) == CONTRACT_KEYS
    assert 0.0 <= a.confidence <= 1.0


def test_every_citation_is_verbatim_policy_text(engine: AnswerEngine) -> None:
    policy = " ".join(policy_text_path(engine.kb).read_text(encoding="utf-8").split())
    for q in ["can i add a yr 11 kid on snap", "who do I tell if a pupil DMs me"]:
        for c in engine.answer(q).citations:
            assert " ".join(c.text.split()) in policy


def test_missing_fact_gets_a_follow_up_then_an_answer(engine: AnswerEngine) -> None:
    q = "a kid who left last year wants to follow me on insta"
    first = engine.answer(q)
    assert first.verdict == "conditional"
    assert first.follow_up is not None and first.follow_up.fact == "under_18"
    assert {o.value for o in first.follow_up.options} == {"yes", "no"}
    assert "18" in first.answer
    under = engine.answer(q, {**first.facts, "under_18": "yes"})
    assert under.verdict == "not_allowed"
    adult = engine.answer(q, {**first.facts, "under_18": "no"})
    assert adult.verdict == "allowed"


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("ex pupil who is 16 added me on fb", "not_allowed"),
        ("an ex-student, she's 20 now, sent me a friend request on facebook", "allowed"),
        ("a former pupil aged 17 wants to follow me on tiktok", "not_allowed"),
    ],
)
def test_a_fact_given_in_the_question_is_not_asked_again(
    engine: AnswerEngine, question: str, verdict: str
) -> None:
    a = engine.answer(question)
    assert a.verdict == verdict
    assert a.follow_up is None


def test_photos_turn_on_written_parental_consent(engine: AnswerEngine) -> None:
    a = engine.answer("is it ok to post sports day pics on the school fb page")
    assert a.verdict == "conditional"
    assert a.follow_up is not None and a.follow_up.fact == "parental_consent"
    assert "written consent" in a.answer.lower()
    assert engine.answer(a.question, {"parental_consent": "yes"}).verdict == "allowed"
    assert engine.answer(a.question, {"parental_consent": "no"}).verdict == "not_allowed"


def test_who_do_i_tell_names_the_dsl(engine: AnswerEngine) -> None:
    a = engine.answer("who do I tell if a pupil DMs me")
    assert a.verdict == "information"
    assert "Designated Safeguarding Lead" in a.answer
    assert a.report_category == "contact_from_pupil"


@pytest.mark.parametrize(
    "question",
    ["when is the next inset day", "what's the dress code for staff", "how much sick pay do i get"],
)
def test_out_of_scope_is_no_match_pointing_to_the_head(engine: AnswerEngine, question: str) -> None:
    a = engine.answer(question)
    assert a.verdict == "no_match"
    assert a.rule_ids == [] and a.citations == []
    assert "Principal/Headteacher" in a.answer


@pytest.mark.parametrize(
    ("question", "hint"),
    [
        ("", "Please type a question"),
        ("   \n\t ", "Please type a question"),
        ("x" * 10_000, "too long"),
        ("\x00\x01\x02\xff\xfe binary \x07junk" * 3, None),
        ("🙂🙂🙂👍", "couldn't find a question"),
        ("¿Puedo agregar a un alumno en Facebook?", "English"),
        ("Darf ich einen Schüler auf Instagram als Freund hinzufügen?", "English"),
        ("?????", "couldn't find a question"),
    ],
)
def test_bad_input_gets_a_friendly_no_match(
    engine: AnswerEngine, question: str, hint: str | None
) -> None:
    a = engine.answer(question)
    assert a.verdict == "no_match"
    assert a.answer and "Traceback" not in a.answer
    if hint:
        assert hint in a.answer
    a.to_json()  # always serialisable


def test_supplied_facts_override_and_unknown_facts_are_ignored(engine: AnswerEngine) -> None:
    q = "can I accept a friend request from a former student"
    assert engine.answer(q, {"under_18": "no"}).verdict == "allowed"
    assert engine.answer(q, {"under_18": "yes", "nonsense": "x"}).verdict == "not_allowed"


@pytest.mark.parametrize(
    ("question", "information"),
    [
        ("wht email do i use for writing to parents", True),
        ("office manager here, what email should i use for the pta", True),
        ("do i tell the dsl or the head if a year 9 messages me on insta", True),
        ("somebody posted threats on our academy fb, what shld i do", True),
        ("who do I tell if a pupil DMs me", True),
        ("should i tell the dsl if a pupil dms me", False),  # a yes/no question
        ("can i add a yr 11 kid on snap", False),
    ],
)
def test_which_questions_ask_for_information(question: str, information: bool) -> None:
    assert is_information_question(question) is information


@pytest.mark.parametrize("question", ["comment", "posting?", "whatsapp"])
def test_a_one_or_two_word_question_gets_did_you_mean_choices(
    engine: AnswerEngine, question: str
) -> None:
    a = engine.answer(question)
    assert a.suggestions, f"{question!r} answered {a.rule_ids} with no other choices"


def test_a_full_question_answered_with_confidence_has_no_distracting_choices(
    engine: AnswerEngine,
) -> None:
    assert engine.answer("can i add a yr 11 kid on snap").suggestions == []


def test_a_fragment_goes_on_from_the_previous_question(engine: AnswerEngine) -> None:
    unanswered: list[str] = []
    logging_engine = AnswerEngine(engine.kb, on_unanswered=lambda a: unanswered.append(a.question))
    first = logging_engine.answer("can i accept a friend request from an ex pupil who is 16")
    previous = Previous(first.question, first.rule_ids[0], first.facts)
    carried = logging_engine.answer("and if shes 20?", previous=previous)
    assert (carried.verdict, carried.rule_ids) == ("allowed", ["inappropriate.friend-pupils"])
    assert carried.question == first.question  # follow-up buttons re-ask the first question
    assert carried.answer.startswith(f"Going on from your question \u201c{first.question}\u201d:")
    assert carried.facts["under_18"] == "no"
    assert unanswered == []
    # alone, or stating no fact that answer depends on, it is not understood (and logged)
    assert logging_engine.answer("and if shes 20?").verdict == "no_match"
    assert logging_engine.answer("what about in the holidays", previous=previous).verdict == (
        "no_match"
    )
    # a whole new question is not taken as going on, even if it names a fact
    new_question = "can pupils have there phones out in class"
    assert logging_engine.answer(new_question, previous=previous).verdict == "no_match"
    assert unanswered == ["and if shes 20?", "what about in the holidays", new_question]
    # a question understood alone is answered alone
    alone = logging_engine.answer("who do I tell if a pupil DMs me", previous=previous)
    assert alone.rule_ids != ["inappropriate.friend-pupils"]


def test_nothing_goes_on_from_an_answer_that_depends_on_no_fact(engine: AnswerEngine) -> None:
    first = engine.answer("who do I tell if a pupil DMs me")
    previous = Previous(first.question, first.rule_ids[0], first.facts)
    entry = engine.entry(first.rule_ids[0])
    assert entry is not None and not entry.facts
    assert engine.answer("and if shes 20?", previous=previous).verdict == "no_match"

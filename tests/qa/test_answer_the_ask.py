"""Issue 14: the answer fits the question asked, the policy's silence is said plainly, and the
sexual-images-of-a-child guidance is carried wherever such images come up.

All on the real engine and the bundled KB, except the "which did you mean" test, which builds a
two-entry KB whose entries are worded alike but answer yes and no.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.qa.engine import TOPIC_FACT, AnswerEngine, ask_sentence, split_asks
from policy_kb.schema import KnowledgeBase

IMAGE_GUIDANCE = ("do not view", "save", "copy", "forward", "Designated Safeguarding Lead")


@pytest.mark.parametrize(
    ("question", "verdict", "opening", "names"),
    [
        (
            "someone left a vile comment on the school's facebook page, can i just take it down?",
            "not_allowed",
            "Not before",
            "Principal/Headteacher",
        ),
        (
            "A parent has posted in the village Facebook group that I'm useless. "
            "Can I reply and put them straight?",
            "not_allowed",
            "No",
            "Headteacher/Principal",
        ),
        (
            "is it ok not to accept friend requests from pupils?",
            "allowed",
            "Yes",
            "Designated Safeguarding Lead",
        ),
        ("can i run the school insta on my own?", "not_allowed", "No", "at least two"),
        (
            "i'm not sure if my post about the strike is ok, should i just post it?",
            "not_allowed",
            "No",
            "Principal/Headteacher",
        ),
        (
            "A dad has been slating me on the village Facebook group. "
            "Is it ok if I just don't reply?",
            "allowed",
            "Yes",
            "Headteacher/Principal",
        ),
        (
            "We're a tiny primary. The head wants me to be the only person running the school "
            "twitter. Is that ok?",
            "not_allowed",
            "No",
            "at least two",
        ),
    ],
)
def test_the_headline_answers_the_action_asked(
    engine: AnswerEngine, question: str, verdict: str, opening: str, names: str
) -> None:
    a = engine.answer(question)
    assert a.verdict == verdict, (a.verdict, a.rule_ids, a.answer)
    assert a.answer.startswith(opening)
    assert names in a.answer


def test_the_same_rule_still_answers_the_plain_question(engine: AnswerEngine) -> None:
    assert engine.answer("can i accept a friend request from a year 9 pupil?").verdict == (
        "not_allowed"
    )
    report = engine.answer("who do i tell about abuse on the school facebook page")
    assert report.verdict == "information"
    assert report.answer.startswith("Report it")


@pytest.mark.parametrize(
    "question",
    [
        "a yr 9 sent me a nude pic on snap what do i do",
        "year 10s are passing round naked photos of a girl in their year on snapchat",
        "a pupil sent me a topless selfie on instagram, can i block her?",
    ],
)
def test_sexual_images_of_a_child_always_carry_the_guidance(
    engine: AnswerEngine, question: str
) -> None:
    a = engine.answer(question)
    assert a.verdict != "no_match"
    for words in IMAGE_GUIDANCE:
        assert words.lower() in a.answer.lower(), (words, a.answer)


def test_copying_a_sexual_image_of_a_child_is_never_allowed(engine: AnswerEngine) -> None:
    a = engine.answer(
        "A boy showed me a nude of another pupil on his phone. "
        "Should I screenshot it as evidence for the DSL?"
    )
    assert a.verdict == "not_allowed"
    assert a.answer.startswith("No. Do not screenshot")


def test_the_guidance_is_not_added_where_no_image_is_mentioned(engine: AnswerEngine) -> None:
    assert "do not view" not in engine.answer("a pupil messaged me on insta").answer.lower()


@pytest.mark.parametrize(
    "question",
    [
        "can parents film the christmas concert on their phones",
        "is it ok to use chatgpt to plan lessons",
        "how many days sick leave do i get on full pay",
        "are we allowed visible tattoos",
        "what's the school policy on giving kids sweets as rewards",
        "a dad wants every email we hold about his son, how long do we have",
        "should pupils hand in their phones at the start of the day",
    ],
)
def test_near_domain_questions_the_policy_is_silent_on_get_no_match(
    engine: AnswerEngine, question: str
) -> None:
    a = engine.answer(question)
    assert a.verdict == "no_match", (a.rule_ids, a.answer)
    assert "doesn't cover" in a.answer


def test_naming_social_media_keeps_a_school_life_subject_in_scope(engine: AnswerEngine) -> None:
    a = engine.answer("a parent posted a video of the nativity on facebook with all the kids in it")
    assert a.verdict != "no_match"


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("ex student 16 wants 2 add me on snap", {"under_18": "yes"}),
        (
            "a lad i taught years ago added me on facebook, he'd be 19 now",
            {"relation": "ex_pupil", "under_18": "no"},
        ),
        (
            "can i put pics of my yr 4 class from the trip on my twiter",
            {"account_type": "personal"},
        ),
    ],
)
def test_stated_facts_are_carried_not_asked_again(
    engine: AnswerEngine, question: str, facts: dict[str, str]
) -> None:
    a = engine.answer(question)
    assert a.follow_up is None
    for name, value in facts.items():
        assert a.facts.get(name) == value, a.facts


def test_the_ask_is_found_in_a_long_message() -> None:
    message = (
        "I'm a lunchtime supervisor. One of the year 6 girls found my TikTok. "
        "She's lovely and her mum is a friend. Can I let her follow me?"
    )
    assert ask_sentence(message) == "Can I let her follow me?"
    assert ask_sentence("can i add a pupil on fb") == "can i add a pupil on fb"


def _twin_kb() -> KnowledgeBase:
    """Two entries asked about in the same words that answer yes and no."""
    entry: dict[str, Any] = {
        "section": "Test",
        "text": "Posting about the summer fair.",
        "phrases": ["can i post about the summer fair on facebook"],
        "keywords": ["summer", "fair"],
    }
    return KnowledgeBase.model_validate(
        {
            "policy": {
                "title": "Test policy",
                "organisation": "Test",
                "source": "policy.txt",
                "contact": "the Head",
            },
            "entries": [
                {
                    **entry,
                    "id": "a.yes",
                    "topic": "Summer fair posts (school)",
                    "verdict": "allowed",
                    "answer": "Yes. Post it on the school page.",
                },
                {
                    **entry,
                    "id": "a.no",
                    "topic": "Summer fair posts (personal)",
                    "verdict": "not_allowed",
                    "answer": "No. Not on your own page.",
                },
            ],
        }
    )


def test_close_topics_that_answer_differently_ask_which_is_meant() -> None:
    engine = AnswerEngine(_twin_kb())
    q = "can i post about the summer fair on facebook"
    a = engine.answer(q)
    assert a.verdict == "conditional"
    assert a.follow_up is not None and a.follow_up.fact == TOPIC_FACT
    assert {o.value for o in a.follow_up.options} == {"a.yes", "a.no"}
    assert "Yes. Post it on the school page." in a.answer and "No." in a.answer
    picked = engine.answer(q, {TOPIC_FACT: "a.no"})
    assert (picked.verdict, picked.rule_ids) == ("not_allowed", ["a.no"])


def test_two_asks_about_different_rules_get_two_answers(engine: AnswerEngine) -> None:
    q = "a year 8 keeps messaging me on insta. can i block her? and do i have to tell the dsl?"
    assert split_asks(q) == [
        "a year 8 keeps messaging me on insta. can i block her?",
        "a year 8 keeps messaging me on insta. and do i have to tell the dsl?",
    ]
    answers = engine.answer_asks(q)
    assert [a.rule_ids for a in answers] == [
        ["appropriate.block-pupils"],
        ["appropriate.report-pupil-contact"],
    ]
    assert "Designated Safeguarding Lead" in answers[1].answer
    # one ask, or a follow-on ("what if..."), or facts from a button: one answer
    assert len(engine.answer_asks("can i add a pupil on insta? what if she's 18?")) == 1
    assert len(engine.answer_asks(q, {"relation": "current_pupil"})) == 1


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        # a hedged age is still a stated age; "finished in July" means they have left
        (
            "a lad i taught in year 11 years ago added me on facebook, he must be about 21 now",
            "allowed",
        ),
        ("she finished in july and she's 19 now. can i accept her follow request?", "allowed"),
        # consent not yet asked for is no consent
        (
            "can we put a photo of the class with the trophy on the school twitter? "
            "we haven't asked the parents yet",
            "not_allowed",
        ),
        # permission one will not ask for is no permission
        (
            "can i share the trust's internal staffing plan in a facebook group? "
            "i won't ask anyone first",
            "not_allowed",
        ),
    ],
)
def test_facts_said_in_everyday_words_decide_the_verdict(
    engine: AnswerEngine, question: str, verdict: str
) -> None:
    a = engine.answer(question)
    assert a.verdict == verdict, (a.verdict, a.rule_ids, a.answer)


def test_a_sexual_image_question_without_a_platform_is_answered_with_the_guidance(
    engine: AnswerEngine,
) -> None:
    """No social-media word, but a naked picture of a pupil: in scope, never to be sent on."""
    a = engine.answer(
        "A girl in year 10 showed me a naked picture of another pupil on her phone. "
        "Should I take the phone and send the picture to the DSL?"
    )
    assert a.verdict == "not_allowed", (a.verdict, a.rule_ids)
    assert all(word.lower() in a.answer.lower() for word in IMAGE_GUIDANCE)


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        ("what does the trust board do", "roles.board"),
        ("should i go to the head with questions about it?", "roles.questions"),
    ],
)
def test_plain_policy_questions_without_a_scope_word_are_answered(
    engine: AnswerEngine, question: str, rule: str
) -> None:
    """No social-media or policy word, but plainly about the policy (the n-gram classifier is
    far surer of the entry than of its out-of-scope class): answered, not turned away."""
    a = engine.answer(question)
    assert a.verdict != "no_match" and a.rule_ids == [rule], (a.verdict, a.rule_ids)


@pytest.mark.parametrize(
    "question",
    [
        "do we need explicit consent from parents to take pupils on a trip?",
        "a pupil used explicit language at me in class, what do i do?",
        "the naked eye experiment in science, can pupils do it outside?",
    ],
)
def test_words_of_the_image_guidance_alone_do_not_open_the_scope_gate(
    engine: AnswerEngine, question: str
) -> None:
    """'explicit' or 'naked' without an image is not a sexual image: still out of scope."""
    assert engine.answer(question).verdict == "no_match"


@pytest.mark.parametrize(
    "question",
    [
        "what are my responsibilities on a school trip?",
        "what does the board do about exclusions?",
        "what is the role of the local governing body in admissions",
        "is the anti-bullying policy reviewed every year?",
        "when does the attendance policy get reviewed?",
        "does the behaviour policy apply at weekends?",
        "what are the staff responsibilities for playground duty?",
    ],
)
def test_a_policy_like_question_about_another_subject_is_not_answered(
    engine: AnswerEngine, question: str
) -> None:
    """Roles, reviews and responsibilities for other school business: the policy is silent."""
    a = engine.answer(question)
    assert a.verdict == "no_match", (a.verdict, a.rule_ids)

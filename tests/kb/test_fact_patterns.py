"""The KB's fact patterns read facts out of informal questions, one option at most per fact.

A fact given in the question must be used, not asked again ("ex pupil who is 16" needs no
follow-up), and a question must never match two options of one fact. The cases here are
written for these tests; the dev question set is also checked for clashing options.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from policy_kb.loader import DEFAULT_KB, load_kb
from policy_kb.schema import KnowledgeBase

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "questions_dev.yaml"


@cache
def kb() -> KnowledgeBase:
    return load_kb(DEFAULT_KB)


def matching_values(fact: str, question: str) -> set[str]:
    """The values of every option of ``fact`` whose patterns occur in ``question``."""
    return {
        option.value
        for option in kb().facts[fact].options
        if any(re.search(p, question, re.IGNORECASE) for p in option.patterns)
    }


CASES: list[tuple[str, str, str | None]] = [
    # relation
    ("relation", "can i add a yr 11 kid on snap", "current_pupil"),
    ("relation", "a girl in my year 8 form followed me", "current_pupil"),
    ("relation", "one of my sixth formers is 18, can i accept him", "current_pupil"),
    ("relation", "can I accept a friend request from a pupil", "current_pupil"),
    ("relation", "my studnets keep following me", "current_pupil"),
    ("relation", "a former student wants to add me on facebook", "ex_pupil"),
    ("relation", "an ex-pupil sent me a request", "ex_pupil"),
    ("relation", "a kid who left last year wants to follow me", "ex_pupil"),
    ("relation", "someone i used to teach added me", "ex_pupil"),
    ("relation", "one of last summer's leavers messaged me", "ex_pupil"),
    ("relation", "a student who's 19 wants to add me on snapchat", None),
    ("relation", "my old tutee from way back messaged me on insta", "ex_pupil"),
    # issue 14, second round: words staff use for these facts
    ("relation", "she finished in july and she's 19 now", "ex_pupil"),
    ("relation", "18 now, not sure if he's still in our sixth form", None),
    ("under_18", "a lad i taught years ago, he must be about 21 now", "no"),
    ("parental_consent", "we haven't asked the parents yet", "no"),
    ("parental_consent", "parents haven't been asked, that's fine isn't it?", "no"),
    ("parental_consent", "pic of y3 for the school fb, no forms back yet", "no"),
    ("parental_consent", "a dad has emailed to withdraw consent for his daughter", "no"),
    ("written_permission", "nobody's given permission but can i use the logo", "no"),
    ("written_permission", "i won't ask anyone first", "no"),
    ("senior_approval", "can i launch a tiktok for the drama dept, ht hasnt replied yet", "no"),
    ("relation", "a formr student wants to follow me", "ex_pupil"),
    ("relation", "one of my students from years ago found me on linkedin", "ex_pupil"),
    ("relation", "one of my old yr 10s added me on snap", "ex_pupil"),
    ("relation", "a lad from my form moved schools and wants to add me", "ex_pupil"),
    ("relation", "can i add my neighbour on fb", None),
    # under_18
    ("under_18", "ex pupil who is 16 added me on fb", "yes"),
    ("under_18", "an ex-student, she's 17, followed me", "yes"),
    ("under_18", "a 15 year old ex pupil messaged me", "yes"),
    ("under_18", "former pupil, still under 18", "yes"),
    ("under_18", "ex pupil, she's 20 now, sent me a friend request", "no"),
    ("under_18", "left 3 yrs ago and is 21 now", "no"),
    ("under_18", "a 19 year old ex student", "no"),
    ("under_18", "she's over 18 now", "no"),
    ("under_18", "he's an adult now", "no"),
    ("under_18", "can i add a yr 11 kid on snap", None),
    ("under_18", "a former pupil added me", None),
    # parental_consent
    ("parental_consent", "we have written consent from parents, can i post it", "yes"),
    ("parental_consent", "all parents signed the photo consent form", "yes"),
    ("parental_consent", "consent forms are back, can i post the trip pics", "yes"),
    ("parental_consent", "no consent forms back yet, can i post the class photo", "no"),
    ("parental_consent", "can i post it without asking the parents", "no"),
    ("parental_consent", "i only have a verbal ok from mum", "no"),
    ("parental_consent", "parent said no to photos, can i post it", "no"),
    ("parental_consent", "her dad hasnt returned the consent slip", "no"),
    (
        "parental_consent",
        "a few photo forms still haven't come back, can i post the team pic",
        "no",
    ),
    ("parental_consent", "do i need consent to post pupils' photos", None),
    ("parental_consent", "can i put sports day pics on the school fb page", None),
    # senior_approval
    ("senior_approval", "SLT have approved it, can i start a twitter for yr 10", "yes"),
    ("senior_approval", "the head and slt signed off our library instagram", "yes"),
    ("senior_approval", "the head gave us the go ahead for a class blog", "yes"),
    ("senior_approval", "can i start a facebook page for the choir without asking anyone", "no"),
    ("senior_approval", "senior leaders said no to a dept insta", "no"),
    ("senior_approval", "it hasn't been approved yet", "no"),
    ("senior_approval", "sign off for the choir insta came through from slt today", "yes"),
    ("senior_approval", "who has to approve a new school account", None),
    ("senior_approval", "can i set up an insta for my class", None),
    # written_permission
    ("written_permission", "the head gave me written permission to use the logo", "yes"),
    ("written_permission", "got written permission from the principal", "yes"),
    ("written_permission", "the head said in an email i can use the logo", "yes"),
    ("written_permission", "can i use the trust logo on my etsy shop without asking", "no"),
    ("written_permission", "no permission but can i post the new slogan", "no"),
    ("written_permission", "i haven't asked anyone, can i post the notes", "no"),
    ("written_permission", "the head verbally said it was fine", "no"),
    ("written_permission", "we've got written permision from the trust for the crest", "yes"),
    ("written_permission", "the principal emailed me to say its fine to use the badge", "yes"),
    ("written_permission", "the head emailed us saying we can use the motto", "yes"),
    ("written_permission", "the head ok'd it but didnt put it in writing", "no"),
    ("written_permission", "do i need permission to use the school logo", None),
    ("written_permission", "can i use the school logo on my tutoring website", None),
    # account_type
    ("account_type", "can i email parents from my gmail", "personal"),
    ("account_type", "can i run the class insta from my personal account", "personal"),
    ("account_type", "can i use my own outlok.com adress to email the pta", "personal"),
    ("account_type", "should i use my school email to contact parents", "official"),
    ("account_type", "is it ok to email governors from my official academy account", "official"),
    ("account_type", "which email should i use", None),
    ("account_type", "can i put the academy crest on my insta", "personal"),
]


@pytest.mark.parametrize(("fact", "question", "expected"), CASES, ids=[c[1] for c in CASES])
def test_question_gives_the_fact_value(fact: str, question: str, expected: str | None) -> None:
    assert matching_values(fact, question) == ({expected} if expected else set())


def test_every_option_is_reachable_by_a_case() -> None:
    covered = {(fact, value) for fact, _, value in CASES if value}
    every = {(name, o.value) for name, f in kb().facts.items() for o in f.options}
    assert every - covered == set()


def test_no_dev_question_matches_two_options_of_one_fact() -> None:
    if not DEV_SET.exists():
        pytest.skip("no dev question set")
    questions = [item["q"] for item in yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))]
    clashes = [
        (fact, q)
        for q in questions
        if isinstance(q, str)
        for fact in kb().facts
        if len(matching_values(fact, q)) > 1
    ]
    assert clashes == []

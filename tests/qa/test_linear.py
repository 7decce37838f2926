"""The n-gram SVM (bot/qa/linear.py) and the model cache (bot/qa/model_cache.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.qa import model_cache
from bot.qa.linear import SVM_C, LinearModel, cached_model, features

CLASSES = [
    ["can i follow a pupil on instagram", "pupil added me on insta", "friend request from a kid"],
    ["can i use the school logo", "academy crest on my blog", "using the trust logo"],
    ["who do i tell about a parent's post", "parent slagging off the school on facebook"],
]


def test_features_are_letters_inside_words_words_and_word_pairs() -> None:
    got = features("Insta DM")
    assert {" i", "in", "ins", "inst", " ins", "sta ", " dm ", "dm"} <= set(got)
    assert {"w:insta", "w:dm", "w:insta dm"} <= set(got)
    assert "a d" not in got  # no n-gram spans two words


def test_scores_are_exactly_the_trained_svms_decisions() -> None:
    model = LinearModel.train(CLASSES)
    docs = [t for texts in CLASSES for t in texts]
    labels = [i for i, texts in enumerate(CLASSES) for _ in texts]
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
    svm = LinearSVC(C=SVM_C, random_state=0).fit(vectoriser.fit_transform(docs), labels)
    for question in ["is it ok to folow a yr 9 on instgram", "logo on my etsy shop", "zzz"]:
        expected = svm.decision_function(vectoriser.transform([question]))[0]
        assert np.allclose(model.scores(question), expected, atol=1e-5)


def test_a_typo_still_finds_its_entry() -> None:
    model = LinearModel.train(CLASSES)
    assert int(np.argmax(model.scores("can i folow a studnet on instgram"))) == 0
    assert int(np.argmax(model.scores("trust crest on my own website"))) == 1


def test_two_classes_and_one_class_train() -> None:
    two = LinearModel.train(CLASSES[:2])
    assert int(np.argmax(two.scores("school logo"))) == 1
    assert int(np.argmax(two.scores("pupil on insta"))) == 0
    one = LinearModel.train(CLASSES[:1])
    assert one.classes == 1 and one.scores("anything")[0] == 0.0  # no evidence either way


def test_the_cache_trains_once_and_tells_texts_apart(tmp_path: Path) -> None:
    first = cached_model(CLASSES, tmp_path)
    (path,) = tmp_path.glob("linear-*.npz")
    again = cached_model(CLASSES, tmp_path)
    assert np.allclose(first.scores("logo"), again.scores("logo"), atol=1e-2)  # float16 on disk
    cached_model([*CLASSES, ["a fourth class about privacy settings"]], tmp_path)
    assert len(list(tmp_path.glob("linear-*.npz"))) == 2
    path.write_bytes(b"not a model")  # a damaged file is trained again, not trusted
    assert np.allclose(cached_model(CLASSES, tmp_path).scores("logo"), first.scores("logo"))


def test_an_unwritable_cache_still_gives_a_model(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    model = cached_model(CLASSES, blocked / "cache")
    assert int(np.argmax(model.scores("school logo"))) == 1


def test_the_cache_keeps_only_the_newest_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_cache, "KEEP", 2)
    for n in range(4):
        cached_model([*CLASSES, [f"class number {n}"]], tmp_path)
    assert len(list(tmp_path.glob("linear-*.npz"))) == 2


def test_the_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_CACHE", "/srv/policybot-cache")
    assert model_cache.cache_dir() == Path("/srv/policybot-cache")
    monkeypatch.delenv("POLICYBOT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/x")
    assert model_cache.cache_dir() == Path("/var/cache/x/policybot")

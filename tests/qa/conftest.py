"""Fixtures for the policy Q&A tests: one engine over the bundled knowledge base."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.qa.engine import AnswerEngine


@pytest.fixture(scope="session", autouse=True)
def model_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Trained models go to a temporary directory, never ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICYBOT_CACHE", str(tmp_path_factory.mktemp("model-cache")))
        yield


@pytest.fixture(scope="session")
def engine() -> AnswerEngine:
    """The answer engine over the bundled KB (loaded once per session)."""
    return AnswerEngine.from_file()

"""Errors raised inside the dialog package."""

from __future__ import annotations


class InvalidAnswer(ValueError):
    """An answer could not be used; ``hint`` says specifically what to do instead."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


class IncompleteReport(ValueError):
    """A report cannot be submitted yet; ``errors`` maps each field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

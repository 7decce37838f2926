"""Load and validate a knowledge-base YAML file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from policy_kb.schema import KnowledgeBase

DEFAULT_KB = Path(__file__).with_name("social_media_policy.yaml")
#: libyaml's parser when PyYAML was built with it (several times faster), else pure Python
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is missing, unreadable or malformed; the message says where."""


def default_kb_path() -> Path:
    """The KB file in use: ``POLICY_KB`` if set, else the bundled one."""
    env = os.environ.get("POLICY_KB")
    return Path(env) if env else DEFAULT_KB


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """Describe a validation location, naming the entry by its id where possible."""
    parts: list[str] = []
    node = data
    for i, key in enumerate(loc):
        if key == "entries" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            node = node.get(key) if isinstance(node, dict) else None
            continue
        if isinstance(key, int) and i > 0 and loc[i - 1] == "entries":
            entry_id = None
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict):
                entry_id = node[key].get("id")
            parts.append(f"entry {entry_id!r}" if entry_id else f"entry #{key + 1}")
        else:
            parts.append(f"field {key!r}" if isinstance(key, str) else f"item #{key + 1}")
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return ", ".join(parts) or "top level"


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """Read, parse and validate a KB file; raise :class:`KnowledgeBaseError` naming the problem."""
    kb_path = Path(path) if path else default_kb_path()
    data = _read_yaml(kb_path, "the knowledge base")
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{kb_path}: expected a mapping with 'policy' and 'entries'")
    try:
        kb = KnowledgeBase.model_validate(data)
    except ValidationError as exc:
        lines = [f"{kb_path}: the knowledge base is not valid:"]
        for err in exc.errors():
            lines.append(f"  - {_where(data, tuple(err['loc']))}: {err['msg']}")
        raise KnowledgeBaseError("\n".join(lines)) from exc
    if kb.examples_file:
        kb = _with_examples(kb, kb_path.parent / kb.examples_file)
    return kb


def _read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML file; :class:`KnowledgeBaseError` naming ``path`` if unreadable or invalid."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeBaseError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    try:
        return yaml.load(raw, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path}: not valid YAML: {exc}") from exc


#: the examples file's key for questions the policy does not cover (the scope gate's)
OUT_OF_SCOPE_KEY = "out-of-scope"


def _with_examples(kb: KnowledgeBase, path: Path) -> KnowledgeBase:
    """Attach the labelled example questions in ``path`` to their entries."""
    data = _read_yaml(path, "the examples file")
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping of entry id -> list of questions")
    known = {e.id for e in kb.entries} | {OUT_OF_SCOPE_KEY}
    for entry_id, questions in data.items():
        if entry_id not in known:
            raise KnowledgeBaseError(f"{path}: entry {entry_id!r} is not in the knowledge base")
        if not isinstance(questions, list) or not all(
            isinstance(q, str) and q.strip() for q in questions
        ):
            raise KnowledgeBaseError(
                f"{path}: entry {entry_id!r}: expected a list of non-empty questions"
            )
    entries = [e.model_copy(update={"examples": list(data.get(e.id, []))}) for e in kb.entries]
    update: dict[str, object] = {"entries": entries}
    if kb.scope is not None:
        update["scope"] = kb.scope.model_copy(
            update={"examples": list(data.get(OUT_OF_SCOPE_KEY, []))}
        )
    return kb.model_copy(update=update)


def policy_text_path(kb: KnowledgeBase, kb_path: str | Path | None = None) -> Path:
    """Where the policy text the KB quotes lives (``source`` is relative to the KB file)."""
    base = Path(kb_path) if kb_path else default_kb_path()
    return (base.parent / kb.policy.source).resolve()

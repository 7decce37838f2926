"""Where trained Q&A models are kept between runs, so ``policybot ask`` starts fast.

A model file is named by a hash of everything it was trained on *and* of the code and word
lists that turn text into features (:data:`FEATURE_SOURCES`), so editing the knowledge base,
its examples or that code trains a new model instead of loading a stale one. The directory
is ``$POLICYBOT_CACHE``, else ``$XDG_CACHE_HOME/policybot``, else ``~/.cache/policybot``; only
the newest :data:`KEEP` files are kept. If it cannot be written the model is simply trained
again next time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

#: the files whose content decides how text becomes features
FEATURE_SOURCES = (
    "text.py",
    "frames.py",
    "classifier.py",
    "linear.py",
    "matcher.py",
    "stopwords.txt",
    "english_words.txt",
)
#: model files kept in the cache directory (the newest)
KEEP = 40


def cache_dir() -> Path:
    """The directory models are cached in."""
    explicit = os.environ.get("POLICYBOT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policybot"


@cache
def _code_digest() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in FEATURE_SOURCES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()


def _model_path(kind: str, trained_on: Any, suffix: str, directory: Path | None = None) -> Path:
    """The cache file for a ``kind`` of model trained on ``trained_on`` (JSON-able)."""
    h = hashlib.sha256(_code_digest().encode())
    h.update(json.dumps(trained_on, ensure_ascii=False, sort_keys=True).encode())
    return (directory or cache_dir()) / f"{kind}-{h.hexdigest()[:24]}{suffix}"


def cached(
    kind: str,
    trained_on: Any,
    *,
    train: Callable[[], T],
    load: Callable[[Path], T],
    write: Callable[[T, IO[bytes]], None],
    suffix: str,
    directory: Path | None = None,
) -> T:
    """The ``kind`` of model trained on ``trained_on``: loaded from the cache, or trained
    with ``train`` and stored with ``write`` (a damaged file is trained again)."""
    path = _model_path(kind, trained_on, suffix, directory)
    if path.exists():
        try:
            model = load(path)
            path.touch()  # recently used: kept by the pruning
            return model
        except (OSError, ValueError, KeyError) as exc:
            log.warning("cached Q&A model %s unreadable (%s); training again", path.name, exc)
    model = train()
    _store(path, lambda fh: write(model, fh))
    return model


def _store(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` atomically with ``write``, then drop all but the newest files; a
    directory that cannot be written is logged, not raised."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _prune(path.parent)
    except OSError as exc:
        log.warning("could not cache a Q&A model in %s: %s", path.parent, exc)


def _prune(directory: Path) -> None:
    files = sorted(
        (p for p in directory.iterdir() if p.suffix in {".npz", ".json"}),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)

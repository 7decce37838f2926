"""Policy Q&A: accuracy of our engine vs a plain BM25 baseline, latency, throughput, start-up.

Run: ``python -m benchmarks.qa_accuracy`` (``--misses`` lists the engine's misses on the
training sets, cross-validated by default; held-out misses are never listed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from benchmarks.qa_data import (
    FOLDS,
    HELDOUT_SETS,
    OUT_OF_SCOPE_SETS,
    TRAINING_SETS,
    Labelled,
    load,
    untaught_folds,
)
from bot.qa.engine import TOPIC_FACT, AnswerEngine
from bot.qa.matcher import entry_documents
from bot.qa.text import STOPWORDS, clean, stem, words
from policy_kb.schema import KnowledgeBase


@dataclass(frozen=True)
class Prediction:
    """What a system said for one question."""

    rule: str | None
    verdict: str
    text: str
    follow_up_fact: str | None


def _plain_tokens(text: str) -> list[str]:
    return [stem(w) for w in words(clean(text)) if w not in STOPWORDS]


class Bm25Baseline:
    """Plain BM25 (rank_bm25, stemmed, no synonyms, facts or typo handling) over the same
    entry documents; verdict = the top entry's default verdict; no_match below a score
    threshold chosen to suit the baseline best on the dev set."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.entries = list(kb.entries)
        self.bm25 = BM25Okapi([_plain_tokens(" ".join(entry_documents(e))) for e in self.entries])
        self.threshold = 0.0

    def scores(self, q: str) -> tuple[int, float]:
        toks = _plain_tokens(q)
        if not toks:
            return -1, 0.0
        s = self.bm25.get_scores(toks)
        best = int(max(range(len(s)), key=lambda i: s[i]))
        return best, float(s[best])

    def tune(self, data: list[Labelled]) -> None:
        """Pick the no-match threshold that maximises verdict accuracy on ``data``."""
        scored = [(self.scores(x.q), x) for x in data]
        best_t, best_acc = 0.0, -1.0
        for t in [i * 0.5 for i in range(0, 41)]:
            acc = sum(self._verdict(i, s, t) == x.verdict for (i, s), x in scored)
            if acc > best_acc:
                best_t, best_acc = t, acc
        self.threshold = best_t

    def _verdict(self, i: int, s: float, t: float) -> str:
        return "no_match" if i < 0 or s <= t else self.entries[i].verdict

    def predict(self, q: str) -> Prediction:
        i, s = self.scores(q)
        verdict = self._verdict(i, s, self.threshold)
        rule = None if verdict == "no_match" else self.entries[i].id
        text = "" if rule is None else self.entries[i].answer
        return Prediction(rule, verdict, text, None)


def engine_predict(engine: AnswerEngine) -> Callable[[str, dict[str, str]], Prediction]:
    def predict(q: str, facts: dict[str, str]) -> Prediction:
        a = engine.answer(q, facts)
        return Prediction(
            a.rule_ids[0] if a.rule_ids else None,
            a.verdict,
            a.answer,
            a.follow_up.fact if a.follow_up else None,
        )

    return predict


@dataclass
class Score:
    """Counts over one labelled set."""

    n: int = 0
    rule: int = 0
    verdict: int = 0
    full: int = 0  # right verdict AND mentions AND follow-up fact
    asked_topic: int = 0  # answered with a "which did you mean" choice
    out_of_scope_answered: int = 0  # a no_match question given some other verdict

    def add(self, other: Score) -> None:
        """Add ``other``'s counts to this score."""
        self.n += other.n
        self.rule += other.rule
        self.verdict += other.verdict
        self.full += other.full
        self.asked_topic += other.asked_topic
        self.out_of_scope_answered += other.out_of_scope_answered

    def line(self) -> str:
        pct = lambda k: f"{100 * k / max(self.n, 1):5.1f}%"  # noqa: E731
        return (
            f"rule top-1 {pct(self.rule)}   verdict {pct(self.verdict)}   "
            f"verdict+people/facts {pct(self.full)}   which-topic {self.asked_topic}   "
            f"(n={self.n})"
        )


def grade(x: Labelled, p: Prediction) -> tuple[bool, bool, bool]:
    """(rule right, verdict right, verdict + mentions + follow-up fact right)."""
    rule_ok = (not x.rules and p.rule is None) or (p.rule in x.rules)
    verdict_ok = p.verdict == x.verdict
    mentions_ok = all(m.lower() in p.text.lower() for m in x.mentions)
    fu_ok = x.verdict != "conditional" or x.follow_up_fact in (None, p.follow_up_fact)
    return rule_ok, verdict_ok, verdict_ok and mentions_ok and fu_ok


def evaluate(
    data: list[Labelled], predict: Callable[[Labelled], Prediction]
) -> tuple[Score, list[tuple[Labelled, Prediction]]]:
    """Score a system over a labelled set; also return its misses."""
    score, misses = Score(), []
    for x in data:
        p = predict(x)
        r, v, f = grade(x, p)
        score.n += 1
        score.rule += r
        score.verdict += v
        score.full += f
        score.asked_topic += p.follow_up_fact == TOPIC_FACT
        score.out_of_scope_answered += x.verdict == "no_match" and p.verdict != "no_match"
        if not f:
            misses.append((x, p))
    return score, misses


@dataclass(frozen=True)
class Latency:
    """Per-question answer times (ms), warm, one core."""

    p50: float
    p99: float
    cpu_p50: float  # CPU time of the answering thread: leaves out waiting for a busy core
    cpu_p99: float
    per_second: float


def _p50_p99(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def latency(engine: AnswerEngine, questions: list[str], rounds: int = 3) -> Latency:
    """Wall-clock and CPU p50/p99 per question and questions/second, one core, warm. On a
    shared machine the wall clock also counts time spent waiting for a core; the thread's
    CPU time does not."""
    for q in questions:
        engine.answer(q)
    wall: list[float] = []
    cpu: list[float] = []
    start = time.perf_counter()
    for _ in range(rounds):
        for q in questions:
            t0, c0 = time.perf_counter(), time.thread_time()
            engine.answer(q)
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    (p50, p99), (cpu_p50, cpu_p99) = _p50_p99(wall), _p50_p99(cpu)
    return Latency(p50, p99, cpu_p50, cpu_p99, len(wall) / total)


def _load() -> str:
    """The machine's 1-minute load average and core count, to read the wall-clock figures."""
    try:
        return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


def startup_seconds(runs: int = 5) -> float:
    """Median wall time of ``policybot ask --json "..."`` as a fresh process."""
    cmd = [sys.executable, "-m", "bot", "ask", "--json", "can i add a yr 11 kid on snap"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def batch_throughput(questions: list[str]) -> tuple[int, float]:
    """Questions/second of ``policybot ask --json`` batch mode (stdin), process start included."""
    payload = ("\n".join(questions) + "\n").encode()
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input=payload,
        check=True,
        capture_output=True,
    ).stdout
    elapsed = time.perf_counter() - t0
    return out.count(b"\n"), len(questions) / elapsed


def cross_validated(
    engine: AnswerEngine, data: list[Labelled], k: int = FOLDS
) -> tuple[Score, list[tuple[Labelled, Prediction]]]:
    """Score training questions, each fold answered by an engine not taught that fold."""
    total, misses = Score(), []
    for untaught, fold in untaught_folds(engine.kb, data, k):
        predict = engine_predict(untaught)

        def ask(
            x: Labelled, predict: Callable[[str, dict[str, str]], Prediction] = predict
        ) -> Prediction:
            return predict(x.q, x.facts)

        s, m = evaluate(fold, ask)
        total.add(s)
        misses += m
    return total, misses


def _print_misses(misses: list[tuple[Labelled, Prediction]]) -> None:
    for x, p in misses:
        print(
            f"   MISS {x.q[:70]!r}: want {x.verdict} {x.rules} {x.mentions or ''}"
            f" got {p.verdict} {p.rule} {p.follow_up_fact or ''}"
        )


def main(argv: list[str] | None = None) -> int:
    """Print the Q&A benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list the engine's misses")
    parser.add_argument(
        "--set",
        default="cv",
        choices=["cv", *TRAINING_SETS],
        help="set for --misses (cv: training sets cross-validated; held-out never shown)",
    )
    args = parser.parse_args(argv)
    engine = AnswerEngine.from_file()
    baseline = Bm25Baseline(engine.kb)
    sets = {name: load(name) for name in TRAINING_SETS}
    held = {name: load(name) for name in HELDOUT_SETS}
    baseline.tune(sets["dev"])
    ours = engine_predict(engine)
    names = "+".join(TRAINING_SETS)
    print("== Policy Q&A accuracy (labelled sets in tests/data) ==")
    print(
        f"{', '.join(TRAINING_SETS)} are training sets (the KB's example questions): 'taught'\n"
        f"scores them as taught, 'cross-val.' answers each of {FOLDS} folds with an engine not\n"
        f"taught it. {', '.join(HELDOUT_SETS)} are never taught nor tuned on. BM25 indexes\n"
        "the same entry documents (examples included)."
    )
    training = [x for data in sets.values() for x in data]
    s_cv, cv_misses = cross_validated(engine, training)
    for name, data in (*sets.items(), *held.items()):
        s_base, _ = evaluate(data, lambda x: baseline.predict(x.q))
        s_ours, misses = evaluate(data, lambda x: ours(x.q, x.facts))
        label = "policybot" if name in held else "taught   "
        print(f"{name:>8}  BM25 baseline   : {s_base.line()}")
        print(f"{name:>8}  {label}       : {s_ours.line()}")
        if args.misses and name == args.set:
            _print_misses(misses)
    print(f"{names} cross-val.: {s_cv.line()}")
    missed = {(x.q, x.verdict) for x, _ in cv_misses}
    per_set = "   ".join(
        f"{name} {100 * sum((x.q, x.verdict) not in missed for x in data) / len(data):.1f}%"
        for name, data in sets.items()
    )
    print(f"  verdict+people/facts per set, cross-val.: {per_set}")
    if args.misses and args.set == "cv":
        _print_misses(cv_misses)
    all_held = [x for data in held.values() for x in data]
    s_held, _ = evaluate(all_held, lambda x: ours(x.q, x.facts))
    print(f"held-out, all sets        : {s_held.line()}")
    print("\n== Out of scope (near-domain questions the policy does not cover; all no_match) ==")
    outside = [x for name in OUT_OF_SCOPE_SETS for x in load(name)]
    for name in OUT_OF_SCOPE_SETS:
        s_out, _ = evaluate(load(name), lambda x: ours(x.q, x.facts))
        print(f"{name:>10}  answered {s_out.out_of_scope_answered} of {s_out.n} (the aim is 0)")
    everything = [*training, *all_held, *outside]
    asked = sum(ours(x.q, x.facts).follow_up_fact == TOPIC_FACT for x in everything)
    print(
        f"\n'which did you mean' choices asked: {asked} of {len(everything)} questions "
        f"(taught + held-out + out of scope); {s_cv.asked_topic} of {s_cv.n} cross-validated"
    )
    two = sum(len(engine.answer_asks(x.q, x.facts)) == 2 for x in everything)
    print(f"two answers (a message asking two things): {two} of {len(everything)} questions")
    qs = [x.q for x in training + all_held + outside]
    lat = latency(engine, qs)
    print("\n== Latency (one core, in process, warm) ==")
    print(
        f"per question  p50 {lat.p50:.2f} ms   p99 {lat.p99:.2f} ms   "
        f"({lat.per_second:,.0f} questions/s)"
    )
    print(f"CPU time      p50 {lat.cpu_p50:.2f} ms   p99 {lat.cpu_p99:.2f} ms   (load: {_load()})")
    n, bps = batch_throughput(qs * 5)
    print(f"batch mode    {n} answers, {bps:,.0f} questions/s (process start included)")
    print(
        f"start-up      policybot ask --json: {startup_seconds():.2f} s "
        "(median of 5 fresh processes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Fit the answer engine's confidence (a logistic) on the labelled training sets.

Run: ``python -m benchmarks.calibrate``. For every training question (``TRAINING_SETS``) the
scope gate lets through, the features of the top-ranked entry
(:func:`bot.qa.engine.confidence_features`) are paired with whether that entry is an
acceptable one (out-of-scope questions count as wrong). The training questions are also the
KB's example questions, so features are *cross-fitted*: each fold is ranked by an engine
that has not been taught that fold's questions, as an unseen question would be. The script
prints the fitted weights (paste them into ``CONFIDENCE_WEIGHTS``), the threshold that
maximises accuracy and a reliability table (predicted vs observed correctness).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from benchmarks.qa_data import FOLDS, load_training, untaught_folds
from bot.qa.engine import (
    CONFIDENCE_FEATURES,
    CONFIDENCE_WEIGHTS,
    confidence_features,
)
from policy_kb.loader import load_kb


def dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, top entry right, question out of scope) over the training questions that
    reach the confidence gate, each ranked by an engine not taught its fold."""
    data = [x for x in load_training() if x.q.strip()]
    xs: list[list[float]] = []
    ys: list[float] = []
    out: list[bool] = []
    for engine, fold in untaught_folds(load_kb(), data):
        for x in fold:
            reading = engine.matcher.reader.read(x.q)
            ranked = engine.matcher.rank(x.q, reading=reading)
            if not ranked or not reading.in_scope:
                continue
            xs.append(confidence_features(ranked[0], ranked[1] if len(ranked) > 1 else None))
            ys.append(1.0 if ranked[0].entry.id in x.rules else 0.0)
            out.append(x.verdict == "no_match")
    return np.array(xs), np.array(ys), np.array(out)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.05, steps: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (bias not penalised)."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x.T * (p * (1 - p))) @ x + np.diag(penalty + 1e-9)
        w -= np.linalg.solve(hess, grad)
    return w


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 5) -> list[str]:
    """Rows of predicted vs observed correctness by confidence bin."""
    rows = ["  confidence      n   mean predicted   observed correct"]
    edges = np.linspace(0.0, 1.0, bins + 1)
    for lo, hi in itertools.pairwise(edges):
        m = (p >= lo) & (p < hi if hi < 1.0 else p <= hi)
        if m.any():
            rows.append(
                f"  {lo:.1f}-{hi:.1f}   {m.sum():5d}   {p[m].mean():14.2f}   {y[m].mean():16.2f}"
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Fit and print the confidence weights, threshold and reliability table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--l2", type=float, default=0.05, help="ridge penalty")
    args = parser.parse_args(argv)
    x, y, out_of_scope = dataset()
    w = fit(x, y, args.l2)
    print(
        f"training questions past the scope gate: {len(y)}, top entry right: {int(y.sum())}"
        f" (cross-fitted over {FOLDS} folds)"
    )
    print("fitted weights:")
    for name, value in zip(CONFIDENCE_FEATURES, w, strict=True):
        print(f"  {name:>14} {value:8.3f}")
    print("CONFIDENCE_WEIGHTS = (" + ", ".join(f"{v:.2f}" for v in w) + ")")
    for label, weights in (("current", np.array(CONFIDENCE_WEIGHTS)), ("fitted", w)):
        p = 1.0 / (1.0 + np.exp(-(x @ weights)))
        # an answer is right when its entry is; declining is right only when out of scope
        best = max(
            (float(np.mean(np.where(p >= t, y == 1, out_of_scope))), -float(t))
            for t in np.linspace(0.05, 0.95, 19)
        )
        print(
            f"\n{label} weights: best gate threshold {-best[1]:.2f} "
            f"(answer-or-decline right {100 * best[0]:.1f}%; "
            f"{int(out_of_scope.sum())} out-of-scope questions passed the scope gate)"
        )
        print("\n".join(reliability(p, y)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``policybot unanswered``: questions the policy did not cover, for the policy owner."""

from __future__ import annotations

import argparse
from typing import Any

from bot.qa.unanswered import log_path, read_unanswered


def register(sub: Any) -> None:
    """Add the ``unanswered`` sub-command."""
    p = sub.add_parser(
        "unanswered",
        help="list questions the policy did not cover, most asked first",
        description="Questions answered 'not covered by the policy', from UNANSWERED_LOG "
        "(default var/unanswered.jsonl), most asked first.",
    )
    p.add_argument("--limit", type=int, default=50, help="how many to show (default 50)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the unanswered questions with how often each was asked."""
    rows = read_unanswered()
    if not rows:
        print(f"No unanswered questions recorded in {log_path()}.")
        return 0
    print(f"Questions the policy did not cover ({log_path()}):")
    for question, count in rows[: max(args.limit, 1)]:
        print(f"{count:5d}  {question}")
    return 0

"""``policybot ask``: answer policy questions from the command line (the answer contract)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from policy_kb.loader import KnowledgeBaseError


def register(sub: Any) -> None:
    """Add the ``ask`` sub-command."""
    p = sub.add_parser(
        "ask",
        help="answer a policy question (or one per line from standard input)",
        description="Answer social-media policy questions. With no QUESTION, read one question "
        "per line from standard input and print one answer per question, in order.",
    )
    p.add_argument("question", nargs="*", help="the question (quotes optional)")
    p.add_argument("--json", action="store_true", help="print the JSON answer object")
    p.add_argument(
        "--fact",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a fact the answer may turn on, e.g. under_18=no (repeatable)",
    )
    p.add_argument("--kb", help="knowledge-base file (default: POLICY_KB or the bundled policy)")
    p.set_defaults(func=run)


def _parse_facts(items: list[str]) -> dict[str, str]:
    facts: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"--fact {item!r}: expected NAME=VALUE, e.g. --fact under_18=no")
        facts[name.strip()] = value.strip()
    return facts


def run(args: argparse.Namespace) -> int:
    """Answer the question(s); exit 0, or 2 for bad arguments or a broken knowledge base."""
    from bot.qa.answer import Answer
    from bot.qa.engine import AnswerEngine
    from bot.qa.unanswered import log_unanswered

    unanswered: list[Answer] = []
    try:
        facts = _parse_facts(args.fact)
        engine = AnswerEngine.from_file(args.kb, on_unanswered=unanswered.append)
    except (ValueError, KnowledgeBaseError) as exc:
        print(f"policybot ask: {exc}", file=sys.stderr)
        return 2
    unknown = sorted(set(facts) - set(engine.kb.facts))
    if unknown:
        names = ", ".join(sorted(engine.kb.facts))
        print(f"policybot ask: unknown fact(s) {unknown}; known facts: {names}", file=sys.stderr)
        return 2

    def emit(question: str) -> None:
        answer = engine.answer(question, facts)
        if args.json:
            sys.stdout.write(answer.to_json() + "\n")
        else:
            sys.stdout.write(answer.to_text() + "\n")

    if args.question:
        emit(" ".join(args.question))
    else:
        first = True
        for line in sys.stdin:
            if not args.json and not first:
                sys.stdout.write("\n")
            emit(line.rstrip("\r\n"))
            first = False
    sys.stdout.flush()
    log_unanswered(unanswered)
    return 0

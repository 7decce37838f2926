"""The ``policybot`` command: a thin dispatcher over one module per sub-command.

Each module in :mod:`bot.commands` exposes ``register(subparsers)`` which adds its parser and
sets ``func`` (returning an exit code). Modules are imported only when needed so that
``policybot ask`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: sub-command name -> module under bot.commands that defines it
COMMANDS: dict[str, str] = {
    "ask": "ask",
    "chat": "chat",
    "db": "db",
    "admin": "admin",
    "incidents": "incidents",
    "worker": "worker",
    "serve": "serve",
    "teams-package": "teams_package",
    "teams-reach": "teams_reach",
    "unanswered": "unanswered",
    "doctor": "doctor",
    "campaigns": "campaigns",
    "accounts": "accounts",
    "report": "report",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that sub-command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="policybot",
        description="Social-media policy answers and incident reporting for school staff.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, add_help=False)
            continue
        try:
            mod = importlib.import_module(f"bot.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bot.commands.{module}":
                raise
            continue  # not built yet in this checkout
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``policybot`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(args_list)
    func = getattr(args, "func", None)
    if func is None:
        build_parser().print_help()
        return 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

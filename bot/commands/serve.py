"""``policybot serve``: the web server (Slack, Teams, health checks) and, unless
``RUN_WORKER=false``, the outbox worker in the same process."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import ConfigError, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve``."""
    p = subparsers.add_parser(
        "serve",
        help="run the web server for Slack and Teams",
        description="Serve /slack/events, /api/messages, /healthz and /readyz. Settings come "
        "from environment variables (see the README).",
    )
    p.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    """Validate settings (exit 2 listing each problem), then serve until SIGTERM."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print("policybot serve: cannot start; please fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    from adapters.server.logging import configure_logging
    from adapters.server.run import serve

    configure_logging(settings.log_level)
    try:
        asyncio.run(serve(settings))
    except OSError as exc:
        print(f"policybot serve: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:  # an adapter's own settings (e.g. Teams credentials)
        print("policybot serve: cannot start; please fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    return 0

"""Run every benchmark in turn and print its numbers: ``python -m benchmarks`` / ``make bench``.

Each one also runs on its own: ``python -m benchmarks.qa_accuracy``,
``python -m benchmarks.incident_submissions``, ``python -m benchmarks.server_load``.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("qa_accuracy", "incident_submissions", "server_load", "report_generation")


def main() -> int:
    """Run each benchmark as its own process (fresh start-up, no shared state)."""
    failed = []
    for name in BENCHMARKS:
        print(f"\n##### benchmarks.{name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Garbage collection for long-running processes (``policybot serve`` and ``worker``).

Start-up loads some 120,000 objects that live as long as the process: the libraries, the
knowledge base, the Q&A models. CPython's full collections walk every one of them, each
time stalling all requests for 60-120 ms (``benchmarks/server_load.py`` saw it as the ack
p99). :func:`settle` exempts what start-up made; what requests create is collected as usual.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect start-up's garbage, then leave the rest out of future collections."""
    gc.collect()
    gc.freeze()


def unsettle() -> None:
    """Hand the exempted objects back to the collector (the process is stopping)."""
    gc.unfreeze()

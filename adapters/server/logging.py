"""JSON log lines for the server: time, level, logger, message and request id.

Log lines carry references and ids only, never report details or children's names: callers
log an incident's reference, an outbox row id or a Slack error code, never a payload. As a
second guard, :class:`JsonFormatter` drops exception *messages* from third-party clients
(Slack's API errors echo the message that was sent) and keeps only the exception type.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

#: The id of the HTTP request being handled (``-`` outside a request).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_REQUEST_ID_HEADER = "X-Request-Id"
#: the Microsoft 365 Agents SDK's loggers (Teams) all live under this name
AGENTS_SDK_LOGGER = "microsoft_agents"
_SAFE_REQUEST_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, ``request_id``."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a single JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where it happened, never the exception's text (it may hold data).
            exc_type, _exc, tb = record.exc_info
            entry["error"] = exc_type.__name__
            frames = []
            while tb is not None:
                frames.append(f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}")
                tb = tb.tb_next
            entry["where"] = frames[-3:]
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Send every log record to ``stream`` (default stderr) as JSON lines at ``level``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log would print full URLs with query strings; ours logs path only.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Bolt's and slack_sdk's debug output includes request bodies: never below INFO.
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # The Agents SDK writes two INFO lines for every Teams reply (ids only; its debug output
    # has activities, so what people typed): only its warnings and errors are kept.
    logging.getLogger(AGENTS_SDK_LOGGER).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _incoming_request_id(request: web.Request) -> str:
    given = request.headers.get(_REQUEST_ID_HEADER, "")
    if 0 < len(given) <= 64 and set(given) <= _SAFE_REQUEST_ID:
        return given
    return uuid.uuid4().hex[:16]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
access_log = logging.getLogger("policybot.http")


@web.middleware
async def request_logging(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id (echoed in ``X-Request-Id``) and log method, path, status
    and duration — never the query string or body."""
    rid = _incoming_request_id(request)
    token = request_id.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[_REQUEST_ID_HEADER] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        if request.path not in {"/healthz", "/readyz"} or status >= 400:
            access_log.info("%s %s %s %.1fms", request.method, request.path, status, elapsed_ms)
        request_id.reset(token)

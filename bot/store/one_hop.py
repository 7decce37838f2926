"""SQLite statements in one trip to aiosqlite's thread instead of four.

aiosqlite runs every call on its connection's own thread, and SQLAlchemy's adapter makes four
calls per statement (open a cursor, execute, fetch the rows, close the cursor), each a hop
there and back through the event loop. :func:`use_one_hop_cursors` switches one pooled
connection to :class:`OneHopConnection`, whose cursor does all four in a single call; ``BEGIN``
and every statement of a transaction then cost one hop each (COMMIT and ROLLBACK already did).
Results, row counts, ``lastrowid`` and errors are those of the same ``sqlite3`` cursor calls,
and errors reach SQLAlchemy through the adapter's own exception handling, as before.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

#: (description, rows, rowcount, lastrowid) of one finished statement
_Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """On aiosqlite's thread: execute, fetch every row, close the cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs, is fetched and is closed in one hop."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # no aiosqlite cursor is opened: each statement opens and closes its own
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        """The last statement's column description (None when it returned no rows)."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed (sqlite3's rowcount)."""
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        """The last inserted row id (sqlite3's lastrowid)."""
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        """Rows per ``fetchmany`` (kept only for the DB-API)."""
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor was closed when it finished."""

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        """Run one statement and buffer its rows, in one hop."""
        self._finish(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        """Run one statement for each parameter set, in one hop."""
        self._finish(operation, seq_of_parameters, many=True)

    def _finish(self, operation: Any, parameters: Any, *, many: bool) -> None:
        try:
            outcome = await_(self._hop(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _hop(self, operation: Any, parameters: Any, many: bool) -> _Outcome:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await connection._execute(
                lambda: _run(connection._conn, operation, parameters, many)
            )
            return outcome


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with :class:`OneHopCursor` for plain cursors."""

    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]


def use_one_hop_cursors(dbapi_connection: Any) -> None:
    """Switch a new pooled aiosqlite connection (SQLAlchemy's adapter) to one-hop cursors."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection

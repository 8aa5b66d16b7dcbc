"""The outbox worker's throughput machinery, around the exactly-once protocol of
sender/delivery.py (which decides what is sent; this module only makes it fast):

- Reservations: a worker reserves due messages CLAIM_SIZE at a time in one statement that
  also returns them (`_reserve`), and on PostgreSQL reserves the next ones in the
  background over a connection of its own while the current ones are sent (`_Reserved`,
  `_AsyncReserve`).
- Pipelined marks: the protocol's one commit per message (`Marker`) goes, on PostgreSQL,
  over a connection of its own in asynchronous mode, as one prepared statement, so the
  SMTP server answers MAIL FROM and RCPT TO and the next message is built while the
  database commits (`_AsyncConnection`).
- Side by side: several SMTP connections of one run, each in a thread with a worker name
  of its own (`side_by_side`), started when there is work for them and given up when the
  server takes fewer (`Crew`).
Elsewhere (SQLite, psycopg 3, inside a transaction) everything is done inline, in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import select
import threading
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db import connections as db_connections
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import F
from django.utils import timezone

from mailflow.audit import status_transition_bulk
from sender.models import OutboundAttachment, OutboundMessage, OutboundStatusChange

try:
    import psycopg2
    import psycopg2.errors
    import psycopg2.extensions
except ImportError:  # psycopg 3 only: the marks are made inline
    psycopg2 = None

S = OutboundMessage.Status
HISTORY = {"history": OutboundStatusChange, "link": "message"}
# Messages reserved at a time (one query).
CLAIM_SIZE = 100


def reservation() -> timedelta:
    """How long a worker's reservation of messages it has not started holds."""
    return timedelta(seconds=settings.MAILFLOW_OUTBOX_RESERVATION_SECONDS)


def _claim(limit: int, worker: str, due_by=None) -> list[int]:
    """Reserve up to `limit` messages due by `due_by` for this worker; their ids."""
    return [message.pk for message, _attachments in _reserve(limit, worker, due_by)]


def _reserve_sql(limit: int, worker: str, due_by=None) -> tuple[str, list]:
    """The statement that reserves up to `limit` messages due by `due_by` for this worker
    and returns them (with whether each has attachments). On PostgreSQL rows another
    worker is reserving are skipped (SKIP LOCKED)."""
    now = timezone.now()
    table = OutboundMessage._meta.db_table
    attachments = OutboundAttachment._meta.db_table
    skip_locked = (
        "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    # The ids are picked once, in a materialized CTE: as "id IN (SELECT ... LIMIT n FOR
    # UPDATE SKIP LOCKED)" PostgreSQL may run the subquery again for each row (a nested
    # loop semi-join), and each run, seeing the rows just reserved, picks new ones: the
    # whole queue was reserved instead of n. Only the models' own table names are
    # interpolated; values are parameters.
    sql = (
        f"WITH picked AS MATERIALIZED (SELECT id FROM {table} "  # noqa: S608
        f"WHERE status = %s AND next_attempt_at <= %s "
        f"AND (claimed_at IS NULL OR claimed_at < %s) "
        f"ORDER BY next_attempt_at, id LIMIT %s {skip_locked}) "
        f"UPDATE {table} SET claimed_by = %s, claimed_at = %s "
        f"WHERE status = %s AND id IN (SELECT id FROM picked) RETURNING *, "
        f"EXISTS (SELECT 1 FROM {attachments} a WHERE a.message_id = {table}.id) "
        f"AS has_attachments"
    )
    return sql, [S.QUEUED, due_by or now, now - reservation(), limit, worker, now, S.QUEUED]


def _reserve(
    limit: int, worker: str, due_by=None
) -> list[tuple[OutboundMessage, list[OutboundAttachment]]]:
    """Reserve up to `limit` messages due by `due_by` for this worker, in one statement
    that also returns them, in id order, with their attachments."""
    with transaction.atomic():
        messages = list(OutboundMessage.objects.raw(*_reserve_sql(limit, worker, due_by)))
    return _with_attachments(messages)


def _with_attachments(
    messages: list[OutboundMessage],
) -> list[tuple[OutboundMessage, list[OutboundAttachment]]]:
    """In id order, each with its attachments (one query for those that have any;
    Django's prefetch costs a queryset each)."""
    messages.sort(key=lambda message: message.pk)
    attachments: dict[int, list[OutboundAttachment]] = {m.pk: [] for m in messages}
    wanted = [m.pk for m in messages if m.has_attachments]
    if wanted:
        for attachment in OutboundAttachment.objects.filter(message_id__in=wanted):
            attachments[attachment.message_id].append(attachment)
    return [(message, attachments[message.pk]) for message in messages]


class _Reserved:
    """The messages reserved for one SMTP session, claimed CLAIM_SIZE at a time as they
    are needed, up to `budget` (MAILFLOW_OUTBOX_BATCH_SIZE) in all. With a `prefetcher`
    the next ones are reserved in the background while the current ones are sent."""

    # Reserve more in the background when no more than this many are left.
    LOW = 20

    def __init__(
        self,
        worker: str,
        due_by,
        budget: int,
        prefetcher: _AsyncReserve | None = None,
    ) -> None:
        self.worker, self.due_by, self.left = worker, due_by, budget
        self.claimed = 0  # in all, for the run's report
        self.queue: deque[tuple[OutboundMessage, list[OutboundAttachment]]] = deque()
        self.drained = False  # nothing more was due
        self.prefetcher = prefetcher
        self.asked = 0  # by the background reservation under way

    def claim(self) -> bool:
        if self.left <= 0 or self.drained:
            return False
        asked = min(CLAIM_SIZE, self.left)
        return self._add(_reserve(asked, self.worker, self.due_by), asked)

    def _add(
        self, messages: list[tuple[OutboundMessage, list[OutboundAttachment]]], asked: int
    ) -> bool:
        # fewer than asked: nothing else was due and free (what another worker holds is
        # its own), so no more queries, nor a background connection, for this run
        self.drained = len(messages) < asked
        self.left -= len(messages)
        self.claimed += len(messages)
        self.queue.extend(messages)
        return bool(messages)

    def prefetch(self) -> None:
        """Start reserving the next messages (without waiting) when few are left."""
        prefetcher = self.prefetcher
        if (
            prefetcher is None
            or prefetcher.pending
            or self.drained
            or self.left <= 0
            or len(self.queue) > self.LOW
        ):
            return
        self.asked = min(CLAIM_SIZE, self.left)
        prefetcher.send(*_reserve_sql(self.asked, self.worker, self.due_by))

    def settle(self) -> None:
        """Take in what a background reservation returned (it holds those rows)."""
        if self.prefetcher is not None and self.prefetcher.pending:
            self._add(_with_attachments(self.prefetcher.fetch()), self.asked)

    def next(self) -> tuple[OutboundMessage, list[OutboundAttachment]] | None:
        if not self.queue:
            self.settle()
        if not self.queue:
            self.claim()
        return self.queue.popleft() if self.queue else None

    def ids(self) -> list[int]:
        self.settle()
        return [message.pk for message, _attachments in self.queue]


class _AsyncReserve:
    """A PostgreSQL connection in psycopg2's asynchronous mode for the reservations (each
    statement commits on its own): `send` starts one, `fetch` waits for its rows."""

    def __init__(self, params: dict) -> None:
        self.errors = connection.wrap_database_errors
        self.params = {k: v for k, v in params.items() if k != "cursor_factory"}
        self.conn = self.cursor = None  # connected with the first statement
        self.pending = False
        fields = OutboundMessage._meta.concrete_fields
        self.attnames = [f.attname for f in fields]

    def send(self, sql: str, params: list) -> None:
        with self.errors:
            if self.conn is None:
                self.conn = psycopg2.connect(**self.params, async_=True)
                _wait(self.conn)
                self.cursor = self.conn.cursor()
            self.cursor.execute(sql, params)
        self.pending = True

    def fetch(self) -> list[OutboundMessage]:
        self.pending = False
        with self.errors:
            _wait(self.conn)
            names = [column.name for column in self.cursor.description]
            rows = self.cursor.fetchall()
        messages = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            message = OutboundMessage.from_db(
                connection.alias, self.attnames, [values[name] for name in self.attnames]
            )
            message.has_attachments = values["has_attachments"]
            messages.append(message)
        return messages

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@contextlib.contextmanager
def _prefetcher(marker: Marker):
    """Background reservations where the marks are asynchronous (PostgreSQL, outside a
    transaction); None elsewhere."""
    if not marker.asynchronous:
        yield None
        return
    prefetcher = _AsyncReserve(connection.get_connection_params())
    try:
        yield prefetcher
    finally:
        prefetcher.close()


class Marker:
    """Records per-message progress. On PostgreSQL the marks go over a connection of the
    marker's own in psycopg2's asynchronous mode: `submit` sends the statement and
    returns at once, so the SMTP conversation and the building of the next message go on
    while the server commits, and `result()` waits for that commit. A caller inside a
    transaction (tests, or a command wrapping the run) holds rows another connection could
    not see yet: then, and on other databases, the marks are made inline."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.asynchronous = (
            connection.vendor == "postgresql"
            and psycopg2 is not None
            and not is_psycopg3
            and not connection.in_atomic_block
        )
        self.marks: _AsyncConnection | None = None  # opened with the first mark

    def __enter__(self) -> Marker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.marks is not None:
            self.marks.close()

    def submit(self, done: tuple[OutboundMessage, str] | None, start: OutboundMessage | None):
        """Start recording `done` (message, server reply) as sent and `start` as sending;
        `.result()` of what this returns says (once committed) whether this worker still
        held `start`."""
        if self.asynchronous:
            if self.marks is None:
                self.marks = _AsyncConnection(connection.get_connection_params(), self._sql())
            message, reply = done if done is not None else (None, "")
            return self.marks.send(
                (
                    timezone.now(),
                    self.worker,
                    message.pk if message is not None else None,
                    reply[:2000],
                    reply[:1000],
                    start.pk if start is not None else None,
                )
            )
        return _Done(self._mark(done, start))

    def mark(self, done, start=None) -> bool:
        return self.submit(done, start).result()

    def _mark(self, done, start) -> bool:
        """One transaction: `done` (message, server reply) becomes sent; `start` becomes
        sending if this worker still holds its reservation (returns whether it does)."""
        now = timezone.now()
        mine = OutboundMessage.objects.filter(claimed_by=self.worker)
        with transaction.atomic():
            if done is not None:
                message, reply = done
                status_transition_bulk(
                    queryset=mine.filter(pk=message.pk),
                    from_status=S.SENDING,
                    to_status=S.SENT,
                    actor_label=self.worker,
                    note=reply[:1000],
                    sent_at=now,
                    smtp_reply=reply[:2000],
                    attempts=F("attempts") + 1,
                    secrets_encrypted="",
                    last_error="",
                    **HISTORY,
                )
            if start is None:
                return False
            return bool(
                status_transition_bulk(
                    queryset=mine.filter(pk=start.pk),
                    from_status=S.QUEUED,
                    to_status=S.SENDING,
                    actor_label=self.worker,
                    claimed_at=now,
                    **HISTORY,
                )
            )

    @staticmethod
    def _sql() -> str:
        """The same as `_mark`, as one statement (atomic by itself, so one round trip and
        one commit per message, which is what bounds a worker's speed). Parameters: now,
        worker, id of the sent message, its reply, the audit note, id of the one starting."""
        table = OutboundMessage._meta.db_table
        audit = OutboundStatusChange._meta.db_table
        # Only the models' own table names and status values are interpolated.
        return (
            f"WITH done AS (UPDATE {table} SET status = '{S.SENT}', sent_at = $1, "  # noqa: S608
            f"smtp_reply = $4, attempts = attempts + 1, secrets_encrypted = '', "
            f"last_error = '' WHERE id = $3 AND status = '{S.SENDING}' "
            f"AND claimed_by = $2 RETURNING id), "
            f"started AS (UPDATE {table} SET status = '{S.SENDING}', claimed_at = $1 "
            f"WHERE id = $6 AND status = '{S.QUEUED}' AND claimed_by = $2 RETURNING id), "
            f"audit AS (INSERT INTO {audit} (message_id, from_status, to_status, actor_label, "
            f"note, at) SELECT id, '{S.SENDING}', '{S.SENT}', $2, $5, $1 FROM done "
            f"UNION ALL SELECT id, '{S.QUEUED}', '{S.SENDING}', $2, '', $1 FROM started) "
            f"SELECT EXISTS (SELECT 1 FROM started)"
        )


class _Done:
    def __init__(self, value: bool) -> None:
        self.value = value

    def result(self) -> bool:
        return self.value


class _AsyncConnection:
    """A PostgreSQL connection in psycopg2's asynchronous mode (each statement commits on
    its own), running one statement at a time: the mark, prepared once. Behind a pooler
    that does not keep prepared statements (PgBouncer in transaction mode) the plain
    statement is sent instead. Errors surface as Django's database errors."""

    def __init__(self, params: dict, sql: str) -> None:
        self.errors = connection.wrap_database_errors
        params = {k: v for k, v in params.items() if k != "cursor_factory"}
        with self.errors:
            self.conn = psycopg2.connect(**params, async_=True)
            self._wait()
        self.cursor = self.conn.cursor()
        self.plain = re.sub(r"\$(\d)", r"%(\1)s", sql)
        name = f"sender_mark_{hashlib.sha256(sql.encode()).hexdigest()[:12]}"
        self.prepared = f"EXECUTE {name} (%s, %s, %s, %s, %s, %s)"
        try:
            self.cursor.execute(
                f"PREPARE {name} (timestamptz, text, bigint, text, text, bigint) AS {sql}"
            )
            self._wait()
        except psycopg2.Error:
            self.prepared = ""
        self.pending: _PendingMark | None = None

    def _wait(self) -> None:
        _wait(self.conn)

    def _execute(self, params: tuple) -> None:
        if self.prepared:
            self.cursor.execute(self.prepared, params)
        else:
            self.cursor.execute(self.plain, {str(i): v for i, v in enumerate(params, 1)})

    def send(self, params: tuple) -> _PendingMark:
        if self.pending is not None:  # a mark whose result nobody asked for comes first
            self.pending.result()
        with self.errors:
            self._execute(params)
        self.pending = _PendingMark(self, params)
        return self.pending

    def settle(self, mark: _PendingMark) -> bool:
        """Wait for `mark`'s commit; whether it started its message."""
        self.pending = None
        with self.errors:
            try:
                self._wait()
            except psycopg2.errors.InvalidSqlStatementName:
                # the pooler gave us a server session without it: nothing was done
                self.prepared = ""
                self._execute(mark.params)
                self._wait()
            return bool(self.cursor.fetchone()[0])

    def close(self) -> None:
        with contextlib.suppress(psycopg2.Error):
            if self.pending is not None:
                self._wait()
        self.conn.close()


def _wait(conn) -> None:
    """Until the asynchronous connection's statement (or connecting) is done."""
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if state == psycopg2.extensions.POLL_READ:
            select.select([conn], [], [])
        elif state == psycopg2.extensions.POLL_WRITE:
            select.select([], [conn], [])
        else:  # pragma: no cover - psycopg2 documents no other state
            raise psycopg2.OperationalError(f"unexpected poll state {state}")


class _PendingMark:
    def __init__(self, conn: _AsyncConnection, params: tuple) -> None:
        self.conn, self.params = conn, params
        self.value: bool | None = None

    def result(self) -> bool:
        if self.value is None:
            self.value = self.conn.settle(self)
        return self.value


class Crew:
    """The SMTP connections of one run, as they start and as the server takes them.

    The first connection goes alone; the others start (`wait`) only once it has its
    session open and more is due than it reserved, so a small queue, an idle poll or an
    unreachable server costs one connection. A connection whose session the server
    refuses (421 "too many connections", connection refused) while another of the run has
    its session open gives its messages back untried and ends (`others_open`): the run
    goes on over fewer connections, and the others send them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[int] = set()  # the connections with a session open now
        self._go = threading.Event()
        self._over = False

    @contextlib.contextmanager
    def session(self, index: int):
        """While connection `index` has its session open."""
        with self._lock:
            self._open.add(index)
        try:
            yield
        finally:
            with self._lock:
                self._open.discard(index)

    def others_open(self, index: int) -> bool:
        with self._lock:
            return bool(self._open - {index})

    def more_due(self) -> None:
        """The first connection is sending and more is due: the others may start."""
        self._go.set()

    def first_done(self) -> None:
        """The first connection ended: the others that have not started never will."""
        self._over = True
        self._go.set()

    def wait(self) -> bool:
        """For a connection after the first: whether to start."""
        self._go.wait()
        return not self._over


def side_by_side(count: int, run: Callable[[int], object]) -> list:
    """`run(0)`, `run(1)`... `run(count - 1)` at once, `run(0)` in this thread and each
    other in a thread of its own (with its own database connection, closed at its end);
    their results in order. The first exception raised in any is raised here."""
    results: list = [None] * count
    failures: list[BaseException] = []

    def target(index: int) -> None:
        try:
            results[index] = run(index)
        except BaseException as exc:  # re-raised by the caller's thread
            failures.append(exc)
        finally:
            if index:
                db_connections.close_all()  # this thread's own database connection

    threads = [
        threading.Thread(target=target, args=(index,), name=f"outbox-{index + 1}")
        for index in range(1, count)
    ]
    for thread in threads:
        thread.start()
    target(0)
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results

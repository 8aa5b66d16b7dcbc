"""The outbox worker: sends due messages exactly once, or says it cannot know.

A worker reserves due messages (claimed_by/claimed_at on rows still "queued"; other workers
skip them, and a reservation left by a dead worker lapses after a minute). For each
message, in one committed transaction, it records the previous message as sent and this
one as "sending", and only then sends DATA. So after a crash at most one message per worker
is "sending": the sweeper turns it into "uncertain" for a person, and nothing is ever sent
twice. That commit is the one wait per message that cannot be avoided, so the rest
overlaps it: on PostgreSQL the statement goes over a connection of its own in asynchronous
mode while the SMTP server answers MAIL FROM and RCPT TO and the next message is built
(sender.mime writes its bytes directly, without Django's MIME objects).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import select
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import connection, transaction
from django.db import connections as db_connections
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from emails import services as email_services
from emails.models import Email
from mailflow import crypto
from sender.mime import PLAIN_ADDRESS
from sender.models import OutboundAttachment, OutboundMessage, OutboundStatusChange
from sender.services import _trigger_send, build_email, build_message
from sender.smtp import ConnectionFailed, DeliveryError, Sender

try:
    import psycopg2
    import psycopg2.errors
    import psycopg2.extensions
except ImportError:  # psycopg 3 only: the marks are made inline
    psycopg2 = None

logger = logging.getLogger(__name__)
S = OutboundMessage.Status
# Messages reserved at a time (one query).
CLAIM_SIZE = 100


def reservation() -> timedelta:
    """How long a worker's reservation of messages it has not started holds."""
    return timedelta(seconds=settings.MAILFLOW_OUTBOX_RESERVATION_SECONDS)


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SendReport) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.uncertain += other.uncertain
        self.errors += other.errors


def worker_name() -> str:
    """host:pid; the second and later connections of a run add /2, /3..."""
    return f"{socket.gethostname()}:{os.getpid()}"


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


def _backoff(attempts: int) -> timedelta:
    base = settings.MAILFLOW_OUTBOX_RETRY_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _audit(pk: int, from_status: str, to_status: str, worker: str, note: str = ""):
    return OutboundStatusChange(
        message_id=pk,
        from_status=from_status,
        to_status=to_status,
        actor_label=worker,
        note=note[:1000],
    )


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
        audits = []
        taken = False
        with transaction.atomic():
            if done is not None:
                message, reply = done
                if OutboundMessage.objects.filter(
                    pk=message.pk, status=S.SENDING, claimed_by=self.worker
                ).update(
                    status=S.SENT,
                    sent_at=now,
                    smtp_reply=reply[:2000],
                    attempts=F("attempts") + 1,
                    secrets_encrypted="",
                    last_error="",
                ):
                    audits.append(_audit(message.pk, S.SENDING, S.SENT, self.worker, reply))
            if start is not None:
                taken = bool(
                    OutboundMessage.objects.filter(
                        pk=start.pk, status=S.QUEUED, claimed_by=self.worker
                    ).update(status=S.SENDING, claimed_at=now)
                )
                if taken:
                    audits.append(_audit(start.pk, S.QUEUED, S.SENDING, self.worker))
            if audits:
                OutboundStatusChange.objects.bulk_create(audits)
        return taken

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


def _set(pk: int, worker: str, from_status: str, to_status: str, note: str, **fields) -> bool:
    with transaction.atomic():
        changed = OutboundMessage.objects.filter(
            pk=pk, status=from_status, claimed_by=worker
        ).update(status=to_status, **fields)
        if changed and from_status != to_status:
            OutboundStatusChange.objects.create(
                message_id=pk,
                from_status=from_status,
                to_status=to_status,
                actor_label=worker,
                note=note[:1000],
            )
    return bool(changed)


def _record_failure(
    message: OutboundMessage,
    error: DeliveryError | ConnectionFailed,
    worker: str,
    report: SendReport,
    *,
    from_status: str = S.SENDING,
) -> None:
    """A message that was tried and not accepted: retry later, give up, or (when DATA
    broke off) uncertain."""
    attempts = message.attempts + 1
    reply = error.reply if isinstance(error, DeliveryError) else str(error)
    temporary = isinstance(error, ConnectionFailed) or error.temporary
    if isinstance(error, DeliveryError) and error.uncertain:
        _set(
            message.pk, worker, from_status, S.UNCERTAIN, reply, attempts=attempts, last_error=reply
        )
        report.uncertain += 1
    elif temporary and attempts < settings.MAILFLOW_OUTBOX_MAX_ATTEMPTS:
        _set(
            message.pk,
            worker,
            from_status,
            S.QUEUED,
            _("temporary failure: %(reply)s") % {"reply": reply},
            attempts=attempts,
            last_error=reply,
            smtp_reply=reply,
            next_attempt_at=timezone.now() + _backoff(attempts),
            claimed_by="",
            claimed_at=None,
        )
        report.retrying += 1
    else:
        _set(
            message.pk,
            worker,
            from_status,
            S.FAILED,
            reply,
            attempts=attempts,
            last_error=reply,
            smtp_reply=reply,
            claimed_by="",
            claimed_at=None,
        )
        report.failed += 1
    report.errors.append(f"{message.pk}: {reply}")


def _fail_reserved(ids: list[int], worker: str, error: ConnectionFailed, report: SendReport):
    """The server is unreachable: each reserved message counts an attempt and waits (with
    backoff), or fails when out of attempts."""
    for message in OutboundMessage.objects.filter(pk__in=ids, status=S.QUEUED, claimed_by=worker):
        _record_failure(message, error, worker, report, from_status=S.QUEUED)


def _release(ids: list[int], worker: str) -> None:
    OutboundMessage.objects.filter(pk__in=ids, status=S.QUEUED, claimed_by=worker).update(
        claimed_by="", claimed_at=None
    )


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
        report: SendReport,
        prefetcher: _AsyncReserve | None = None,
    ) -> None:
        self.worker, self.due_by, self.left, self.report = worker, due_by, budget, report
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
        self.report.claimed += len(messages)
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


def outbox_send_due(
    *, limit: int | None = None, worker: str | None = None, connections: int | None = None
) -> SendReport:
    """Send every message due when the run starts, over one SMTP connection for up to
    `limit` messages (MAILFLOW_OUTBOX_BATCH_SIZE) at a time. Stops when the server is
    unreachable.

    With `connections` (MAILFLOW_OUTBOX_CONNECTIONS) above one, that many connections send
    side by side, each in a thread that reserves messages of its own under a worker name of
    its own (worker/2, worker/3...), so everything said of a worker holds for each. Only on
    PostgreSQL outside a transaction: the threads' connections must see the queue."""
    worker = worker or worker_name()
    count = connections or settings.MAILFLOW_OUTBOX_CONNECTIONS
    if count <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _send_due(limit, worker)
    reports = [SendReport() for _ in range(count)]
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            reports[index] = _send_due(limit, f"{worker}/{index + 1}" if index else worker)
        except BaseException as exc:  # re-raised by the caller's thread
            failures.append(exc)
        finally:
            if index:
                db_connections.close_all()  # this thread's own database connection

    threads = [
        threading.Thread(target=run, args=(index,), name=f"outbox-{index + 1}")
        for index in range(1, count)
    ]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    report = reports[0]
    for other in reports[1:]:
        report.add(other)
    return report


def _send_due(limit: int | None, worker: str) -> SendReport:
    """One SMTP connection's run (see outbox_send_due)."""
    per_connection = limit or settings.MAILFLOW_OUTBOX_BATCH_SIZE
    report = SendReport()
    # Only what was due at the start: a message that failed just now waits for its
    # backoff even when that is zero, so one run never tries a message twice.
    started = timezone.now()
    with Marker(worker) as marker, _prefetcher(marker) as prefetcher:
        while True:
            reserved = _Reserved(worker, started, per_connection, report, prefetcher)
            if not reserved.claim():
                return report
            try:
                with Sender() as sender:
                    if not _send_reserved(sender, marker, reserved, worker, report):
                        return report  # the server went away; the next run retries
            except ConnectionFailed as exc:  # the session could not even be opened
                _fail_reserved(reserved.ids(), worker, exc, report)
                return report
            if reserved.drained:
                return report


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


@dataclass
class _Outgoing:
    message: OutboundMessage
    sender: str  # the envelope's MAIL FROM
    recipients: list[str]
    data: bytes  # what leaves, secrets filled in (never stored)
    attachments: list[OutboundAttachment]
    mail: object = None  # the Django email, for the console and file backends

    def copy(self) -> bytes:
        """What a Sent folder keeps: the same message with its secrets masked."""
        if not self.message.secrets_encrypted:
            return self.data
        return build_message(self.message, attachments=self.attachments, masked=True)[1]


def _build(
    message: OutboundMessage, attachments: list[OutboundAttachment], smtp: bool
) -> _Outgoing:
    envelope_from = message.from_email
    if not PLAIN_ADDRESS.fullmatch(envelope_from):
        envelope_from = parseaddr(envelope_from)[1] or envelope_from
    if not smtp:  # console or file backend (trial runs)
        mail = build_email(message)
        data = mail.message().as_bytes(linesep="\r\n")
        return _Outgoing(message, envelope_from, mail.recipients(), data, attachments, mail)
    recipients, data = build_message(message, attachments=attachments)
    return _Outgoing(message, envelope_from, recipients, data, attachments)


def _send_reserved(
    sender: Sender, marker: Marker, reserved: _Reserved, worker: str, report: SendReport
) -> bool:
    """Send reserved messages in order; False when the connection was lost for good.

    For each message one commit records the previous one as sent and this one as sending;
    the server answers MAIL FROM and RCPT TO and the next message is built meanwhile, and
    DATA waits for that commit."""
    # (case email, what was sent with its secrets masked), for a Sent folder
    copies: list[tuple[int, bytes]] = []
    keep_copies = bool(settings.MAILFLOW_OUTBOX_SENT_FOLDER)
    ready: deque[_Outgoing] = deque()  # built, not tried yet
    accepted: tuple[OutboundMessage, str] | None = None  # sent, not yet recorded
    reconnected = False

    def build_next() -> _Outgoing | None:
        """The next message built; one that cannot be built fails (it never left our
        reservation)."""
        while (next_one := reserved.next()) is not None:
            message, attachments = next_one
            try:
                return _build(message, attachments, smtp=sender.smtp is not None)
            except (crypto.SecretUnreadable, OSError, ValueError) as exc:
                _record_failure(
                    message,
                    DeliveryError(
                        _("cannot build the message: %(error)s") % {"error": exc},
                        temporary=False,
                    ),
                    worker,
                    report,
                    from_status=S.QUEUED,
                )
        return None

    try:
        while (outgoing := ready.popleft() if ready else build_next()) is not None:
            message = outgoing.message
            # The previous message becomes sent and this one sending, in one commit that
            # DATA waits for, while the server answers MAIL FROM and RCPT TO.
            marking = marker.submit(accepted, message)
            accepted = None

            def build_following() -> None:
                # built while the server answers MAIL FROM and the commit is on its way;
                # more are reserved in the background when few are left
                if not ready and (following := build_next()) is not None:
                    ready.append(following)
                reserved.prefetch()

            try:
                refused = sender.begin(
                    sender=outgoing.sender,
                    recipients=outgoing.recipients,
                    data=outgoing.data,
                    meanwhile=build_following,
                )
            except DeliveryError as exc:  # refused before any content left
                taken = marking.result()
                _record_failure(
                    message, exc, worker, report, from_status=S.SENDING if taken else S.QUEUED
                )
                continue
            except ConnectionFailed:
                if marking.result():  # not tried: back to our reservation
                    _set(message.pk, worker, S.SENDING, S.QUEUED, _("connection lost; retrying"))
                # The server dropped the session (e.g. after a 421): one new session,
                # then this message again; a second loss ends the run.
                ready.appendleft(outgoing)
                if reconnected:
                    raise
                reconnected = True
                sender.reopen()
                continue
            if not marking.result():  # another worker holds it now
                sender.reset()
                continue
            try:
                delivered = sender.finish(
                    data=outgoing.data, message=outgoing.mail, refused=refused
                )
            except DeliveryError as exc:
                _record_failure(message, exc, worker, report)
                continue
            reply = delivered.reply
            if delivered.refused:
                reply += " | " + _("refused: %(list)s") % {
                    "list": "; ".join(f"{r}: {t}" for r, t in delivered.refused.items())
                }
            accepted = (message, reply)
            report.sent += 1
            if keep_copies and message.email_id is not None:
                copies.append((message.email_id, outgoing.copy()))
    except ConnectionFailed as exc:
        if accepted is not None:
            marker.mark(accepted)
            accepted = None
        _fail_reserved([o.message.pk for o in ready] + reserved.ids(), worker, exc, report)
        ready.clear()
        reserved.queue.clear()
        return False
    finally:
        if accepted is not None:
            marker.mark(accepted)
        _release([o.message.pk for o in ready] + reserved.ids(), worker)
        _store_copies(copies)
    return True


def _store_copies(copies: list[tuple[int, bytes]]) -> None:
    """A copy of each sent message in its mailbox's Sent folder, when configured. A
    failure is logged and never touches the messages' status: they were sent."""
    folder = settings.MAILFLOW_OUTBOX_SENT_FOLDER
    if not folder or not copies:
        return
    emails = Email.objects.select_related("mailbox").in_bulk({pk for pk, _raw in copies})
    by_mailbox: dict[int, list[bytes]] = {}
    for email_id, raw in copies:
        by_mailbox.setdefault(emails[email_id].mailbox_id, []).append(raw)
    mailboxes = {email.mailbox_id: email.mailbox for email in emails.values()}
    for mailbox_id, raws in by_mailbox.items():
        error = email_services.mailbox_store_copies(
            mailbox=mailboxes[mailbox_id], folder=folder, raws=raws
        )
        if error:
            logger.warning("copies of sent messages not stored in %s: %s", folder, error)


def dead_local_workers(names: set[str]) -> set[str]:
    """Of these worker names (worker_name(): host:pid), those of processes on this host
    that no longer exist. A process of another host, or one that cannot be checked, counts
    as alive: its work is left to the timeouts. (A pid reused by another process also
    looks alive; wrongly calling a live worker dead cannot send anything twice either: its
    marks require its own claim, and what was sending becomes uncertain, not resent.)"""
    host = socket.gethostname()
    dead = set()
    for name in names:
        worker_host, _sep, pid = name.rpartition(":")
        pid = pid.split("/", 1)[0]  # a run's second and later connections: pid/2...
        if worker_host != host or not pid.isdigit() or int(pid) in (0, os.getpid()):
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            dead.add(name)
        except OSError:  # e.g. another user's process: it exists
            continue
    return dead


@transaction.atomic
def outbox_sweep(*, older_than: timedelta | None = None) -> int:
    """A message left "sending" by a dead worker becomes uncertain, for a person: at once
    when the worker was on this host and its process is gone, otherwise once it has been
    sending for `older_than` (MAILFLOW_OUTBOX_STALE_SECONDS). The reservations of a dead
    local worker are released at once too (others lapse by themselves)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.MAILFLOW_OUTBOX_STALE_SECONDS)
    cutoff = timezone.now() - older_than
    held = set(
        OutboundMessage.objects.filter(status__in=[S.SENDING, S.QUEUED])
        .exclude(claimed_by="")
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    dead = dead_local_workers(held)
    stale = list(
        OutboundMessage.objects.select_for_update()
        .filter(
            Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True) | Q(claimed_by__in=dead),
            status=S.SENDING,
        )
        .values_list("id", flat=True)
    )
    OutboundMessage.objects.filter(pk__in=stale).update(
        status=S.UNCERTAIN,
        last_error=_("the worker stopped while sending; it may or may not have been sent"),
    )
    OutboundStatusChange.objects.bulk_create(
        _audit(pk, S.SENDING, S.UNCERTAIN, "sweeper") for pk in stale
    )
    if dead and OutboundMessage.objects.filter(status=S.QUEUED, claimed_by__in=dead).update(
        claimed_by="", claimed_at=None
    ):
        _trigger_send()  # they were due: a worker takes them now
    return len(stale)

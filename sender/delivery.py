"""The outbox worker: sends due messages exactly once, or says it cannot know.

A worker reserves a few due messages (claimed_by/claimed_at on rows still "queued"; other
workers skip them, and a reservation left by a dead worker lapses after a minute). For each
message, in one committed transaction, it records the previous message as sent and this
one as "sending", and only then sends DATA. So after a crash at most one message per worker
is "sending": the sweeper turns it into "uncertain" for a person, and nothing is ever sent
twice. On PostgreSQL that bookkeeping runs in a helper thread while the SMTP server answers
MAIL FROM and RCPT TO, so it costs almost no time.
"""

from __future__ import annotations

import logging
import os
import socket
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from emails import services as email_services
from mailflow import crypto
from sender.models import OutboundMessage, OutboundStatusChange
from sender.services import build_email
from sender.smtp import ConnectionFailed, DeliveryError, Sender

logger = logging.getLogger(__name__)
S = OutboundMessage.Status
# Messages reserved at a time (one query).
CLAIM_SIZE = 25


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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(limit: int, worker: str, due_by=None) -> list[int]:
    """Reserve up to `limit` messages due by `due_by` for this worker, in one statement.
    On PostgreSQL rows another worker is reserving are skipped (SKIP LOCKED)."""
    now = timezone.now()
    table = OutboundMessage._meta.db_table
    skip_locked = (
        "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    # Only the model's own table name is interpolated; values are parameters.
    sql = (
        f"UPDATE {table} SET claimed_by = %s, claimed_at = %s "  # noqa: S608
        f"WHERE status = %s AND id IN (SELECT id FROM {table} WHERE status = %s "
        f"AND next_attempt_at <= %s AND (claimed_at IS NULL OR claimed_at < %s) "
        f"ORDER BY next_attempt_at, id LIMIT %s {skip_locked}) RETURNING id"
    )
    params = [worker, now, S.QUEUED, S.QUEUED, due_by or now, now - reservation(), limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


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
    """Records per-message progress; in a helper thread (with its own database
    connection) on PostgreSQL, inline elsewhere."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        # A caller inside a transaction (tests, or a command wrapping the run) holds rows the
        # helper thread could not see yet: then the marks are made inline.
        background = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.pool = ThreadPoolExecutor(max_workers=1) if background else None

    def __enter__(self) -> Marker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            # `connection` must be looked up in the helper thread: it is per thread.
            self.pool.submit(lambda: connection.close()).result()
            self.pool.shutdown()

    def submit(self, done: tuple[OutboundMessage, str] | None, start: OutboundMessage | None):
        if self.pool is not None:
            return self.pool.submit(self._mark, done, start)
        future: Future = Future()
        try:
            future.set_result(self._mark(done, start))
        except Exception as exc:  # handed to the caller, as the thread would
            future.set_exception(exc)
        return future

    def mark(self, done, start=None) -> bool:
        return self.submit(done, start).result()

    def _mark(self, done, start) -> bool:
        """One transaction: `done` (message, server reply) becomes sent; `start` becomes
        sending if this worker still holds its reservation (returns whether it does)."""
        if connection.vendor == "postgresql":
            return self._mark_postgresql(done, start)
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

    def _mark_postgresql(self, done, start) -> bool:
        # The same as the portable version below, as one statement: one round trip and
        # one commit per message, which is what bounds a worker's speed.
        table = OutboundMessage._meta.db_table
        audit = OutboundStatusChange._meta.db_table
        message, reply = done if done is not None else (None, "")
        sql = (
            f"WITH done AS (UPDATE {table} SET status = %(sent)s, sent_at = %(now)s, "  # noqa: S608
            f"smtp_reply = %(reply)s, attempts = attempts + 1, secrets_encrypted = '', "
            f"last_error = '' WHERE id = %(done_id)s AND status = %(sending)s "
            f"AND claimed_by = %(worker)s RETURNING id), "
            f"started AS (UPDATE {table} SET status = %(sending)s, claimed_at = %(now)s "
            f"WHERE id = %(start_id)s AND status = %(queued)s AND claimed_by = %(worker)s "
            f"RETURNING id), "
            f"audit AS (INSERT INTO {audit} (message_id, from_status, to_status, actor_label, "
            f"note, at) SELECT id, %(sending)s, %(sent)s, %(worker)s, %(note)s, %(now)s "
            f"FROM done UNION ALL SELECT id, %(queued)s, %(sending)s, %(worker)s, '', "
            f"%(now)s FROM started) "
            f"SELECT EXISTS (SELECT 1 FROM started)"
        )
        params = {
            "sent": S.SENT,
            "sending": S.SENDING,
            "queued": S.QUEUED,
            "now": timezone.now(),
            "reply": reply[:2000],
            "note": reply[:1000],
            "done_id": message.pk if message is not None else None,
            "start_id": start.pk if start is not None else None,
            "worker": self.worker,
        }
        # A single statement is atomic by itself: no BEGIN/COMMIT round trips.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return bool(cursor.fetchone()[0])


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


def outbox_send_due(*, limit: int | None = None, worker: str | None = None) -> SendReport:
    """Send every message due when the run starts, over one SMTP connection for up to
    `limit` messages (MAILFLOW_OUTBOX_BATCH_SIZE). Stops when the server is unreachable."""
    worker = worker or worker_name()
    per_connection = limit or settings.MAILFLOW_OUTBOX_BATCH_SIZE
    report = SendReport()
    # Only what was due at the start: a message that failed just now waits for its
    # backoff even when that is zero, so one run never tries a message twice.
    started = timezone.now()
    with Marker(worker) as marker:
        while True:
            ids = _claim(CLAIM_SIZE, worker, due_by=started)
            if not ids:
                return report
            report.claimed += len(ids)
            try:
                with Sender() as sender:
                    on_connection = 0
                    while ids:
                        if not _send_chunk(sender, marker, ids, worker, report):
                            return report  # the server went away; the next run retries
                        on_connection += len(ids)
                        if on_connection >= per_connection:
                            break
                        ids = _claim(CLAIM_SIZE, worker, due_by=started)
                        report.claimed += len(ids)
            except ConnectionFailed as exc:  # the session could not even be opened
                _fail_reserved(ids, worker, exc, report)
                return report


def _build(message: OutboundMessage):
    mail = build_email(message)
    return mail, mail.message().as_bytes(linesep="\r\n")


def _send_chunk(
    sender: Sender, marker: Marker, ids: list[int], worker: str, report: SendReport
) -> bool:
    """Send reserved messages in order; False when the connection was lost for good."""
    messages = {
        m.pk: m
        for m in OutboundMessage.objects.filter(pk__in=ids)
        .select_related("email__mailbox")
        .defer("email__raw", "email__body_text", "email__body_html")
        .prefetch_related("attachments")
    }
    copies: dict[int, list[bytes]] = {}  # mailbox id -> what was sent, for its Sent folder
    pending = [pk for pk in ids if pk in messages]
    accepted: tuple[OutboundMessage, str] | None = None  # sent, not yet recorded
    reconnected = False
    try:
        while pending:
            message = messages[pending[0]]
            # Record the previous message as sent and this one as sending (in the helper
            # thread), while this one is built and the server answers MAIL FROM and
            # RCPT TO; DATA waits for that commit.
            marking = marker.submit(accepted, message)
            accepted = None
            try:
                mail, data = _build(message)
            except (crypto.SecretUnreadable, OSError, ValueError) as exc:
                taken = marking.result()
                pending.pop(0)
                _record_failure(
                    message,
                    DeliveryError(f"cannot build the message: {exc}", temporary=False),
                    worker,
                    report,
                    from_status=S.SENDING if taken else S.QUEUED,
                )
                continue
            try:
                refused = sender.begin(
                    sender=parseaddr(message.from_email)[1] or message.from_email,
                    recipients=mail.recipients(),
                    data=data,
                )
            except DeliveryError as exc:  # refused before any content left
                taken = marking.result()
                pending.pop(0)
                _record_failure(
                    message, exc, worker, report, from_status=S.SENDING if taken else S.QUEUED
                )
                continue
            except ConnectionFailed:
                if marking.result():  # not tried: back to our reservation
                    _set(message.pk, worker, S.SENDING, S.QUEUED, _("connection lost; retrying"))
                # The server dropped the session (e.g. after a 421): one new session,
                # then this message again; a second loss ends the run.
                if reconnected:
                    raise
                reconnected = True
                sender.reopen()
                continue
            if not marking.result():  # another worker holds it now
                sender.reset()
                pending.pop(0)
                continue
            pending.pop(0)
            try:
                delivered = sender.finish(data=data, message=mail, refused=refused)
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
            if message.email_id is not None:
                copies.setdefault(message.email.mailbox_id, []).append(data)
    except ConnectionFailed as exc:
        if accepted is not None:
            marker.mark(accepted)
            accepted = None
        _fail_reserved(pending, worker, exc, report)
        return False
    finally:
        if accepted is not None:
            marker.mark(accepted)
        _release(pending, worker)
        _store_copies(messages, copies)
    return True


def _store_copies(messages: dict[int, OutboundMessage], copies: dict[int, list[bytes]]):
    """A copy of each sent message in its mailbox's Sent folder, when configured. A
    failure is logged and never touches the messages' status: they were sent."""
    folder = settings.MAILFLOW_OUTBOX_SENT_FOLDER
    if not folder or not copies:
        return
    mailboxes = {m.email.mailbox_id: m.email.mailbox for m in messages.values() if m.email_id}
    for mailbox_id, raws in copies.items():
        error = email_services.mailbox_store_copies(
            mailbox=mailboxes[mailbox_id], folder=folder, raws=raws
        )
        if error:
            logger.warning("copies of sent messages not stored in %s: %s", folder, error)


@transaction.atomic
def outbox_sweep(*, older_than: timedelta | None = None) -> int:
    """A message left "sending" by a dead worker becomes uncertain, for a person."""
    if older_than is None:
        older_than = timedelta(seconds=settings.MAILFLOW_OUTBOX_STALE_SECONDS)
    cutoff = timezone.now() - older_than
    stale = list(
        OutboundMessage.objects.select_for_update()
        .filter(Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True), status=S.SENDING)
        .values_list("id", flat=True)
    )
    OutboundMessage.objects.filter(pk__in=stale).update(
        status=S.UNCERTAIN,
        last_error=_("the worker stopped while sending; it may or may not have been sent"),
    )
    OutboundStatusChange.objects.bulk_create(
        _audit(pk, S.SENDING, S.UNCERTAIN, "sweeper") for pk in stale
    )
    return len(stale)

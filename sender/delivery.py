"""The outbox worker: sends due messages exactly once, or says it cannot know.

The protocol (`deliver`): a worker reserves due messages (claimed_by/claimed_at on rows
still "queued"; other workers skip them, and a reservation left by a dead worker lapses
after a minute). For each message, one committed transaction records the previous message
as sent and this one as "sending", and only then is its content sent. So after a crash at most one
message per SMTP connection is "sending": the sweeper (`outbox_sweep`) turns it into
"uncertain" for a person, and nothing is ever sent twice.

That commit is the one wait per message that cannot be avoided; sender/throughput.py
overlaps everything else with it (background reservations, marks over an asynchronous
connection, several connections side by side), and sender.mime writes the bytes directly.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from emails import services as email_services
from emails.models import Email
from mailflow import crypto
from mailflow.audit import status_transition_bulk
from sender.compose import build_email, build_message, trigger_send
from sender.mime import PLAIN_ADDRESS
from sender.models import OutboundAttachment, OutboundMessage
from sender.smtp import ConnectionFailed, DeliveryError, Sender
from sender.throughput import HISTORY, Crew, Marker, _prefetcher, _Reserved, side_by_side

logger = logging.getLogger(__name__)
S = OutboundMessage.Status


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


def _backoff(attempts: int) -> timedelta:
    base = settings.MAILFLOW_OUTBOX_RETRY_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _set(pk: int, worker: str, from_status: str, to_status: str, note: str, **fields) -> bool:
    """Move a message this worker holds (with its history row); the same status: only
    the fields change, with no history row."""
    mine = OutboundMessage.objects.filter(pk=pk, claimed_by=worker)
    if from_status == to_status:
        return bool(mine.filter(status=from_status).update(**fields))
    moved = status_transition_bulk(
        queryset=mine,
        from_status=from_status,
        to_status=to_status,
        actor_label=worker,
        note=note[:1000],
        **fields,
        **HISTORY,
    )
    return bool(moved)


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


def outbox_send_due(
    *, limit: int | None = None, worker: str | None = None, connections: int | None = None
) -> SendReport:
    """Send every message due when the run starts, over one SMTP connection for up to
    `limit` messages (MAILFLOW_OUTBOX_BATCH_SIZE) at a time. Stops when the server is
    unreachable.

    With `connections` (MAILFLOW_OUTBOX_CONNECTIONS) above one, up to that many
    connections send side by side, each in a thread that reserves messages of its own
    under a worker name of its own (worker/2, worker/3...), so everything said of a worker
    holds for each. The others start once the first is sending and more is due, and a
    server that takes fewer connections leaves the run with fewer (sender.throughput.Crew).
    Only on PostgreSQL outside a transaction: the threads' connections must see the queue."""
    worker = worker or worker_name()
    count = connections or settings.MAILFLOW_OUTBOX_CONNECTIONS
    if count <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _send_due(limit, worker)
    crew = Crew()

    def run(index: int) -> SendReport:
        if not index:
            try:
                return _send_due(limit, worker, crew)
            finally:
                crew.first_done()
        if not crew.wait():
            return SendReport()
        return _send_due(limit, f"{worker}/{index + 1}", crew, index)

    reports = side_by_side(count, run)
    report = reports[0]
    for other in reports[1:]:
        report.add(other)
    return report


def _send_due(
    limit: int | None, worker: str, crew: Crew | None = None, index: int = 0
) -> SendReport:
    """One SMTP connection's run (see outbox_send_due); `index` its place in `crew`."""
    per_connection = limit or settings.MAILFLOW_OUTBOX_BATCH_SIZE
    crew = crew or Crew()
    report = SendReport()
    # Only what was due at the start: a message that failed just now waits for its
    # backoff even when that is zero, so one run never tries a message twice.
    started = timezone.now()
    with Marker(worker) as marker, _prefetcher(marker) as prefetcher:
        while True:
            reserved = _Reserved(worker, started, per_connection, prefetcher)
            try:
                if not reserved.claim():
                    return report
                try:
                    with Sender() as sender, crew.session(index):
                        if not reserved.drained:
                            crew.more_due()
                        if not _send_reserved(
                            sender, marker, reserved, worker, report, crew, index
                        ):
                            return report  # the server went away; the next run retries
                except ConnectionFailed as exc:  # the session could not even be opened
                    _give_back(reserved.ids(), worker, exc, report, crew, index)
                    return report
                if reserved.drained:
                    return report
            finally:
                report.claimed += reserved.claimed


def _give_back(
    ids: list[int],
    worker: str,
    error: ConnectionFailed,
    report: SendReport,
    crew: Crew,
    index: int,
) -> None:
    """This connection's session is gone and its reserved messages were not tried: while
    another connection of the run has its session open, the server just takes fewer
    connections, and they go back to the queue for the others; otherwise the server is
    unreachable and each counts an attempt (_fail_reserved)."""
    if crew.others_open(index):
        logger.warning("%s: the SMTP server took no more connections (%s)", worker, error)
        _release(ids, worker)
    else:
        _fail_reserved(ids, worker, error, report)


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


def deliver(
    sender: Sender,
    marker: Marker,
    outgoing: _Outgoing,
    previous: tuple[OutboundMessage, str] | None,
    worker: str,
    report: SendReport,
    meanwhile=None,
) -> tuple[OutboundMessage, str] | None:
    """The exactly-once protocol, for one message this worker has reserved; `previous`
    is the one before it, accepted by the server and not recorded yet.

    1. One commit records `previous` as sent and this message as "sending", if this worker
       still holds it (`marker`). It travels while the server answers MAIL FROM and RCPT
       TO, and `meanwhile` runs (the next message is built).
    2. The content only once that commit is done: a worker that dies from here on leaves
       the message "sending", which the sweeper makes "uncertain" for a person. Never
       twice. (With a server that offers PIPELINING the DATA command travels with MAIL
       FROM and RCPT TO; nothing is delivered before the content's final dot.)
    3. The answer: accepted, the message is returned, to be recorded as sent by the next
       commit (or at the end of the run); refused, it is retried later or failed; DATA
       broken off, it is uncertain.
    Raises ConnectionFailed when the session is lost before any content left: the
    message is back in this worker's reservation, untried."""
    message = outgoing.message
    marking = marker.submit(previous, message)
    try:
        refused = sender.begin(
            sender=outgoing.sender,
            recipients=outgoing.recipients,
            data=outgoing.data,
            meanwhile=meanwhile,
        )
    except DeliveryError as exc:  # refused before any content left
        taken = marking.result()
        _record_failure(message, exc, worker, report, from_status=S.SENDING if taken else S.QUEUED)
        return None
    except ConnectionFailed:
        if marking.result():  # not tried: back to our reservation
            _set(message.pk, worker, S.SENDING, S.QUEUED, _("connection lost; retrying"))
        raise
    if not marking.result():  # another worker holds it now
        sender.reset()
        return None
    try:
        delivered = sender.finish(data=outgoing.data, message=outgoing.mail, refused=refused)
    except DeliveryError as exc:
        _record_failure(message, exc, worker, report)
        return None
    reply = delivered.reply
    if delivered.refused:
        reply += " | " + _("refused: %(list)s") % {
            "list": "; ".join(f"{r}: {t}" for r, t in delivered.refused.items())
        }
    report.sent += 1
    return message, reply


def _send_reserved(
    sender: Sender,
    marker: Marker,
    reserved: _Reserved,
    worker: str,
    report: SendReport,
    crew: Crew,
    index: int = 0,
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

            def build_following() -> None:
                # built while the server answers MAIL FROM and the commit is on its way;
                # more are reserved in the background when few are left
                if not ready and (following := build_next()) is not None:
                    ready.append(following)
                reserved.prefetch()

            previous, accepted = accepted, None
            try:
                accepted = deliver(
                    sender, marker, outgoing, previous, worker, report, build_following
                )
            except ConnectionFailed:
                # The server dropped the session (e.g. after a 421): one new session,
                # then this message again; a second loss ends the run.
                ready.appendleft(outgoing)
                if reconnected:
                    raise
                reconnected = True
                sender.reopen()
                continue
            if accepted is not None and keep_copies and outgoing.message.email_id is not None:
                copies.append((outgoing.message.email_id, outgoing.copy()))
    except ConnectionFailed as exc:
        if accepted is not None:
            marker.mark(accepted)
            accepted = None
        ids = [o.message.pk for o in ready] + reserved.ids()
        _give_back(ids, worker, exc, report, crew, index)
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
    status_transition_bulk(
        queryset=OutboundMessage.objects.filter(pk__in=stale),
        from_status=S.SENDING,
        to_status=S.UNCERTAIN,
        actor_label="sweeper",
        last_error=_("the worker stopped while sending; it may or may not have been sent"),
        **HISTORY,
    )
    if dead and OutboundMessage.objects.filter(status=S.QUEUED, claimed_by__in=dead).update(
        claimed_by="", claimed_at=None
    ):
        trigger_send()  # they were due: a worker takes them now
    return len(stale)

"""Writes of the emails app: intake (IMAP, Maildir, .eml), status changes, mailboxes."""

from __future__ import annotations

import gc
import hashlib
import logging
import mailbox as mailbox_lib
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import (
    DatabaseError,
    IntegrityError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emails.imap import (
    IDLE_MAX_SECONDS,
    IMAP_ERRORS,
    ImapClient,
    ImapConfig,
    ImapConfigError,
    ImapError,
    describe_error,
    parse_imap_url,
)
from emails.models import Attachment, Email, Mailbox, StatusChange
from emails.parsing import ParsedEmail, parse_email
from emails.storage import attachment_path
from mailflow import crypto
from mailflow.audit import TransitionRules, status_note, status_transition
from mailflow.errors import DomainError, TransitionRefused
from pipeline import kinds, steps

logger = logging.getLogger(__name__)

DEFAULT_MAILBOX = "default"
MANUAL_MAILBOX = "manual"


class TransitionNotAllowed(TransitionRefused):
    """The current status does not allow the requested change."""


class CollectionBusy(DomainError):
    """Another collection of the same mailbox is running."""


# --- mailboxes -------------------------------------------------------------------------


def mailbox_set_password(*, mailbox: Mailbox, password: str) -> None:
    mailbox.password_encrypted = crypto.encrypt(password) if password else ""
    mailbox.save(update_fields=["password_encrypted"])


def default_imap_config() -> ImapConfig | None:
    """The mailbox configured in the environment, if any."""
    if settings.IMAP_URL:
        return parse_imap_url(settings.IMAP_URL)
    legacy = settings.IMAP_LEGACY
    if legacy["host"]:
        # The prototype's EMAIL_HOST/EMAIL_USER/EMAIL_PASS trio, always over IMAPS.
        return ImapConfig(
            host=legacy["host"],
            port=993,
            security="ssl",
            username=legacy["user"],
            password=legacy["password"],
        )
    return None


def mailbox_ensure_default() -> Mailbox | None:
    """Create or update the mailbox described by IMAP_URL (or the legacy trio)."""
    config = default_imap_config()
    if config is None:
        return None
    mailbox, _created = Mailbox.objects.update_or_create(
        name=DEFAULT_MAILBOX,
        defaults={
            "protocol": Mailbox.Protocol.IMAP,
            "credentials_from_env": True,
            "host": config.host,
            "port": config.port,
            "security": config.security,
            "username": config.username,
            "folder": config.folder,
        },
    )
    return mailbox


def mailbox_manual() -> Mailbox:
    """The pseudo-mailbox of messages uploaded by the API or `ingest_eml`."""
    mailbox, _created = Mailbox.objects.get_or_create(
        name=MANUAL_MAILBOX, defaults={"protocol": Mailbox.Protocol.MANUAL}
    )
    return mailbox


def mailbox_imap_config(mailbox: Mailbox) -> ImapConfig:
    timeout = settings.MAILFLOW_IMAP_TIMEOUT
    ca_file = settings.IMAP_CA_FILE
    if mailbox.credentials_from_env:
        config = default_imap_config()
        if config is None:
            raise ImapConfigError(
                "this mailbox takes its connection from IMAP_URL, which is not set"
            )
        return replace(
            config, folder=mailbox.folder or config.folder, timeout=timeout, ca_file=ca_file
        )
    password = crypto.decrypt(mailbox.password_encrypted) if mailbox.password_encrypted else ""
    port = mailbox.port or (993 if mailbox.security == Mailbox.Security.SSL else 143)
    return ImapConfig(
        host=mailbox.host,
        port=port,
        security=mailbox.security,
        username=mailbox.username,
        password=password,
        folder=mailbox.folder or "INBOX",
        timeout=timeout,
        ca_file=ca_file,
    )


def mailbox_test_connection(*, mailbox: Mailbox) -> str:
    """Connect, log in and open the folder; a short report, or an exception."""
    if mailbox.protocol == Mailbox.Protocol.MAILDIR:
        path = Path(mailbox.maildir_path)
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise ImapConfigError(
                _("%(path)s is not a Maildir folder (no cur/ and new/)") % {"path": path}
            )
        count = len(mailbox_lib.Maildir(path, create=False))
        return f"Maildir {path}: {count} messages"
    if mailbox.protocol != Mailbox.Protocol.IMAP:
        raise ImapConfigError(_("only IMAP and Maildir mailboxes can be tested"))
    config = mailbox_imap_config(mailbox)
    with ImapClient(config) as client:
        state = client.open_folder(readonly=True)
    return f"{config.host}:{config.port} {config.folder}: {state.exists} messages"


def mailbox_store_copies(*, mailbox: Mailbox, folder: str, raws: Sequence[bytes]) -> str:
    """Append messages (copies of what we sent) to a folder of an IMAP mailbox, marked
    read. Returns "" or the error, which never stops the caller."""
    if mailbox.protocol != Mailbox.Protocol.IMAP or not raws:
        return ""
    try:
        with ImapClient(mailbox_imap_config(mailbox)) as client:
            for raw in raws:
                client.append(folder, raw)
    except (ImapConfigError, ImapError, crypto.SecretUnreadable) as exc:
        return str(exc)
    except IMAP_ERRORS as exc:
        return describe_error(exc)
    return ""


# --- storing messages ----------------------------------------------------------------

# Of an oversized message only the start of its header block is fetched: enough for any
# real header, and a bound on what a hostile one costs.
HEADERS_ONLY_MAX_BYTES = 1024 * 1024
# The PositiveIntegerField's ceiling, for a size a server reports.
_SIZE_MAX = 2**31 - 1


class MessageTooLarge(Exception):
    """A message over MAILFLOW_MAX_MESSAGE_BYTES offered where a person is waiting."""


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB".replace(".", ",")


def message_too_large_reason(size: int) -> str:
    return _(
        "The message has %(size)s, more than the limit of %(limit)s "
        "(MAILFLOW_MAX_MESSAGE_BYTES): only its headers were fetched. "
        "Use “Fetch anyway” to read it in full."
    ) % {"size": _megabytes(size), "limit": _megabytes(settings.MAILFLOW_MAX_MESSAGE_BYTES)}


def message_too_large_error(size: int | None) -> MessageTooLarge:
    """``size`` None: somewhere over the limit (a stream read no further than it)."""
    if size is None:
        return MessageTooLarge(
            _("The message is larger than the limit of %(limit)s.")
            % {"limit": _megabytes(settings.MAILFLOW_MAX_MESSAGE_BYTES)}
        )
    return MessageTooLarge(
        _("The message has %(size)s, more than the limit of %(limit)s.")
        % {"size": _megabytes(size), "limit": _megabytes(settings.MAILFLOW_MAX_MESSAGE_BYTES)}
    )


def duplicate_reason(first_id: int | None) -> str:
    return _(
        "Same Message-ID as email #%(id)s but different content: kept for a person to "
        "compare, not processed automatically."
    ) % {"id": first_id if first_id is not None else "?"}


@dataclass
class Incoming:
    raw: bytes
    uid: int | None = None
    uidvalidity: int | None = None
    source_key: str = ""
    # Parsed ahead of storing (by the collector's prefetch thread), or parsed on store.
    parsed: ParsedEmail | None = None
    parse_error: str = ""
    preparsed: bool = False
    # Only the headers were fetched (the message is over the size limit); its real size.
    headers_only: bool = False
    size: int | None = None

    def parse(self) -> None:
        self.parsed, self.parse_error = _parse(self)
        self.preparsed = True


@dataclass
class StoreResult:
    stored_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    failed: int = 0

    @property
    def stored(self) -> int:
        return len(self.stored_ids)


def _cut(value: str, length: int) -> str:
    return value if len(value) <= length else value[:length]


def _email_from_parsed(
    mailbox: Mailbox, item: Incoming, digest: str, parsed: ParsedEmail | None, error: str
) -> Email:
    size = item.size if item.size is not None else len(item.raw)
    email = Email(
        mailbox=mailbox,
        uid=item.uid,
        uidvalidity=item.uidvalidity,
        source_key=item.source_key,
        raw=item.raw,
        raw_sha256=digest,
        size=min(size, _SIZE_MAX),
        headers_only=item.headers_only,
    )
    if parsed is None:
        email.status = Email.Status.FAILED
        email.error = error
        return email
    _fill_parsed(email, parsed)
    if item.headers_only:
        email.status = Email.Status.FAILED
        email.error = message_too_large_reason(size)
    return email


def _fill_parsed(email: Email, parsed: ParsedEmail) -> None:
    email.message_id = _cut(parsed.message_id, 998)
    email.in_reply_to = _cut(parsed.in_reply_to, 998)
    email.references = parsed.references
    email.subject = parsed.subject
    email.from_name = _cut(parsed.from_name, 500)
    email.from_address = _cut(parsed.from_address, 320)
    email.to = parsed.to
    email.cc = parsed.cc
    email.reply_to = parsed.reply_to
    email.date = parsed.date
    email.body_text = parsed.body_text
    email.body_html = parsed.body_html
    email.forwarded = parsed.forwarded
    email.original_from_name = _cut(parsed.original_from_name, 500)
    email.original_from_address = _cut(parsed.original_from_address, 320)
    email.original_subject = parsed.original_subject
    email.original_date = parsed.original_date
    email.auto_generated = parsed.auto_generated
    email.auto_reason = _cut(parsed.auto_reason, 255)


def _parse(item: Incoming) -> tuple[ParsedEmail | None, str]:
    try:
        return parse_email(item.raw), ""
    except Exception as exc:  # a message that cannot be parsed is still stored
        logger.warning("cannot parse message (uid=%s): %s", item.uid, exc)
        return None, f"{type(exc).__name__}: {exc}"[:2000]


@dataclass
class _Known:
    """What the database already holds of a batch: the keys that make a message "already
    stored" (same bytes, same IMAP UID, same Maildir file), and the first email of each
    Message-ID."""

    keys: set[tuple[str, str]]
    first_by_message_id: dict[str, int]


def _existing_keys(mailbox: Mailbox, candidates: list[Email]) -> _Known:
    # Every list below has at most one entry per message of the batch (never one per
    # header item), so the IN lists stay as short as the batch.
    ids = list({e.message_id for e in candidates if e.message_id})
    keys = list({e.source_key for e in candidates if e.source_key})
    uids = [(e.uidvalidity, e.uid) for e in candidates if e.uid is not None]
    found: set[tuple[str, str]] = set()
    rows = Email.objects.filter(mailbox=mailbox)
    first: dict[str, int] = {}
    if ids:
        # The partial index's own condition, spelled out: PostgreSQL cannot infer
        # "message_id <> ''" from an IN list of more than 100 items, and would scan.
        first = dict(
            rows.filter(message_id__in=ids, duplicate_of__isnull=True)
            .exclude(message_id="")
            .values_list("message_id", "pk")
        )
    # The same bytes have the same Message-ID: only a message without one, or whose id is
    # already stored, can be stored already by its bytes (the unique constraint on the
    # bytes stays the backstop). New mail, the common case, needs no lookup by digest.
    digests = list({e.raw_sha256 for e in candidates if not e.message_id or e.message_id in first})
    if digests:
        found |= {
            ("raw", d)
            for d in rows.filter(raw_sha256__in=digests).values_list("raw_sha256", flat=True)
        }
    if keys:
        found |= {
            ("key", k)
            for k in rows.filter(source_key__in=keys).values_list("source_key", flat=True)
        }
    if uids:
        validity = {v for v, _u in uids}
        found |= {
            ("uid", f"{v}:{u}")
            for v, u in rows.filter(
                uidvalidity__in=validity, uid__in=list({u for _v, u in uids})
            ).values_list("uidvalidity", "uid")
        }
    return _Known(keys=found, first_by_message_id=first)


def _keys_of(email: Email) -> list[tuple[str, str]]:
    """What makes two fetches the same message: the same bytes, the same IMAP UID, the
    same Maildir file. (The same Message-ID with other bytes is another message.)"""
    keys = [("raw", email.raw_sha256)]
    if email.source_key:
        keys.append(("key", email.source_key))
    if email.uid is not None:
        keys.append(("uid", f"{email.uidvalidity}:{email.uid}"))
    return keys


def _mark_duplicate(email: Email, first: Email | int) -> None:
    """A later copy of a Message-ID with other bytes: kept, linked, for a person."""
    if isinstance(first, Email):
        email.duplicate_of = first
    else:
        email.duplicate_of_id = first
    if email.status == Email.Status.RECEIVED:
        email.status = Email.Status.NEEDS_REVIEW
        email.error = duplicate_reason(email.duplicate_of_id)


def _save_attachments(pairs: list[tuple[Email, ParsedEmail]]) -> None:
    rows = []
    for email, parsed in pairs:
        for att in parsed.attachments:
            path = default_storage.save(
                attachment_path(att.filename, att.content_type), ContentFile(att.payload)
            )
            rows.append(
                Attachment(
                    email=email,
                    filename=_cut(att.filename, 500),
                    file=path,
                    content_type=_cut(att.content_type, 255),
                    size=len(att.payload),
                )
            )
    if rows:
        Attachment.objects.bulk_create(rows)


# psycopg2 sends a bytea value as escaped text inside the SQL: a 30 MB message costs
# about 200 MB of the worker's memory in one INSERT. Bigger values go in pieces of this
# size after the row is inserted (SQLite binds the bytes as they are: no need there).
RAW_PIECE_BYTES = 4 * 1024 * 1024


def _raw_in_pieces(emails: Iterable[Email]) -> dict[int, bytes]:
    """Take out (id(email) -> raw) the raw bytes to write in pieces after the insert."""
    if connections[Email.objects.db].vendor != "postgresql":
        return {}
    held = {}
    for email in emails:
        if len(email.raw) > RAW_PIECE_BYTES:
            held[id(email)] = email.raw
            email.raw = b""
    return held


def _write_raw_pieces(emails: Iterable[Email], held: dict[int, bytes]) -> None:
    if not held:
        return
    table = connection_ops_quote(Email._meta.db_table)
    with connections[Email.objects.db].cursor() as cursor:
        for email in emails:
            raw = held.get(id(email))
            if raw is None:
                continue
            view = memoryview(raw)
            for start in range(0, len(raw), RAW_PIECE_BYTES):
                cursor.execute(
                    f"UPDATE {table} SET raw = raw || %s WHERE id = %s",  # noqa: S608 - our table
                    [view[start : start + RAW_PIECE_BYTES].tobytes(), email.pk],
                )
            email.raw = raw


def connection_ops_quote(name: str) -> str:
    return connections[Email.objects.db].ops.quote_name(name)


def _insert_one(mailbox: Mailbox, email: Email) -> bool:
    """Insert one email after a conflict in the batch insert; False when it turned out to
    be stored already (same bytes, UID or file)."""
    for _attempt in range(2):
        email.pk = None
        try:
            with transaction.atomic():
                held = _raw_in_pieces([email])
                email.save(force_insert=True)
                _write_raw_pieces([email], held)
            return True
        except IntegrityError:
            known = _existing_keys(mailbox, [email])
            if any(k in known.keys for k in _keys_of(email)):
                return False
            first = known.first_by_message_id.get(email.message_id)
            if first is None or email.duplicate_of_id is not None:
                return False
            _mark_duplicate(email, first)  # its first copy arrived meanwhile
    return False


@transaction.atomic
def emails_store(
    *, mailbox: Mailbox, items: Sequence[Incoming], actor_label: str = "intake"
) -> StoreResult:
    """Store a batch of raw messages: parsed, deduplicated, never lost.

    A message that cannot be parsed is stored with status failed and the error. A message
    already stored (the same bytes, IMAP UID or Maildir file) is counted as a duplicate
    and skipped. A message whose Message-ID an earlier email has, with other bytes, is
    stored too, linked to the earlier one and left for a person (needs review): a forged
    early copy must not hide the genuine message, and nothing is answered twice.
    """
    result = StoreResult()
    candidates: list[tuple[Email, ParsedEmail | None]] = []
    for item in items:
        parsed, error = (item.parsed, item.parse_error) if item.preparsed else _parse(item)
        digest = hashlib.sha256(item.raw).hexdigest()
        candidates.append((_email_from_parsed(mailbox, item, digest, parsed, error), parsed))
    known = _existing_keys(mailbox, [e for e, _p in candidates])
    seen: set[tuple[str, str]] = set()
    first_in_batch: dict[str, Email] = {}
    fresh: list[tuple[Email, ParsedEmail | None]] = []
    for email, parsed in candidates:
        keys = _keys_of(email)
        if any(k in known.keys or k in seen for k in keys):
            result.duplicates += 1
            continue
        seen.update(keys)
        if email.message_id:
            first = known.first_by_message_id.get(email.message_id) or first_in_batch.get(
                email.message_id
            )
            if first is not None:
                _mark_duplicate(email, first)
            else:
                first_in_batch[email.message_id] = email
        fresh.append((email, parsed))
    if not fresh:
        return result
    # First copies before later copies that point at them (they need their id).
    fresh.sort(key=lambda pair: isinstance(pair[0].duplicate_of, Email))
    try:
        with transaction.atomic():
            held = _raw_in_pieces(e for e, _p in fresh)
            firsts = [e for e, _p in fresh if not isinstance(e.duplicate_of, Email)]
            Email.objects.bulk_create(firsts)
            later = [e for e, _p in fresh if isinstance(e.duplicate_of, Email)]
            for email in later:
                _mark_duplicate(email, email.duplicate_of)  # now with its id
            Email.objects.bulk_create(later)
            _write_raw_pieces((e for e, _p in fresh), held)
    except IntegrityError:
        for email, _p in fresh:
            if id(email) in held:
                email.raw = held[id(email)]
        # Someone stored one of them in between (another intake path): one by one.
        inserted = []
        for email, parsed in fresh:
            if isinstance(email.duplicate_of, Email) and email.duplicate_of.pk is None:
                email.duplicate_of = None  # its first copy was not inserted: look again
            if _insert_one(mailbox, email):
                inserted.append((email, parsed))
            else:
                result.duplicates += 1
        fresh = inserted
    _save_attachments([(e, p) for e, p in fresh if p is not None and not e.headers_only])
    StatusChange.objects.bulk_create(
        StatusChange(
            email=email,
            from_status="",
            to_status=email.status,
            actor_label=actor_label,
            note=email.error,
        )
        for email, _p in fresh
    )
    steps.run_intake_hooks([e for e, _p in fresh if e.status == Email.Status.RECEIVED])
    result.stored_ids = [e.pk for e, _p in fresh]
    result.failed = sum(1 for e, _p in fresh if e.status == Email.Status.FAILED)
    ok_ids = [e.pk for e, _p in fresh if e.status == Email.Status.RECEIVED]
    steps.enqueue_after_intake(ok_ids)
    return result


def _store_isolated(
    *, mailbox: Mailbox, items: Sequence[Incoming], actor_label: str
) -> StoreResult:
    """emails_store, but one message that breaks the batch (a bug, a database refusal)
    does not hold back the others: the batch is stored one by one, and a message that
    still fails is stored as failed, with the error, without its parsed fields."""
    try:
        with transaction.atomic():
            return emails_store(mailbox=mailbox, items=items, actor_label=actor_label)
    except Exception as exc:
        first_error = exc
    logger.warning(
        "storing a batch of %d messages of mailbox %s failed (%s); storing them one by one",
        len(items),
        mailbox.name,
        first_error,
    )
    total = StoreResult()
    for item in items:
        try:
            with transaction.atomic():
                one = emails_store(mailbox=mailbox, items=[item], actor_label=actor_label)
        except Exception as exc:
            logger.exception("cannot store message uid=%s of %s", item.uid, mailbox.name)
            bare = replace(
                item,
                parsed=None,
                parse_error=_("cannot be stored: %(error)s")
                % {"error": f"{type(exc).__name__}: {exc}"[:1000]},
                preparsed=True,
            )
            with transaction.atomic():
                one = emails_store(mailbox=mailbox, items=[bare], actor_label=actor_label)
        total.stored_ids += one.stored_ids
        total.duplicates += one.duplicates
        total.failed += one.failed
    return total


def email_ingest(
    *, raw: bytes, mailbox: Mailbox | None = None, actor_label: str = "ingest_eml"
) -> tuple[Email, bool]:
    """Store one raw message (API upload, `ingest_eml`). Returns (email, created).

    Raises MessageTooLarge over MAILFLOW_MAX_MESSAGE_BYTES: the person uploading it is
    told at once, rather than a stored email without its body."""
    if len(raw) > settings.MAILFLOW_MAX_MESSAGE_BYTES:
        raise message_too_large_error(len(raw))
    mailbox = mailbox or mailbox_manual()
    result = emails_store(mailbox=mailbox, items=[Incoming(raw=raw)], actor_label=actor_label)
    if result.stored_ids:
        return Email.objects.get(pk=result.stored_ids[0]), True
    digest = hashlib.sha256(raw).hexdigest()
    return Email.objects.get(mailbox=mailbox, raw_sha256=digest), False


def _refetch_imap(email: Email) -> bytes:
    mailbox = email.mailbox
    with ImapClient(mailbox_imap_config(mailbox)) as client:
        state = client.open_folder(readonly=True)
        if email.uid is None or state.uidvalidity != email.uidvalidity:
            raise ImapError(
                _("the folder was renumbered (UIDVALIDITY) since: the message cannot be found")
            )
        found = dict(client.fetch([email.uid]))
    if email.uid not in found:
        raise ImapError(_("the message is no longer on the server"))
    return found[email.uid]


def _refetch_maildir(email: Email) -> bytes:
    folder = mailbox_lib.Maildir(email.mailbox.maildir_path, factory=None, create=False)
    try:
        return folder.get_bytes(email.source_key)
    except KeyError:
        raise ImapError(_("the message is no longer in the Maildir folder")) from None


def email_fetch_full(*, email: Email, actor=None, actor_label: str = "") -> Email:
    """ "Fetch anyway": read in full a message stored with its headers only (over the size
    limit), from its mailbox, and store it as any other message (parsed, attachments, on
    to classification; a later copy of a Message-ID goes to review instead)."""
    email = Email.objects.select_related("mailbox").get(pk=email.pk)
    if not email.headers_only:
        raise TransitionNotAllowed(_("this email was already fetched in full"))
    if email.mailbox.protocol == Mailbox.Protocol.IMAP:
        raw = _refetch_imap(email)
    elif email.mailbox.protocol == Mailbox.Protocol.MAILDIR:
        raw = _refetch_maildir(email)
    else:
        raise ImapConfigError(_("this message has no mailbox to fetch it from"))
    item = Incoming(raw=raw, uid=email.uid, uidvalidity=email.uidvalidity)
    parsed, error = _parse(item)
    with transaction.atomic():
        locked = Email.objects.select_for_update().get(pk=email.pk)
        if not locked.headers_only:
            raise TransitionNotAllowed(_("this email was already fetched in full"))
        message_id = locked.message_id
        if parsed is not None:
            _fill_parsed(locked, parsed)
            locked.message_id = message_id  # the row's place among its copies stays
        locked.raw = raw
        locked.raw_sha256 = hashlib.sha256(raw).hexdigest()
        locked.size = min(len(raw), _SIZE_MAX)
        locked.headers_only = False
        try:
            with transaction.atomic():
                held = _raw_in_pieces([locked])
                locked.save()
                _write_raw_pieces([locked], held)
        except IntegrityError:
            raise TransitionNotAllowed(
                _("the same message is already stored as another email")
            ) from None
        if parsed is None:  # stays failed, with the parser's reason
            Email.objects.filter(pk=locked.pk).update(error=error)
            locked.error = error
            return locked
        _save_attachments([(locked, parsed)])
        if locked.duplicate_of_id is not None:
            target, note = Email.Status.NEEDS_REVIEW, duplicate_reason(locked.duplicate_of_id)
        else:
            target, note = Email.Status.RECEIVED, _("fetched in full on request")
        status_transition(
            obj=locked,
            status=target,
            **EMAIL_TRANSITIONS,
            actor=actor,
            actor_label=actor_label,
            note=note,
            fields={"error": "" if target == Email.Status.RECEIVED else note},
        )
        if target == Email.Status.RECEIVED:
            steps.run_intake_hooks([locked])
            steps.enqueue_after_intake([locked.pk])
    return locked


# --- collection ------------------------------------------------------------------------


@dataclass
class CollectResult:
    mailbox: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    seconds: float = 0.0
    error: str = ""
    busy: bool = False
    rescanned: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def add(self, store: StoreResult, fetched: int) -> None:
        self.fetched += fetched
        self.stored += store.stored
        self.duplicates += store.duplicates
        self.failed += store.failed


# A collection holds its mailbox while it runs. On PostgreSQL: a session advisory lock on
# the collection's database connection, which the server releases when the process dies, so
# the run after a killed one starts at once. On SQLite: a lease on the row (locked_until),
# renewed after every batch, which a killed run holds for up to
# MAILFLOW_COLLECT_LOCK_SECONDS. Either way the holder writes its token on the row, and a
# batch is stored only while the row still carries it (_advance).


def _lock_key(mailbox: Mailbox) -> int:
    """The mailbox's advisory lock: 64 bits of a hash of a name, as the outbox's lock."""
    name = f"mailbox-collect:{mailbox.pk}".encode()
    return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)


def _lock_acquire(mailbox: Mailbox) -> str | None:
    token = secrets.token_hex(16)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(mailbox)])
            if not cursor.fetchone()[0]:
                return None
        # The lock is ours: a token left on the row by a killed run is void.
        Mailbox.objects.filter(pk=mailbox.pk).update(lock_token=token, locked_until=None)
        return token
    now = timezone.now()
    taken = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(lock_token=token, locked_until=now + _lock_lease())
    )
    return token if taken else None


def _lock_lease() -> timedelta:
    return timedelta(seconds=settings.MAILFLOW_COLLECT_LOCK_SECONDS)


def _lock_release(mailbox: Mailbox, token: str) -> None:
    try:
        Mailbox.objects.filter(pk=mailbox.pk, lock_token=token).update(
            lock_token="", locked_until=None
        )
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(mailbox)])


def _advance(mailbox: Mailbox, token: str, **fields: object) -> None:
    """Move the mailbox's bookmark, inside the batch's transaction, if we still hold it."""
    if connection.vendor != "postgresql":
        fields["locked_until"] = timezone.now() + _lock_lease()  # the advisory lock needs none
    # lock_token=token: an update always writes something, so it counts the row it finds.
    updated = Mailbox.objects.filter(pk=mailbox.pk, lock_token=token).update(
        lock_token=token, **fields
    )
    if not updated:
        raise CollectionBusy(_("the collection lock expired and was taken by another run"))


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# A batch of small messages leaves nothing worth trimming (and trimming costs a little).
_RELEASE_AFTER_BYTES = 8 * 1024 * 1024


def _release_freed_memory() -> None:
    """Give the memory of the batch just stored back to the system. glibc keeps freed
    blocks of up to 32 MB in the process's heap (its mmap threshold grows after the first
    big free), so without this a worker that met a few 30 MB messages stays that big,
    and the heap fragments batch after batch."""
    gc.collect()  # parsed messages and model rows form cycles: free their bytes now
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc():
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only; elsewhere nothing to do
    except (OSError, AttributeError):
        return None
    return libc


_libc = _load_libc()


@dataclass
class _Batch:
    """Messages fetched and stored in one transaction, and the bytes they bring in."""

    keys: list = field(default_factory=list)  # IMAP UIDs or Maildir file keys, in order
    size: int = 0


def _fetch_cost(size: int | None) -> int:
    if size is None:
        return 0
    if size > settings.MAILFLOW_MAX_MESSAGE_BYTES:
        return min(size, HEADERS_ONLY_MAX_BYTES)
    return size


def _batches(keys: Sequence, sizes: dict) -> list[_Batch]:
    """Consecutive batches of at most MAILFLOW_IMAP_BATCH_SIZE messages and (but for a
    batch of one) MAILFLOW_IMAP_BATCH_BYTES bytes, by the sizes known before fetching."""
    max_count = max(1, settings.MAILFLOW_IMAP_BATCH_SIZE)
    max_bytes = settings.MAILFLOW_IMAP_BATCH_BYTES
    batches: list[_Batch] = []
    current = _Batch()
    for key in keys:
        cost = _fetch_cost(sizes.get(key))
        if current.keys and (len(current.keys) >= max_count or current.size + cost > max_bytes):
            batches.append(current)
            current = _Batch()
        current.keys.append(key)
        current.size += cost
    if current.keys:
        batches.append(current)
    return batches


def _collect_imap(mailbox: Mailbox, token: str, result: CollectResult) -> None:
    config = mailbox_imap_config(mailbox)
    writes = mailbox.after_fetch != Mailbox.AfterFetch.NOTHING
    with ImapClient(config) as client:
        validity, uidnext = client.status()
        if (
            validity is not None
            and validity == mailbox.uidvalidity
            and uidnext is not None
            and uidnext <= mailbox.last_uid + 1
        ):
            return  # nothing new; STATUS costs the same for 10 or 100,000 messages
        state = client.open_folder(readonly=not writes)
        last_uid = mailbox.last_uid
        if state.uidvalidity != mailbox.uidvalidity:
            # New folder, or the server renumbered it: read everything again; what we
            # already have is recognised by its bytes.
            result.rescanned = mailbox.uidvalidity is not None
            last_uid = 0
            with transaction.atomic():
                _advance(mailbox, token, uidvalidity=state.uidvalidity, last_uid=0)
            mailbox.uidvalidity, mailbox.last_uid = state.uidvalidity, 0
        if state.uidnext is not None and state.uidnext <= last_uid + 1:
            return  # nothing new: no SEARCH needed
        uids = client.uids_after(last_uid)
        if not uids:
            return
        sizes = client.sizes(uids)  # before any body: a huge one is never fetched whole
        batches = _batches(uids, sizes)
        # While a batch is being stored, the next one is fetched and parsed in a helper
        # thread (the database wait releases the interpreter). Only when nothing is written
        # back to the server (then the connection is the helper's alone between batches),
        # and only when both batches together stay within MAILFLOW_IMAP_BATCH_BYTES.
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead = None
            for index, batch in enumerate(batches):
                if ahead is not None:
                    items = ahead.result()
                else:
                    items = _fetch_parsed(client, batch, sizes, state.uidvalidity)
                ahead = None
                following = batches[index + 1] if index + 1 < len(batches) else None
                if (
                    not writes
                    and following is not None
                    and batch.size + following.size <= settings.MAILFLOW_IMAP_BATCH_BYTES
                ):
                    ahead = pool.submit(_fetch_parsed, client, following, sizes, state.uidvalidity)
                with transaction.atomic():
                    store = _store_isolated(
                        mailbox=mailbox, items=items, actor_label="collect_emails"
                    )
                    _advance(mailbox, token, last_uid=max(batch.keys))
                mailbox.last_uid = max(batch.keys)
                result.add(store, len(items))
                fetched_uids = [item.uid for item in items]
                items = None  # the batch's bytes go before the next is fetched
                if batch.size > _RELEASE_AFTER_BYTES:
                    _release_freed_memory()
                if mailbox.after_fetch == Mailbox.AfterFetch.SEEN:
                    client.mark_seen(fetched_uids)
                elif mailbox.after_fetch == Mailbox.AfterFetch.MOVE:
                    client.move(fetched_uids, mailbox.move_to_folder)


def _fetch_parsed(
    client: ImapClient, batch: _Batch, sizes: dict[int, int], uidvalidity: int
) -> list[Incoming]:
    limit = settings.MAILFLOW_MAX_MESSAGE_BYTES
    big = [uid for uid in batch.keys if sizes.get(uid, 0) > limit]
    whole = [uid for uid in batch.keys if sizes.get(uid, 0) <= limit]
    items = [
        Incoming(raw=raw, uid=uid, uidvalidity=uidvalidity) for uid, raw in client.fetch(whole)
    ]
    if big:
        items += [
            Incoming(raw=raw, uid=uid, uidvalidity=uidvalidity, headers_only=True, size=sizes[uid])
            for uid, raw in client.fetch_headers(big, HEADERS_ONLY_MAX_BYTES)
        ]
        items.sort(key=lambda item: item.uid)
    for item in items:
        item.parse()
    return items


def _read_headers(path: str) -> bytes:
    """The header block of a message file (up to HEADERS_ONLY_MAX_BYTES), read by lines."""
    out = bytearray()
    with open(path, "rb") as handle:
        for line in handle:
            out += line
            if line in (b"\n", b"\r\n") or len(out) >= HEADERS_ONLY_MAX_BYTES:
                break
    return bytes(out[:HEADERS_ONLY_MAX_BYTES])


def _collect_maildir(mailbox: Mailbox, token: str, result: CollectResult) -> None:
    path = Path(mailbox.maildir_path)
    if not (path / "cur").is_dir() or not (path / "new").is_dir():
        raise ImapConfigError(
            _("%(path)s is not a Maildir folder (no cur/ and new/)") % {"path": path}
        )
    folder = mailbox_lib.Maildir(path, factory=None, create=False)
    known = set(
        Email.objects.filter(mailbox=mailbox)
        .exclude(source_key="")
        .values_list("source_key", flat=True)
    )
    new_keys = sorted(k for k in folder.iterkeys() if k not in known)
    files: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for key in new_keys:
        try:
            files[key] = str(path / folder._lookup(key))  # the file of a key (private, stable)
            sizes[key] = Path(files[key]).stat().st_size  # before reading it
        except (KeyError, OSError):
            continue  # removed since the listing
    limit = settings.MAILFLOW_MAX_MESSAGE_BYTES
    for batch in _batches([k for k in new_keys if k in sizes], sizes):
        items = []
        for key in batch.keys:
            try:
                if sizes[key] > limit:
                    items.append(
                        Incoming(
                            raw=_read_headers(files[key]),
                            source_key=key,
                            headers_only=True,
                            size=sizes[key],
                        )
                    )
                else:
                    items.append(Incoming(raw=folder.get_bytes(key), source_key=key))
            except (KeyError, OSError):
                continue  # removed since the listing
        with transaction.atomic():
            store = _store_isolated(mailbox=mailbox, items=items, actor_label="collect_emails")
            _advance(mailbox, token)
        result.add(store, len(items))
        items = None
        if batch.size > _RELEASE_AFTER_BYTES:
            _release_freed_memory()


def mailbox_collect(*, mailbox: Mailbox) -> CollectResult:
    """Fetch what is new in one mailbox. Never raises for a server problem: the error
    is recorded in mailbox.last_error and in the result, and the bookmark stays at the
    last batch that was stored."""
    result = CollectResult(mailbox=mailbox.name)
    started = time.perf_counter()
    token = _lock_acquire(mailbox)
    if token is None:
        result.busy = True
        result.error = _("another collection of this mailbox is running")
        result.seconds = time.perf_counter() - started
        return result
    error = ""
    try:
        if mailbox.protocol == Mailbox.Protocol.MAILDIR:
            _collect_maildir(mailbox, token, result)
        elif mailbox.protocol == Mailbox.Protocol.IMAP:
            _collect_imap(mailbox, token, result)
        else:
            raise ImapConfigError(
                _("a %(protocol)s mailbox cannot be collected") % {"protocol": mailbox.protocol}
            )
    except CollectionBusy as exc:
        result.busy = True
        error = str(exc)
    except (ImapConfigError, ImapError, crypto.SecretUnreadable) as exc:
        error = str(exc)
    except IMAP_ERRORS as exc:
        error = describe_error(exc)
    except Exception as exc:
        # Whatever else stopped the collection (a bug, the database) is recorded too: a
        # mailbox whose collection keeps failing must say so in the admin.
        logger.exception("collection of mailbox %s failed", mailbox.name)
        error = describe_error(exc)
    finally:
        now = timezone.now()
        fields: dict[str, object] = {"last_polled_at": now, "last_error": error}
        if not error:
            fields["last_success_at"] = now
        Mailbox.objects.filter(pk=mailbox.pk).update(**fields)
        _lock_release(mailbox, token)
        result.seconds = time.perf_counter() - started
    if error:
        logger.warning("collection of mailbox %s failed: %s", mailbox.name, error)
    result.error = error
    return result


def mailboxes_collect(*, name: str | None = None) -> list[CollectResult]:
    """Collect every active mailbox (or the one named)."""
    mailbox_ensure_default()
    mailboxes = Mailbox.objects.filter(
        protocol__in=[Mailbox.Protocol.IMAP, Mailbox.Protocol.MAILDIR]
    )
    if name is not None:
        mailboxes = mailboxes.filter(name=name)
        if not mailboxes.exists():
            raise Mailbox.DoesNotExist(f"no mailbox named {name!r}")
    else:
        mailboxes = mailboxes.filter(active=True)
    return [mailbox_collect(mailbox=m) for m in mailboxes]


# --- watching: collect as soon as mail arrives (collect_emails --idle) -----------------

WATCH_BACKOFF_FIRST_SECONDS = 1.0
WATCH_BACKOFF_MAX_SECONDS = 60.0
# How long to wait before trying again when another collection holds the mailbox's lease.
WATCH_BUSY_RETRY_SECONDS = 2.0


@dataclass
class WatchResult:
    mailbox: str
    mode: str = ""  # "idle" (IMAP IDLE) or "poll" (no IDLE on the server, or Maildir)
    collections: int = 0
    stored: int = 0
    errors: int = 0


@dataclass
class _Watch:
    mailbox: Mailbox
    stop: threading.Event
    result: WatchResult
    on_collect: Callable[[CollectResult], None] | None
    idle_seconds: float
    backoff: float = WATCH_BACKOFF_FIRST_SECONDS
    said_polling: bool = False


class _CollectionFailed(Exception):
    """A collection ended with an error (already recorded on the mailbox)."""


def mailbox_watch(
    *,
    mailbox: Mailbox,
    stop_event: threading.Event,
    on_collect: Callable[[CollectResult], None] | None = None,
    idle_seconds: float = IDLE_MAX_SECONDS,
) -> WatchResult:
    """Collect a mailbox as soon as mail arrives, until ``stop_event`` is set.

    Collects once, then waits with IMAP IDLE (re-issued every ``idle_seconds``, at most
    29 minutes) and collects again on news; a server without IDLE, or a Maildir, is checked
    every MAILFLOW_IDLE_POLL_SECONDS instead. Every collection is mailbox_collect, lease
    included: while another run holds it, this waits and tries again. After each
    collection it looks again (STATUS) before waiting, so mail that came in meanwhile is
    not left for later. A connection problem is recorded in mailbox.last_error; then it
    reconnects after 1, 2, 4 ... 60 s. The database connection is closed between
    collections. Returns when stopped (or when the mailbox is deleted).
    """
    watch = _Watch(
        mailbox=mailbox,
        stop=stop_event,
        result=WatchResult(mailbox=mailbox.name),
        on_collect=on_collect,
        idle_seconds=idle_seconds,
    )
    try:
        while not stop_event.is_set():
            try:
                close_old_connections()
                watch.mailbox = Mailbox.objects.get(pk=mailbox.pk)  # settings may change
                if watch.mailbox.protocol == Mailbox.Protocol.IMAP:
                    _watch_imap(watch)
                else:
                    _watch_by_polling(watch)
                break  # stopped
            except Mailbox.DoesNotExist:
                logger.warning("mailbox %s was deleted: no longer watched", mailbox.name)
                break
            except _CollectionFailed:
                pass  # mailbox_collect has recorded and logged the error
            except (ImapConfigError, ImapError, crypto.SecretUnreadable) as exc:
                _watch_record_error(watch, str(exc))
            except IMAP_ERRORS as exc:
                _watch_record_error(watch, describe_error(exc))
            except DatabaseError as exc:
                logger.warning("watching mailbox %s: database error: %s", mailbox.name, exc)
            except Exception:
                # A long-running watcher outlives a bug in one round; the traceback is logged.
                logger.exception("watching mailbox %s failed", mailbox.name)
            watch.result.errors += 1
            connections.close_all()  # this thread's: nothing held while waiting to retry
            logger.info("mailbox %s: reconnecting in %.0f s", mailbox.name, watch.backoff)
            if stop_event.wait(watch.backoff):
                break
            watch.backoff = min(watch.backoff * 2, WATCH_BACKOFF_MAX_SECONDS)
    finally:
        connections.close_all()
    return watch.result


def _watch_imap(watch: _Watch) -> None:
    mailbox = watch.mailbox
    with ImapClient(mailbox_imap_config(mailbox), watch=True) as client:
        idle = "IDLE" in client.capabilities()
        watch.result.mode = "idle" if idle else "poll"
        if idle:
            client.open_folder(readonly=True)  # IDLE needs a selected folder
        elif not watch.said_polling:
            watch.said_polling = True
            logger.warning(
                "the IMAP server of mailbox %s does not offer IDLE: checking it every %s s",
                mailbox.name,
                settings.MAILFLOW_IDLE_POLL_SECONDS,
            )
        news = True  # collect once at the start
        seen: tuple[int | None, int | None] | None = None
        while not watch.stop.is_set():
            current = client.status()  # (UIDVALIDITY, UIDNEXT)
            if news or current != seen:
                seen = current
                if not _watch_collect(watch):
                    return
                watch.backoff = WATCH_BACKOFF_FIRST_SECONDS  # connected and collected
                news = False
                continue  # look again: mail may have come in during the collection
            if idle:
                news = client.idle(timeout=watch.idle_seconds, stop=watch.stop)
            else:
                watch.stop.wait(settings.MAILFLOW_IDLE_POLL_SECONDS)
                news = current[1] is None  # a server without UIDNEXT: collect every time


def _watch_by_polling(watch: _Watch) -> None:
    """A Maildir: nothing to wait on, so a collection every MAILFLOW_IDLE_POLL_SECONDS."""
    watch.result.mode = "poll"
    while not watch.stop.is_set():
        if not _watch_collect(watch):
            return
        watch.backoff = WATCH_BACKOFF_FIRST_SECONDS
        watch.stop.wait(settings.MAILFLOW_IDLE_POLL_SECONDS)


def _watch_collect(watch: _Watch) -> bool:
    """One mailbox_collect, waiting for the lease if another run holds it. False if
    stopped meanwhile; raises _CollectionFailed if the collection failed."""
    said_busy = False
    while True:
        close_old_connections()
        try:
            mailbox = Mailbox.objects.get(pk=watch.mailbox.pk)  # the bookmark moves elsewhere
            result = mailbox_collect(mailbox=mailbox)
        finally:
            connections.close_all()  # the next query may be hours away
        if not result.busy:
            break
        if not said_busy:
            said_busy = True
            logger.info(
                "mailbox %s: another collection is running; trying again every %.0f s",
                mailbox.name,
                WATCH_BUSY_RETRY_SECONDS,
            )
        if watch.stop.wait(WATCH_BUSY_RETRY_SECONDS):
            return False
    watch.mailbox = mailbox
    watch.result.collections += 1
    watch.result.stored += result.stored
    if watch.on_collect is not None:
        watch.on_collect(result)
    if result.error:
        raise _CollectionFailed(result.error)
    return True


def _watch_record_error(watch: _Watch, reason: str) -> None:
    error = _("waiting for new mail failed: %(reason)s") % {"reason": reason}
    logger.warning("watching mailbox %s: %s", watch.mailbox.name, error)
    try:
        Mailbox.objects.filter(pk=watch.mailbox.pk).update(
            last_error=error, last_polled_at=timezone.now()
        )
    except DatabaseError as exc:
        logger.warning("cannot record the error of mailbox %s: %s", watch.mailbox.name, exc)


def mailboxes_watch(
    *,
    stop_event: threading.Event,
    name: str | None = None,
    on_collect: Callable[[CollectResult], None] | None = None,
) -> list[WatchResult]:
    """mailbox_watch for every active mailbox (or the one named), one thread each, until
    ``stop_event`` is set. Returns at once, with [], when there is nothing to watch."""
    mailbox_ensure_default()
    mailboxes = Mailbox.objects.filter(
        protocol__in=[Mailbox.Protocol.IMAP, Mailbox.Protocol.MAILDIR]
    )
    if name is not None:
        mailboxes = mailboxes.filter(name=name)
        if not mailboxes.exists():
            raise Mailbox.DoesNotExist(f"no mailbox named {name!r}")
    else:
        mailboxes = mailboxes.filter(active=True)
    chosen = list(mailboxes.order_by("name"))
    connections.close_all()  # this thread only waits from now on
    if chosen:
        logger.info("watching for new mail in: %s", ", ".join(m.name for m in chosen))
    results: dict[int, WatchResult] = {}

    def run(mailbox: Mailbox) -> None:
        results[mailbox.pk] = mailbox_watch(
            mailbox=mailbox, stop_event=stop_event, on_collect=on_collect
        )

    threads = [
        threading.Thread(target=run, args=(m,), name=f"watch-{m.name}", daemon=True) for m in chosen
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)  # short joins: the main thread stays free for signal handlers
    return [results.get(m.pk, WatchResult(mailbox=m.name, errors=1)) for m in chosen]


# --- status and kind -------------------------------------------------------------------

S = Email.Status
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.NEEDS_REVIEW, S.PROCESSING, S.DONE, S.IGNORED, S.FAILED},
    S.NEEDS_REVIEW: {S.PROCESSING, S.DONE, S.IGNORED, S.FAILED, S.RECEIVED},
    S.PROCESSING: {S.DONE, S.FAILED, S.NEEDS_REVIEW},
    S.FAILED: {S.RECEIVED, S.IGNORED, S.NEEDS_REVIEW},
    S.DONE: {S.PROCESSING, S.NEEDS_REVIEW},
    S.IGNORED: {S.RECEIVED, S.NEEDS_REVIEW},
}
# An email changes status only through status_transition(obj=email, **EMAIL_TRANSITIONS).
EMAIL_TRANSITIONS = TransitionRules(
    allowed=ALLOWED_TRANSITIONS,
    refused=gettext_lazy("an email in status “%(current)s” cannot become “%(target)s”"),
    error=TransitionNotAllowed,
)


@transaction.atomic
def email_set_kind(
    *,
    email: Email,
    kind: str,
    confidence: float | None = None,
    scores: dict[str, float] | None = None,
    actor=None,
    note: str = "",
) -> Email:
    """Set the request kind: by the classifier (no actor), or by a person or an external
    system (actor), whose choice the categorizer learns from (kind hooks)."""
    if not kinds.is_kind(kind):
        raise ValidationError({"kind": f"unknown kind {kind!r}"})
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValidationError({"kind_confidence": "must be between 0 and 1"})
    previous = email.kind
    email.kind = kind
    email.kind_confidence = confidence
    email.kind_scores = scores
    email.save(update_fields=["kind", "kind_confidence", "kind_scores"])
    status_note(
        obj=email,
        actor=actor,
        note=note
        or _("kind: %(old)s → %(new)s")
        % {"old": kinds.kind_label(previous) if previous else "-", "new": kinds.kind_label(kind)},
    )
    if actor is not None:
        steps.run_kind_hooks(email, actor, previous)
    return email


def email_link_to_case(*, email: Email, case_id: int) -> None:
    """An email joins a case (the email that opened it): a reply to one of the outbox's
    messages, found by the outbox's intake hook."""
    Email.objects.filter(pk=email.pk).update(case_id=case_id)
    email.case_id = case_id

"""Writes of lab access: trusting lab computers, passwords, provisioning accounts.

(The request workflow around it, authorisation by the coordinator and delivery of the
credentials through the outbox, is built on these.)
"""

from __future__ import annotations

import logging
import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from acesso import identity, ssh
from acesso.models import AccessRequest, AccessStatusChange, LabHost, Provisioning
from mailflow import crypto, policy
from mailflow.audit import status_transition

logger = logging.getLogger(__name__)
R = AccessRequest.Status
P = Provisioning.Status

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    R.AWAITING_APPROVAL: {R.APPROVED, R.DENIED},
    R.APPROVED: {R.PROVISIONING},
    # provisioning -> provisioning: taken up again after the worker died half-way.
    R.PROVISIONING: {R.PROVISIONED, R.PROVISIONING_FAILED, R.PROVISIONING},
    R.PROVISIONING_FAILED: {R.PROVISIONING, R.CREDENTIALS_QUEUED},
    R.PROVISIONED: {R.CREDENTIALS_QUEUED, R.PROVISIONING},
    # -> sent once the outbox has sent the credentials (access_finish)
    R.CREDENTIALS_QUEUED: {R.SENT, R.PROVISIONING},
    R.DENIED: set(),
    R.SENT: {R.PROVISIONING},
}


class AccessError(Exception):
    """A request the lab-access workflow cannot honour; the message says why."""


def lab_credentials() -> ssh.SshCredentials:
    if not settings.MAILFLOW_LAB_SSH_USER:
        raise AccessError(_("MAILFLOW_LAB_SSH_USER is not set: mailflow cannot log in to the lab"))
    return ssh.SshCredentials(
        user=settings.MAILFLOW_LAB_SSH_USER,
        key_file=settings.MAILFLOW_LAB_SSH_KEY_FILE,
        password=settings.MAILFLOW_LAB_SSH_PASSWORD,
        use_sudo=settings.MAILFLOW_LAB_USE_SUDO,
        sudo_password=settings.MAILFLOW_LAB_SUDO_PASSWORD,
        timeout=settings.MAILFLOW_LAB_SSH_TIMEOUT,
    )


def reserved_login_message(login: str) -> str:
    return _(
        "the login “%(login)s” belongs to the system or to its administrators and can never "
        "be a student's: choose another login"
    ) % {"login": login}


def login_validate(login: str) -> str:
    """A request's login as the lab computers may receive it: well formed, and neither a
    system account's nor the one mailflow logs in as (InvalidName, ReservedLogin)."""
    return identity.validate_login(login, also_reserved=[settings.MAILFLOW_LAB_SSH_USER])


def lab_host_trust_key(*, host: LabHost) -> str:
    """Pin the key the computer presents now (staff compared its fingerprint)."""
    key = ssh.read_host_key(host.address, host.port, settings.MAILFLOW_LAB_SSH_TIMEOUT)
    LabHost.objects.filter(pk=host.pk).update(host_key=key, last_error="")
    host.host_key = key
    return ssh.fingerprint(key)


def lab_host_save(*, host: LabHost) -> LabHost:
    """Save a lab computer (validated). A new address or port drops the pinned key and the
    last contact: the key trusted was the old machine's, and mailflow must never send its
    administrator password to a machine nobody trusted (a superuser trusts it again)."""
    host.full_clean()
    with transaction.atomic():
        before = (
            LabHost.objects.select_for_update().filter(pk=host.pk).values("address", "port").first()
            if host.pk
            else None
        )
        if before is not None and (before["address"], before["port"]) != (host.address, host.port):
            host.host_key = ""
            host.last_contact = None
            host.last_error = _("the address changed: trust the computer's host key again")
        host.save()
    return host


def lab_host_test(*, host: LabHost) -> None:
    """Log in and run `true` as root (through sudo when configured); records the contact
    or the error on the host, and raises LabSshError or AccessError when it fails."""
    if host.dry_run:
        return
    try:
        target = ssh.Target(host.address, host.port, host.host_key)
        with ssh.LabConnection(target, lab_credentials()) as lab:
            status, error = lab.run(["true"])
        if status != 0:
            raise ssh.LabSshError(
                _("%(host)s: the administrator account cannot run commands as root: %(error)s")
                % {"host": host.address, "error": error or status}
            )
    except (ssh.LabSshError, AccessError) as exc:
        LabHost.objects.filter(pk=host.pk).update(last_error=str(exc))
        raise
    LabHost.objects.filter(pk=host.pk).update(last_contact=timezone.now(), last_error="")


@transaction.atomic
def access_set_status(
    *, request: AccessRequest, status: str, actor=None, actor_label: str = "", note: str = ""
) -> AccessRequest:
    status_transition(
        obj=request,
        status=status,
        allowed=ALLOWED_TRANSITIONS,
        history=AccessStatusChange,
        link="request",
        refused=_("a request in status “%(current)s” cannot become “%(target)s”"),
        error=AccessError,
        actor=actor,
        actor_label=actor_label,
        note=note,
    )
    return request


def access_password(*, request: AccessRequest) -> str:
    """The request's password: made once, kept encrypted, the same for every host and
    every retry, until the credentials are delivered."""
    if request.password_encrypted:
        return crypto.decrypt(request.password_encrypted)
    password = identity.new_password()
    updated = AccessRequest.objects.filter(pk=request.pk, password_encrypted="").update(
        password_encrypted=crypto.encrypt(password)
    )
    if not updated:  # made concurrently: that one is the password
        request.refresh_from_db(fields=["password_encrypted"])
        return crypto.decrypt(request.password_encrypted)
    request.password_encrypted = AccessRequest.objects.values_list(
        "password_encrypted", flat=True
    ).get(pk=request.pk)
    return password


def dry_run_commands(*, login: str, full_name: str, force_change: bool) -> str:
    """What a real host would run, with the password masked."""
    login = login_validate(login)
    lines = [
        shlex.join(["getent", "passwd", login])
        + f"   # an existing account: uid >= {ssh.FIRST_PERSON_UID} and comment "
        + shlex.quote(ssh.gecos(full_name))
        + ", else refused",
        shlex.join(
            [
                "useradd",
                "--create-home",
                "--shell",
                "/bin/bash",
                "--comment",
                ssh.gecos(full_name),
                login,
            ]
        )
        + "   # when the account does not exist",
        shlex.join(["chpasswd"]) + f"   # stdin: {login}:********",
    ]
    if force_change:
        lines.append(shlex.join(["chage", "--lastday", "0", login]))
    return "\n".join(lines)


@dataclass
class _Outcome:
    host_id: int
    status: str
    error: str = ""
    commands: str = ""


def _provision_one(
    host: LabHost,
    login: str,
    name: str,
    password: str,
    force: bool,
    credentials: ssh.SshCredentials | None,
) -> _Outcome:
    # Runs in a worker thread: no database access here.
    if host.dry_run:
        return _Outcome(
            host.pk,
            P.CREATED,
            commands=dry_run_commands(login=login, full_name=name, force_change=force),
        )
    try:
        target = ssh.Target(host.address, host.port, host.host_key)
        with ssh.LabConnection(target, credentials) as lab:
            result = lab.ensure_account(
                login=login, full_name=name, password=password, force_change=force
            )
        return _Outcome(host.pk, P.CREATED if result == "created" else P.RESET)
    except (ssh.LabSshError, ValueError) as exc:
        return _Outcome(host.pk, P.FAILED, error=str(exc))


def access_provision(
    *, request: AccessRequest, hosts: list[LabHost] | None = None, actor=None
) -> list[Provisioning]:
    """Create (or reset) the account on every active lab computer, or on `hosts` (a retry
    of the failed ones), in parallel. One result row per host; the request ends
    provisioned when every active host has the account, else provisioning_failed (also
    when the login is reserved: no host is asked, staff change the login and retry)."""
    try:
        login = login_validate(request.login)
    except identity.ReservedLogin:
        login = None
    if hosts is None:
        hosts = list(LabHost.objects.filter(active=True))
    if not hosts:
        raise AccessError(_("there is no active lab computer"))
    if login is None:
        access_set_status(
            request=request, status=R.PROVISIONING, actor=actor, note=_("login refused")
        )
        access_set_status(
            request=request,
            status=R.PROVISIONING_FAILED,
            actor=actor,
            note=reserved_login_message(request.login),
        )
        return []
    credentials = lab_credentials() if any(not h.dry_run for h in hosts) else None
    password = access_password(request=request)
    access_set_status(
        request=request, status=R.PROVISIONING, actor=actor, note=", ".join(h.name for h in hosts)
    )
    attempt = (request.provisionings.aggregate(n=Max("attempt"))["n"] or 0) + 1
    started = timezone.now()
    rows = {
        h.pk: Provisioning.objects.create(
            request=request, host=h, attempt=attempt, started_at=started
        )
        for h in hosts
    }
    force = settings.MAILFLOW_LAB_FORCE_PASSWORD_CHANGE
    workers = max(1, min(len(hosts), settings.MAILFLOW_LAB_PARALLEL))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(
            pool.map(
                lambda h: _provision_one(
                    h, login, request.student_name, password, force, credentials
                ),
                hosts,
            )
        )
    finished = timezone.now()
    for outcome in outcomes:
        row = rows[outcome.host_id]
        row.status, row.error, row.commands = outcome.status, outcome.error, outcome.commands
        row.finished_at = finished
        row.save(update_fields=["status", "error", "commands", "finished_at"])
        if outcome.status == P.FAILED:
            LabHost.objects.filter(pk=outcome.host_id).update(last_error=outcome.error)
        else:
            LabHost.objects.filter(pk=outcome.host_id).update(last_contact=finished, last_error="")
    access_set_status(
        request=request,
        status=R.PROVISIONED if _all_active_hosts_done(request) else R.PROVISIONING_FAILED,
        actor=actor,
    )
    return list(rows.values())


def _all_active_hosts_done(request: AccessRequest) -> bool:
    """Every active host's latest result for this request is a success."""
    for host in LabHost.objects.filter(active=True):
        latest = request.provisionings.filter(host=host).order_by("-attempt").first()
        if latest is None or latest.status not in (P.CREATED, P.RESET):
            return False
    return True


def access_retry(*, request: AccessRequest, actor=None) -> list[Provisioning]:
    """Try again on the active hosts whose latest result failed (or that are new)."""
    failed = []
    for host in LabHost.objects.filter(active=True):
        latest = request.provisionings.filter(host=host).order_by("-attempt").first()
        if latest is None or latest.status == P.FAILED:
            failed.append(host)
    if not failed:
        raise AccessError(_("every lab computer already has the account"))
    return access_provision(request=request, hosts=failed, actor=actor)


# --- the request workflow ----------------------------------------------------------------


def open_due() -> list[int]:
    from emails.models import Email

    return list(
        Email.objects.filter(
            kind=Email.Kind.ACESSO,
            status=Email.Status.RECEIVED,
            case__isnull=True,
            access_requests__isnull=True,
        )
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


@transaction.atomic
def access_request_open(email_id: int) -> AccessRequest | None:
    """An acesso email becomes a request awaiting the coordinator (once per email)."""
    from acesso.extraction import identify_student
    from emails import services as email_services
    from emails.models import Email

    email = Email.objects.select_for_update().get(pk=email_id)
    if email.status != Email.Status.RECEIVED or email.kind != Email.Kind.ACESSO:
        return None
    existing = AccessRequest.objects.filter(email=email).first()
    if existing is not None:
        return existing
    student = identify_student(
        body=email.body_text,
        from_name=email.from_name,
        from_address=email.from_address,
        forwarded=email.forwarded,
        original_from_name=email.original_from_name,
        original_from_address=email.original_from_address,
    )
    try:
        login = identity.login_for(
            student.name,
            lambda candidate: (
                AccessRequest.objects.filter(login=candidate)
                .exclude(student_email__iexact=student.email)
                .exists()
            ),
            also_reserved=[settings.MAILFLOW_LAB_SSH_USER],
        )
    except identity.ReservedLogin as exc:
        # "Root da <evil@...>" must not become a request for root's password.
        email_services.email_set_status(
            email=email,
            status=Email.Status.NEEDS_REVIEW,
            actor_label="acesso",
            note=reserved_login_message(exc.login),
        )
        return None
    except identity.InvalidName as exc:
        email_services.email_set_status(
            email=email,
            status=Email.Status.NEEDS_REVIEW,
            actor_label="acesso",
            note=_("no login can be made from the name: %(error)s") % {"error": exc},
        )
        return None
    request = AccessRequest.objects.create(
        email=email, student_name=student.name, student_email=student.email, login=login
    )
    AccessStatusChange.objects.create(
        request=request,
        to_status=request.status,
        actor_label="acesso",
        note=_("student identified from the %(source)s") % {"source": student.source},
    )
    email_services.email_set_status(
        email=email,
        status=Email.Status.PROCESSING,
        actor_label="acesso",
        note=_("lab access request #%(id)d") % {"id": request.pk},
    )
    _ask_the_coordinator(request)
    return request


def _ask_the_coordinator(request: AccessRequest) -> None:
    """An authorisation request by email: the coordinator's threaded answer decides."""
    from sender import services as outbox

    if not settings.MAILFLOW_COORDINATOR_EMAIL or policy.is_automatic("MAILFLOW_ACCESS_APPROVAL"):
        return
    outbox.outbound_compose(
        email=request.email,
        case_key=f"access:{request.pk}",
        purpose="authorisation_request",
        template="acesso/authorisation_request.txt",
        to=settings.MAILFLOW_COORDINATOR_EMAIL,
        subject=_("Lab access: %(name)s") % {"name": request.student_name},
        context={
            "student_name": request.student_name,
            "student_email": request.student_email,
            "login": request.login,
        },
        queue=True,
    )


def access_open_step(email_id: int) -> AccessRequest | None:
    """The intake step: open the request, then go as far as the policy allows."""
    request = access_request_open(email_id)
    if request is not None:
        access_advance(request.pk)
    return request


def _stuck(request: AccessRequest) -> bool:
    last = request.status_changes.order_by("-at", "-id").values_list("at", flat=True).first()
    deadline = timezone.now() - timedelta(seconds=settings.MAILFLOW_STUCK_SECONDS)
    return last is None or last < deadline


def advance_due() -> list[int]:
    """Requests the policy approves by itself, and requests a dead worker left half-way
    (authorised but no account yet, accounts half made, made but not sent)."""
    wanted = [R.APPROVED, R.PROVISIONING, R.PROVISIONED]
    if policy.is_automatic("MAILFLOW_ACCESS_APPROVAL"):
        wanted.append(R.AWAITING_APPROVAL)
    ids = []
    for request in AccessRequest.objects.filter(status__in=wanted).order_by("id")[:200]:
        if request.status == R.AWAITING_APPROVAL or _stuck(request):
            ids.append(request.pk)
    return ids


def access_advance(request_id: int) -> AccessRequest | None:
    request = AccessRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    if request.status == R.AWAITING_APPROVAL:
        if policy.is_automatic("MAILFLOW_ACCESS_APPROVAL"):
            return access_approve(request=request, actor=None, actor_label="policy")
        return request
    if not _stuck(request):
        return request
    if request.status == R.APPROVED:
        access_provision(request=request)
    elif request.status == R.PROVISIONING:
        hosts = _hosts_without_account(request)
        if hosts:
            access_provision(request=request, hosts=hosts)
        else:
            access_set_status(request=request, status=R.PROVISIONED, actor_label="sweeper")
    request.refresh_from_db()
    if request.status == R.PROVISIONED:
        access_send_credentials(request=request)
    return request


def _hosts_without_account(request: AccessRequest) -> list[LabHost]:
    missing = []
    for host in LabHost.objects.filter(active=True):
        latest = request.provisionings.filter(host=host).order_by("-attempt").first()
        if latest is None or latest.status not in (P.CREATED, P.RESET):
            missing.append(host)
    return missing


def decision_due() -> list[int]:
    from emails.models import Email

    return list(
        Email.objects.filter(
            status=Email.Status.RECEIVED,
            case__isnull=False,
            case__access_requests__status=R.AWAITING_APPROVAL,
        )
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )


_AUTHORISED = re.compile(r"^\s*autorizad[oa]\b", re.I)
_DENIED = re.compile(r"^\s*negad[oa]\s*[:\-–]\s*(?P<reason>.+)", re.I | re.S)
_QUOTE_HEADER = re.compile(r"^\s*(em .+ escreveu:|on .+ wrote:)\s*$", re.I)


def _first_words(body: str) -> str:
    """The answer written on top: up to the first quoted line or quote header."""
    lines = []
    for line in (body or "").splitlines():
        if line.startswith(">") or _QUOTE_HEADER.match(line):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def access_decide_by_email(email_id: int) -> None:
    """The coordinator's threaded answer: "Autorizado" approves, "Negado: <reason>" denies.
    Anything else, or from another address, waits for a person in the admin."""
    from emails import services as email_services
    from emails.models import Email

    email = Email.objects.get(pk=email_id)
    if email.status != Email.Status.RECEIVED:
        return
    request = AccessRequest.objects.filter(
        email_id=email.case_id, status=R.AWAITING_APPROVAL
    ).first()
    if request is None:
        return
    coordinator = settings.MAILFLOW_COORDINATOR_EMAIL.lower()
    answer = _first_words(email.body_text)
    denied = _DENIED.match(answer)
    if not coordinator or email.from_address.lower() != coordinator:
        outcome, note = Email.Status.NEEDS_REVIEW, _("an answer, not from the coordinator")
    elif not _answers_our_question(email, request):
        # From: is easy to forge and the subject is predictable; the Message-ID of our
        # question went only to the coordinator
        outcome, note = (
            Email.Status.NEEDS_REVIEW,
            _("not a reply to the authorisation request (In-Reply-To/References)"),
        )
    elif _AUTHORISED.match(answer):
        access_approve(request=request, actor=None, actor_label=email.from_address)
        outcome, note = Email.Status.DONE, _("authorised by email")
    elif denied and denied.group("reason").strip():
        reason = denied.group("reason").strip().split("\n\n")[0].strip()
        access_deny(request=request, actor=None, reason=reason, actor_label=email.from_address)
        outcome, note = Email.Status.DONE, _("denied by email")
    else:
        outcome, note = Email.Status.NEEDS_REVIEW, _("not “Autorizado” nor “Negado: <reason>”")
    email_services.email_set_status(email=email, status=outcome, actor_label="acesso", note=note)


def _answers_our_question(email, request: AccessRequest) -> bool:
    """Whether the email is a reply, by its threading headers, to the authorisation
    request we sent the coordinator for this access request."""
    from sender.models import OutboundMessage

    asked = (
        OutboundMessage.objects.filter(idempotency_key=f"access:{request.pk}:authorisation_request")
        .values_list("message_id", flat=True)
        .first()
    )
    # both headers are stored as ids without angle brackets
    threaded = {i.strip("<>") for i in f"{email.in_reply_to} {email.references}".split()}
    return bool(asked) and asked in threaded


def access_approve(*, request: AccessRequest, actor, actor_label: str = "") -> AccessRequest:
    """The coordinator authorises: accounts are created on every active lab computer and,
    when all succeeded, the credentials go to the student."""
    with transaction.atomic():
        access_set_status(
            request=request,
            status=R.APPROVED,
            actor=actor,
            actor_label=actor_label,
            note=_("authorised"),
        )
        AccessRequest.objects.filter(pk=request.pk).update(
            decided_by=actor, decided_at=timezone.now()
        )
    access_provision(request=request, actor=actor)
    request.refresh_from_db()
    if request.status == R.PROVISIONED:
        access_send_credentials(request=request, actor=actor)
    return request


@transaction.atomic
def access_deny(
    *, request: AccessRequest, actor, reason: str, actor_label: str = ""
) -> AccessRequest:
    """The coordinator says no; the reason goes to the student."""
    from sender import services as outbox

    reason = (reason or "").strip()
    if not reason:
        raise AccessError(_("a denial needs a reason: it is sent to the student"))
    # the reason first: the database refuses a denial without one
    AccessRequest.objects.filter(pk=request.pk).update(
        decided_by=actor, decided_at=timezone.now(), denial_reason=reason
    )
    access_set_status(
        request=request, status=R.DENIED, actor=actor, actor_label=actor_label, note=reason
    )
    # to the student's address as recorded: when it is not the sender of the request nor
    # in a trusted domain, the outbox holds it as a draft, with why, for a person
    denial = outbox.outbound_compose(
        email=request.email,
        case_key=f"access:{request.pk}",
        purpose="denial",
        template="acesso/denial.txt",
        to=request.student_email,
        context={"student_name": request.student_name, "reason": reason},
        queue=True,
    )
    if denial.status == denial.Status.DRAFT and denial.held_reason:
        AccessStatusChange.objects.create(
            request=request,
            from_status=R.DENIED,
            to_status=R.DENIED,
            actor_label="outbox",
            note=_("the denial waits in the outbox for a person: %(why)s")
            % {"why": denial.held_reason},
        )
    _close_case(request, _("denial sent"))
    return request


def access_send_anyway(*, request: AccessRequest, actor) -> None:
    """Some lab computers failed: send the credentials for those that worked."""
    if request.status != R.PROVISIONING_FAILED:
        raise AccessError(_("only a request whose account creation failed can be sent anyway"))
    if not request.provisionings.filter(status__in=[P.CREATED, P.RESET]).exists():
        raise AccessError(_("no lab computer has the account yet: nothing to send"))
    access_send_credentials(request=request, actor=actor)


def _close_case(request: AccessRequest, note: str) -> None:
    """The originating email's case is finished once the student has the answer."""
    from emails import services as email_services
    from emails.models import Email

    if request.email_id is None:
        return
    email = Email.objects.get(pk=request.email_id)
    if email.status == Email.Status.PROCESSING:
        email_services.email_set_status(
            email=email, status=Email.Status.DONE, actor_label="acesso", note=note
        )


@transaction.atomic
def access_send_credentials(*, request: AccessRequest, actor=None) -> None:
    """Credentials to the student through the outbox (the password travels encrypted
    with the message until it is sent), a copy without it to the coordinator. The request
    keeps no password afterwards once every active lab computer has the account; after a
    partial send ("send anyway") it keeps it, encrypted, so that a retry on the computers
    that failed sets the password the student already got."""
    from sender import services as outbox

    password = access_password(request=request)
    hosts = ", ".join(
        request.provisionings.filter(status__in=[P.CREATED, P.RESET])
        .values_list("host__name", flat=True)
        .distinct()
    )
    context = {
        "student_name": request.student_name,
        "login": request.login,
        "hosts": hosts,
        "force_change": settings.MAILFLOW_LAB_FORCE_PASSWORD_CHANGE,
    }
    # to the student's address as recorded (from the body, a forward or the sender): when
    # it is not the sender of the request nor in a trusted domain, the outbox holds the
    # credentials as a draft, with why, until a person checks the address
    credentials = outbox.outbound_compose(
        email=request.email,
        case_key=f"access:{request.pk}",
        purpose="credentials",
        template="acesso/credentials.txt",
        to=request.student_email,
        context=context,
        secrets={"password": password},
        queue=policy.is_automatic("MAILFLOW_CREDENTIALS_APPROVAL"),
    )
    if settings.MAILFLOW_COORDINATOR_EMAIL:
        outbox.outbound_compose(
            email=request.email,
            case_key=f"access:{request.pk}",
            purpose="credentials_copy",
            template="acesso/credentials_copy.txt",
            to=settings.MAILFLOW_COORDINATOR_EMAIL,
            context=context,
            queue=True,
        )
    if _all_active_hosts_done(request):
        AccessRequest.objects.filter(pk=request.pk).update(password_encrypted="")
        request.password_encrypted = ""
    note = _("credentials for %(to)s in the outbox") % {"to": request.student_email}
    if credentials.status == credentials.Status.DRAFT and credentials.held_reason:
        note = _("credentials for %(to)s wait in the outbox for a person: %(why)s") % {
            "to": request.student_email,
            "why": credentials.held_reason,
        }
    access_set_status(request=request, status=R.CREDENTIALS_QUEUED, actor=actor, note=note)
    # already sent (this is a second send after a retry on the computers that had failed)
    if access_finish(request.pk) is not None:
        request.refresh_from_db()


def _credentials_key(request_id: int) -> str:
    return f"access:{request_id}:credentials"


def finish_due() -> list[int]:
    """Requests whose credentials the outbox has sent."""
    from sender.models import OutboundMessage

    waiting = list(
        AccessRequest.objects.filter(status=R.CREDENTIALS_QUEUED).values_list("id", flat=True)[:200]
    )
    sent = set(
        OutboundMessage.objects.filter(
            idempotency_key__in=[_credentials_key(i) for i in waiting],
            status=OutboundMessage.Status.SENT,
        ).values_list("idempotency_key", flat=True)
    )
    return [i for i in waiting if _credentials_key(i) in sent]


def access_finish(request_id: int) -> AccessRequest | None:
    """The credentials left: the request is answered and its email done."""
    from sender.models import OutboundMessage

    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.status != R.CREDENTIALS_QUEUED:
            return None
        if not OutboundMessage.objects.filter(
            idempotency_key=_credentials_key(request.pk), status=OutboundMessage.Status.SENT
        ).exists():
            return None
        access_set_status(
            request=request,
            status=R.SENT,
            actor_label="outbox",
            note=_("credentials sent to %(to)s") % {"to": request.student_email},
        )
        _close_case(request, _("credentials sent"))
    return request

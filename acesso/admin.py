from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from acesso import identity, selectors, services, ssh
from acesso.models import (
    AccessRequest,
    AccessStatusChange,
    LabAccount,
    LabAccountCheck,
    LabHost,
    Provisioning,
)
from mailflow import marks
from mailflow.audit import StatusHistoryInline
from sender.admin_replies import CaseRepliesMixin

# 1 for a request with values a person must check, else 0 (the changelist lists those first).
MARKED = Case(When(checks={}, then=Value(0)), default=Value(1), output_field=IntegerField())

# The values read from the email, in the order of the page.
VALUE_FIELDS = ("student_name", "student_email", "requester_name", "requester_email")


def access_review(access: AccessRequest) -> marks.Review:
    """Where the student's and the requester's name and address came from, and what to check."""
    return marks.review_build(
        [(name, str(services.CHECK_FIELDS[name]), getattr(access, name)) for name in VALUE_FIELDS],
        provenance=access.provenance,
        checks=access.checks,
        texts={None: access.email.body_text if access.email_id else ""},
    )


def _person(name: str, address: str) -> str:
    if name and address:
        return f"{name} <{address}>"
    return name or address


def _asked_by_the_student(access: AccessRequest) -> bool:
    if access.requester_email and access.student_email:
        return access.requester_email.lower() == access.student_email.lower()
    return bool(access.requester_name) and (
        access.requester_name.casefold() == access.student_name.casefold()
    )


def requested_by_text(access: AccessRequest) -> str:
    """ "Pedido por X <addr> para Y <addr>", or "Pedido pelo próprio aluno"."""
    if _asked_by_the_student(access):
        return _("Requested by the student themself")
    student = _person(access.student_name, access.student_email)
    requester = _person(access.requester_name, access.requester_email)
    if not requester:
        return _("Requested for %(student)s") % {"student": student}
    return _("Requested by %(requester)s for %(student)s") % {
        "requester": requester,
        "student": student,
    }


@admin.register(LabHost)
class LabHostAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "address",
        "port",
        "active",
        "dry_run",
        "fingerprint",
        "last_contact",
        "last_error",
    ]
    list_filter = ["active", "dry_run"]
    search_fields = ["name", "address"]
    fields = [
        "name",
        "address",
        "port",
        "active",
        "dry_run",
        "fingerprint",
        "last_contact",
        "last_error",
    ]
    readonly_fields = ["fingerprint", "last_contact", "last_error"]
    actions = ["trust_host_key", "test_connection", "enable", "disable"]

    @admin.display(description=_("pinned host key (SHA256)"))
    def fingerprint(self, obj: LabHost) -> str:
        return obj.host_key_fingerprint or _("not trusted yet")

    def save_model(self, request, obj, form, change):
        services.lab_host_save(host=obj)

    def has_trust_permission(self, request) -> bool:
        # Trusting a key decides where the lab administrator's password and the sudo
        # password are sent: a staff user who can change a computer's address must not
        # also be able to trust the key of a machine of theirs.
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Trust the host key it presents now"), permissions=["trust"])
    def trust_host_key(self, request, queryset):
        for host in queryset:
            try:
                fingerprint = services.lab_host_trust_key(host=host)
            except ssh.LabSshError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _(
                        "%(host)s: key %(fp)s is now trusted; compare it with the one the "
                        "machine's administrator reads on its console."
                    )
                    % {"host": host, "fp": fingerprint},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Test connection"), permissions=["view"])
    def test_connection(self, request, queryset):
        for host in queryset:
            if host.dry_run:
                self.message_user(request, _("%(host)s: dry run") % {"host": host})
                continue
            try:
                services.lab_host_test(host=host)
            except (ssh.LabSshError, services.AccessError) as exc:
                self.message_user(request, f"{host}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(host)s: connection and sudo work.") % {"host": host},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Enable"), permissions=["change"])
    def enable(self, request, queryset):
        count = queryset.update(active=True)
        self.message_user(request, _("%(n)d computers enabled.") % {"n": count})

    @admin.action(description=_("Disable"), permissions=["change"])
    def disable(self, request, queryset):
        count = queryset.update(active=False)
        self.message_user(request, _("%(n)d computers disabled.") % {"n": count})


class ProvisioningInline(admin.TabularInline):
    model = Provisioning
    extra = 0
    can_delete = False
    fields = ["host", "attempt", "status", "error", "commands", "started_at", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AccessStatusChangeInline(StatusHistoryInline):
    model = AccessStatusChange


class LabAccountCheckInline(admin.TabularInline):
    """What each lab computer said about the login before the decision; for a superuser,
    the button that lets this request take over an existing account on one computer."""

    model = LabAccountCheck
    extra = 0
    can_delete = False
    fields = ["host", "login", "result", "uid", "full_name", "error", "checked_at", "take_over"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # part of the request (what its coordinator is told): whoever may see the request
        return request.user.has_perm("acesso.view_accessrequest")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not (request.user.is_active and request.user.is_superuser):
            return [f for f in fields if f != "take_over"]
        return fields

    @admin.display(description=_("take over"))
    def take_over(self, check: LabAccountCheck) -> str:
        if check.result not in (
            LabAccountCheck.Result.NOT_MAILFLOW,
            LabAccountCheck.Result.OTHER_PERSON,
        ):
            return ""
        if check.request.adoptions.filter(host=check.host, login=check.login).exists():
            return _("taken over: the next retry resets its password")
        # a button of the change form posting to the take-over view (forms cannot nest)
        return format_html(
            '<button type="submit" class="button" formaction="{}" formnovalidate>{}</button>',
            reverse("admin:acesso_accessrequest_adopt", args=[check.request_id, check.host_id]),
            _("Take over the existing account on %(host)s") % {"host": check.host},
        )


class AccessRequestForm(forms.ModelForm):
    class Meta:
        model = AccessRequest
        fields = ["student_name", "student_email", "login", "denial_reason"]

    def clean_login(self) -> str:
        login = self.cleaned_data["login"]
        try:
            services.login_validate(login)
        except identity.ReservedLogin as exc:
            raise ValidationError(services.reserved_login_message(login)) from exc
        except identity.InvalidName:
            pass  # the field's own validator already says what is wrong
        return login


def _describe(check: LabAccountCheck) -> str:
    if not check.exists:
        return f"{check.get_result_display()}: {check.error}"
    name = f", {check.full_name}" if check.full_name else ""
    return f"{check.get_result_display()} (uid {check.uid}{name})"


@admin.register(AccessRequest)
class AccessRequestAdmin(CaseRepliesMixin, admin.ModelAdmin):
    form = AccessRequestForm
    change_form_template = "admin/acesso/accessrequest/change_form.html"
    list_display = [
        "student_name",
        "login",
        "student_email",
        "requested_by",
        "status",
        "to_check",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["student_name", "login", "student_email", "requester_email"]
    list_select_related = ["email"]
    # requests with values a person must check first
    ordering = [MARKED.desc(), "-created_at", "-id"]
    readonly_fields = [
        "status",
        "decided_by",
        "decided_at",
        "created_at",
        "email",
        "requester_name",
        "requester_email",
        "existing_accounts",
        "authorised_identity",
    ]
    fields = [
        "email",
        "student_name",
        "student_email",
        "requester_name",
        "requester_email",
        "login",
        "existing_accounts",
        "status",
        "decided_by",
        "decided_at",
        "authorised_identity",
        "denial_reason",
        "created_at",
    ]
    inlines = [LabAccountCheckInline, ProvisioningInline, AccessStatusChangeInline]
    actions = ["approve", "deny", "retry_failed_hosts", "send_anyway", "check_accounts"]

    def replies_case(self, obj):
        return obj.email_id, f"access:{obj.pk}"

    @admin.display(description=_("requested by"))
    def requested_by(self, obj: AccessRequest) -> str:
        if _asked_by_the_student(obj):
            return _("the student themself")
        return obj.requester_name or obj.requester_email or "—"

    @admin.display(description=_("to check"), ordering=MARKED)
    def to_check(self, obj: AccessRequest) -> str:
        return str(len(obj.checks)) if obj.checks else "—"

    def has_check_permission(self, request, obj: AccessRequest) -> bool:
        """Marking the values checked is as good as correcting them: whoever may change the
        student's identity (after the decision, only the coordinator)."""
        return self.has_change_permission(request, obj) and (
            not obj.decided or self.has_decide_permission(request)
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            review = access_review(obj)
            context.update(
                {
                    "access": obj,
                    "review": review,
                    "original_text": review.marked(None),
                    "requested_by": requested_by_text(obj),
                    "can_check": self.has_check_permission(request, obj),
                    "checked_url": reverse("admin:acesso_accessrequest_checked", args=[obj.pk]),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def checked_view(self, request, request_id: int):
        """A person looked at the marked values and found them right (POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        access = self.get_object(request, str(request_id))
        if access is None:
            raise Http404
        if not self.has_check_permission(request, access):
            raise PermissionDenied
        services.access_checked(request=access, actor=request.user)
        self.message_user(
            request,
            _("%(r)s: the values to check were marked as checked.") % {"r": access},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:acesso_accessrequest_change", args=[access.pk]))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # after the coordinator's decision the identity is the coordinator's to change
        if obj is not None and obj.decided and not self.has_decide_permission(request):
            fields += list(services.IDENTITY_FIELDS)
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        changed = {
            f: form.cleaned_data[f] for f in services.IDENTITY_FIELDS if f in form.changed_data
        }
        try:
            services.access_identity_update(request=obj, changes=changed, actor=request.user)
        except services.AccessError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        others = [f for f in form.changed_data if f not in services.IDENTITY_FIELDS]
        if others:
            obj.save(update_fields=others)
        return None

    @admin.display(description=_("login already on the lab computers"))
    def existing_accounts(self, obj: AccessRequest) -> str:
        checks = selectors.existing_accounts(obj)
        if not checks:
            return (
                _("no lab computer has this login")
                if obj.account_checks.filter(login=obj.approved_login or obj.login).exists()
                else _("not checked")  # or checked for a login since corrected
            )
        return format_html_join("", "<div>{}: {}</div>", ((c.host, _describe(c)) for c in checks))

    @admin.display(description=_("authorised identity"))
    def authorised_identity(self, obj: AccessRequest) -> str:
        approved = obj.approved_identity()
        if approved is None:
            return "-"
        name, email, login = approved
        return f"{name} <{email}> ({login})"

    def has_adopt_permission(self, request) -> bool:
        # Taking over an account someone else made hands its files to a new person: only
        # a superuser, one computer at a time, audited.
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        extra = [
            path(
                "<int:request_id>/checked/",
                self.admin_site.admin_view(self.checked_view),
                name="acesso_accessrequest_checked",
            ),
            path(
                "<int:request_id>/adopt/<int:host_id>/",
                self.admin_site.admin_view(self.adopt_view),
                name="acesso_accessrequest_adopt",
            ),
        ]
        return extra + super().get_urls()

    def adopt_view(self, request, request_id: int, host_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_adopt_permission(request):
            raise PermissionDenied
        access = get_object_or_404(AccessRequest, pk=request_id)
        host = get_object_or_404(LabHost, pk=host_id)
        try:
            services.access_adopt_account(request=access, host=host, actor=request.user)
        except services.AccessError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(host)s: the existing account will be taken over at the next retry.")
                % {"host": host},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:acesso_accessrequest_change", args=[access.pk]))

    @admin.action(
        description=_("Check which lab computers already have the login"), permissions=["change"]
    )
    def check_accounts(self, request, queryset):
        for access in queryset:
            checks = services.access_check_accounts(request=access)
            found = [str(c.host) for c in checks if c.exists]
            self.message_user(
                request,
                _("%(r)s: the login exists on %(hosts)s") % {"r": access, "hosts": ", ".join(found)}
                if found
                else _("%(r)s: no lab computer has the login") % {"r": access},
                messages.WARNING if found else messages.SUCCESS,
            )

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("acesso.decide_accessrequest")

    @admin.action(
        description=_("Authorise (create the accounts and send them)"), permissions=["decide"]
    )
    def approve(self, request, queryset):
        for access in queryset:
            try:
                services.access_approve(request=access, actor=request.user)
            except (services.AccessError, ValueError) as exc:
                self.message_user(request, f"{access}: {exc}", messages.ERROR)
            else:
                access.refresh_from_db()
                level = messages.SUCCESS if access.status == "sent" else messages.WARNING
                self.message_user(request, f"{access}: {access.get_status_display()}", level)

    @admin.action(description=_("Deny…"), permissions=["decide"])
    def deny(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            return TemplateResponse(
                request,
                "admin/acesso/deny.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Deny lab access"),
                    "requests": queryset,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for access in queryset:
            try:
                services.access_deny(request=access, actor=request.user, reason=reason)
            except services.AccessError as exc:
                self.message_user(request, f"{access}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(r)s: denied; the reason goes to the student.") % {"r": access},
                    messages.SUCCESS,
                )

    @admin.action(
        description=_("Send the credentials anyway (computers that worked)"), permissions=["decide"]
    )
    def send_anyway(self, request, queryset):
        for access in queryset:
            try:
                services.access_send_anyway(request=access, actor=request.user)
            except services.AccessError as exc:
                self.message_user(request, f"{access}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(r)s: credentials sent.") % {"r": access}, messages.SUCCESS
                )

    @admin.action(description=_("Retry the lab computers that failed"), permissions=["change"])
    def retry_failed_hosts(self, request, queryset):
        for access in queryset:
            try:
                services.access_retry(request=access, actor=request.user)
            except (services.AccessError, ValueError) as exc:
                self.message_user(request, f"{access}: {exc}", messages.ERROR)
            else:
                access.refresh_from_db()
                self.message_user(
                    request, f"{access}: {access.get_status_display()}", messages.SUCCESS
                )


@admin.register(LabAccount)
class LabAccountAdmin(admin.ModelAdmin):
    """The accounts mailflow made (or took over) on the lab computers: read only."""

    list_display = ["login", "host", "uid", "request", "adopted_by", "created_at"]
    list_filter = ["host"]
    search_fields = ["login", "request__student_name", "request__student_email"]
    list_select_related = ["host", "request", "adopted_by"]
    fields = ["host", "login", "uid", "comment", "request", "adopted_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from acesso import identity, services, ssh
from acesso.models import AccessRequest, AccessStatusChange, LabHost, Provisioning
from mailflow.audit import StatusHistoryInline
from sender.admin_replies import CaseRepliesMixin


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


@admin.register(AccessRequest)
class AccessRequestAdmin(CaseRepliesMixin, admin.ModelAdmin):
    form = AccessRequestForm
    list_display = ["student_name", "login", "student_email", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["student_name", "login", "student_email"]
    list_select_related = ["email"]
    readonly_fields = ["status", "decided_by", "decided_at", "created_at", "email"]
    fields = [
        "email",
        "student_name",
        "student_email",
        "login",
        "status",
        "decided_by",
        "decided_at",
        "denial_reason",
        "created_at",
    ]
    inlines = [ProvisioningInline, AccessStatusChangeInline]
    actions = ["approve", "deny", "retry_failed_hosts", "send_anyway"]

    def replies_case(self, obj):
        return obj.email_id, f"access:{obj.pk}"

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

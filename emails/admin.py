from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emails import selectors, services
from emails.api import EmailViewSet, attachment_response, raw_response
from emails.htmltext import html_to_text
from emails.imap import IMAP_ERRORS, ImapConfigError, ImapError, describe_error
from emails.models import Attachment, Email, Mailbox, StatusChange
from emails.parsing import HTML_TEXT_MAX_CHARS
from mailflow.audit import StatusHistoryInline
from mailflow.crypto import SecretUnreadable
from mailflow.html import sanitised, too_complex_to_show
from pipeline import kinds
from sender.admin_replies import CaseRepliesMixin


class MailboxForm(forms.ModelForm):
    new_password = forms.CharField(
        label=_("password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave blank to keep the current one."),
    )
    clear_password = forms.BooleanField(label=_("remove the stored password"), required=False)

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "protocol",
            "active",
            "host",
            "port",
            "security",
            "username",
            "credentials_from_env",
            "folder",
            "maildir_path",
            "after_fetch",
            "move_to_folder",
        ]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "protocol",
        "server",
        "folder",
        "active",
        "last_polled_at",
        "last_success_at",
        "last_error_short",
    ]
    list_filter = ["protocol", "active"]
    search_fields = ["name", "host", "username"]
    readonly_fields = [
        "uidvalidity",
        "last_uid",
        "last_polled_at",
        "last_success_at",
        "last_error",
        "has_password",
    ]
    fieldsets = [
        (None, {"fields": ["name", "protocol", "active"]}),
        (
            _("IMAP server"),
            {
                "fields": [
                    "host",
                    "port",
                    "security",
                    "username",
                    "new_password",
                    "clear_password",
                    "has_password",
                    "credentials_from_env",
                    "folder",
                ]
            },
        ),
        (_("Local Maildir folder"), {"fields": ["maildir_path"]}),
        (_("After a successful fetch"), {"fields": ["after_fetch", "move_to_folder"]}),
        (
            _("State"),
            {
                "fields": [
                    "uidvalidity",
                    "last_uid",
                    "last_polled_at",
                    "last_success_at",
                    "last_error",
                ]
            },
        ),
    ]
    actions = ["test_connection", "collect_now"]

    @admin.display(description=_("server"))
    def server(self, obj: Mailbox) -> str:
        if obj.protocol == Mailbox.Protocol.MAILDIR:
            return obj.maildir_path
        return f"{obj.host}:{obj.port}" if obj.port else obj.host

    @admin.display(description=_("last error"))
    def last_error_short(self, obj: Mailbox) -> str:
        return obj.last_error[:120]

    @admin.display(description=_("password stored"), boolean=True)
    def has_password(self, obj: Mailbox) -> bool:
        return bool(obj.password_encrypted)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("clear_password"):
            services.mailbox_set_password(mailbox=obj, password="")
        elif form.cleaned_data.get("new_password"):
            services.mailbox_set_password(mailbox=obj, password=form.cleaned_data["new_password"])

    @admin.action(description=_("Test connection"), permissions=["view"])
    def test_connection(self, request, queryset):
        for mailbox in queryset:
            try:
                report = services.mailbox_test_connection(mailbox=mailbox)
            except (ImapConfigError, ImapError, SecretUnreadable) as exc:
                self.message_user(
                    request,
                    _("%(name)s: %(error)s") % {"name": mailbox, "error": exc},
                    messages.ERROR,
                )
            except IMAP_ERRORS as exc:
                self.message_user(
                    request,
                    _("%(name)s: %(error)s") % {"name": mailbox, "error": describe_error(exc)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(name)s: connection works (%(report)s).")
                    % {"name": mailbox, "report": report},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Collect now"), permissions=["change"])
    def collect_now(self, request, queryset):
        for mailbox in queryset:
            result = services.mailbox_collect(mailbox=mailbox)
            if result.busy:
                self.message_user(
                    request,
                    _("%(name)s: another collection is running; try again in a minute.")
                    % {"name": mailbox},
                    messages.WARNING,
                )
            elif result.error:
                self.message_user(
                    request,
                    _("%(name)s: collection failed: %(error)s")
                    % {"name": mailbox, "error": result.error},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _(
                        "%(name)s: %(stored)d new messages stored (%(duplicates)d already "
                        "stored, %(failed)d unreadable)."
                    )
                    % {
                        "name": mailbox,
                        "stored": result.stored,
                        "duplicates": result.duplicates,
                        "failed": result.failed,
                    },
                    messages.SUCCESS,
                )


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["download", "content_type", "size"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        url = reverse("admin:emails_email_attachment", args=[obj.email_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename or obj.file.name)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StatusChangeInline(StatusHistoryInline):
    model = StatusChange


@admin.register(Email)
class EmailAdmin(CaseRepliesMixin, admin.ModelAdmin):
    list_display = [
        "subject_display",
        "sender",
        "date",
        "status",
        "kind",
        "confidence",
        "forwarded",
        "auto_generated",
        "mailbox",
    ]
    # And one "Classify as …" action per registered kind (get_actions).
    actions = ["fetch_anyway"]
    list_filter = ["status", "kind", "forwarded", "auto_generated", "mailbox"]
    search_fields = [
        "subject",
        "from_address",
        "from_name",
        "original_from_address",
        "original_from_name",
        "body_text",
    ]
    list_select_related = ["mailbox"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-received_at", "-id"]
    inlines = [AttachmentInline, StatusChangeInline]
    readonly_fields = [
        "mailbox",
        "guesses",
        "case",
        "status",
        "error",
        "duplicate_of",
        "same_id_copies_display",
        "headers_only",
        "kind_confidence",
        "subject",
        "from_name",
        "from_address",
        "to",
        "cc",
        "reply_to",
        "date",
        "received_at",
        "message_id",
        "in_reply_to",
        "references",
        "forwarded",
        "original_from_name",
        "original_from_address",
        "original_subject",
        "original_date",
        "auto_generated",
        "auto_reason",
        "size",
        "raw_download",
        "body_text_display",
        "body_html_display",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["subject", "from_name", "from_address", "date", "received_at", "mailbox"]},
        ),
        (
            _("Processing"),
            {
                "fields": [
                    "status",
                    "error",
                    "kind",
                    "kind_confidence",
                    "guesses",
                    "case",
                    "duplicate_of",
                    "same_id_copies_display",
                ]
            },
        ),
        (
            _("Forward"),
            {
                "fields": [
                    "forwarded",
                    "original_from_name",
                    "original_from_address",
                    "original_subject",
                    "original_date",
                ]
            },
        ),
        (_("Automatic mail"), {"fields": ["auto_generated", "auto_reason"]}),
        (_("Message"), {"fields": ["body_text_display", "body_html_display"]}),
        (
            _("Headers"),
            {
                "classes": ["collapse"],
                "fields": [
                    "to",
                    "cc",
                    "reply_to",
                    "message_id",
                    "in_reply_to",
                    "references",
                    "size",
                    "headers_only",
                    "raw_download",
                ],
            },
        ),
    ]

    def replies_case(self, obj):
        return obj.pk, None

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            return qs.defer(*selectors.LIST_DEFERRED)
        return qs.defer("raw")

    def get_urls(self):
        extra = [
            path(
                "<int:email_id>/raw/",
                self.admin_site.admin_view(self.raw_view),
                name="emails_email_raw",
            ),
            path(
                "<int:email_id>/attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="emails_email_attachment",
            ),
        ]
        return extra + super().get_urls()

    def raw_view(self, request, email_id: int):
        """The original message, with the permissions the API asks for: it holds every
        attachment, so view email and view attachment."""
        if not request.user.has_perms(EmailViewSet.action_permissions["raw"]):
            raise PermissionDenied
        if not Email.objects.filter(pk=email_id).exists():
            raise Http404
        return raw_response(email_id)

    def attachment_view(self, request, email_id: int, attachment_id: int):
        """An attachment as a download, with the permissions the API asks for (view email
        and view attachment)."""
        if not request.user.has_perms(EmailViewSet.action_permissions["attachment"]):
            raise PermissionDenied
        try:
            att = selectors.attachment_get(email_id=email_id, attachment_id=attachment_id)
        except Attachment.DoesNotExist:
            raise Http404 from None
        return attachment_response(att)

    @admin.display(description=_("subject"), ordering="subject")
    def subject_display(self, obj: Email) -> str:
        return (obj.subject or _("(no subject)"))[:120]

    @admin.display(description=_("sender"), ordering="from_address")
    def sender(self, obj: Email) -> str:
        name, address = obj.sender_name, obj.sender_address
        return f"{name} <{address}>" if name and address else (name or address)

    @admin.display(description=_("original message"))
    def raw_download(self, obj: Email) -> str:
        url = reverse("admin:emails_email_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download .eml"))

    @admin.display(description=_("text"))
    def body_text_display(self, obj: Email) -> str:
        return format_html(
            '<pre class="email-text">{}</pre>',
            obj.body_text,
        )

    @admin.display(description=_("HTML (sanitised)"))
    def body_html_display(self, obj: Email) -> str:
        if not obj.body_html:
            return "-"
        # Checked before nh3, whose time grows with the square of the nesting depth.
        reason = too_complex_to_show(obj.body_html)
        if reason:
            text = obj.body_text or html_to_text(obj.body_html[:HTML_TEXT_MAX_CHARS])
            return format_html(
                '<p class="help">{}</p>'
                '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
                reason,
                text,
            )
        return format_html('<div class="email-html">{}</div>', sanitised(obj.body_html))

    @admin.display(description=_("later copies with the same Message-ID, different content"))
    def same_id_copies_display(self, obj: Email) -> str:
        copies = list(obj.same_id_copies.order_by("pk").values_list("pk", "received_at"))
        if not copies:
            return "-"
        return format_html_join(
            ", ",
            '<a href="{}">#{}</a>',
            ((reverse("admin:emails_email_change", args=[pk]), pk) for pk, _at in copies),
        )

    @admin.action(
        description=_("Fetch anyway (messages over the size limit)"), permissions=["change"]
    )
    def fetch_anyway(self, request, queryset):
        for email in queryset.filter(headers_only=True):
            try:
                services.email_fetch_full(email=email, actor=request.user)
            except (
                services.TransitionNotAllowed,
                ImapConfigError,
                ImapError,
                SecretUnreadable,
            ) as exc:
                self.message_user(
                    request,
                    gettext("Email #%(id)d: %(error)s") % {"id": email.pk, "error": exc},
                    messages.ERROR,
                )
            except IMAP_ERRORS as exc:
                self.message_user(
                    request,
                    gettext("Email #%(id)d: %(error)s")
                    % {"id": email.pk, "error": describe_error(exc)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext("Email #%(id)d was fetched in full.") % {"id": email.pk},
                    messages.SUCCESS,
                )
        skipped = queryset.filter(headers_only=False).count()
        if skipped:
            self.message_user(
                request,
                gettext("%(n)d emails were already complete and were left as they are.")
                % {"n": skipped},
                messages.WARNING,
            )

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        # Only the kind is editable; it goes through the service (audit row, and the
        # categorizer learns from it).
        if "kind" in form.changed_data and obj.kind:
            self._set_kind(request, Email.objects.get(pk=obj.pk), obj.kind)

    def _set_kind(self, request, email: Email, kind: str) -> None:
        services.email_set_kind(
            email=email,
            kind=kind,
            confidence=1.0,
            actor=request.user,
            note=gettext("kind corrected by %(user)s") % {"user": request.user},
        )

    def _classify_as(self, request, queryset, kind: str) -> None:
        for email in queryset:
            self._set_kind(request, email, kind)
        self.message_user(
            request,
            gettext("%(n)d emails classified as “%(kind)s”.")
            % {"n": len(queryset), "kind": kinds.kind_label(kind)},
            messages.SUCCESS,
        )

    def get_actions(self, request):
        """Django's actions, with one "Classify as …" per kind the apps register
        (pipeline.kinds): a new kind of request gets its action without an edit here."""
        actions = super().get_actions(request)
        if IS_POPUP_VAR in request.GET or not self.has_change_permission(request):
            return actions
        classify = {}
        for kind in kinds.registered_kinds():
            name = f"classify_{kind.code}"
            description = gettext("Classify as “%(kind)s”") % {"kind": kind.label}
            classify[name] = (self._classify_action(kind.code), name, description)
        first = {k: v for k, v in actions.items() if k == "delete_selected"}
        return {**first, **classify, **actions}

    @staticmethod
    def _classify_action(code: str):
        def classify(modeladmin, request, queryset):
            modeladmin._classify_as(request, queryset, code)

        return classify

    @admin.display(description=_("classifier's guesses"))
    def guesses(self, obj: Email) -> str:
        if not obj.kind_scores:
            return "-"
        ranked = sorted(obj.kind_scores.items(), key=lambda kv: kv[1], reverse=True)[:2]
        return ", ".join(f"{kinds.kind_label(k)}: {v:.0%}" for k, v in ranked)

    @admin.display(description=_("confidence"), ordering="kind_confidence")
    def confidence(self, obj: Email) -> str:
        return f"{obj.kind_confidence:.0%}" if obj.kind_confidence is not None else "-"

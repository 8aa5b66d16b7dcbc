from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mailflow.audit import StatusHistoryInline
from mailflow.html import sanitised
from sender import selectors, services
from sender.models import OutboundAttachment, OutboundMessage, OutboundStatusChange

S = OutboundMessage.Status
# What downloading an attachment of an outgoing message needs.
ATTACHMENT_PERMISSIONS = ["sender.view_outboundmessage", "sender.view_outboundattachment"]


class OutboundStatusChangeInline(StatusHistoryInline):
    model = OutboundStatusChange


def _download_url(attachment: OutboundAttachment) -> str:
    return reverse(
        "admin:sender_outboundmessage_attachment", args=[attachment.message_id, attachment.pk]
    )


class OutboundAttachmentInline(admin.TabularInline):
    model = OutboundAttachment
    extra = 0
    can_delete = False
    fields = ["download", "content_type", "size"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj: OutboundAttachment) -> str:
        return format_html('<a href="{}">{}</a>', _download_url(obj), obj.filename)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "to",
        "purpose",
        "status",
        "held_reason",
        "attempts",
        "created_at",
        "sent_at",
        "case_link",
    ]
    list_filter = ["status", "purpose", "automatic", "created_at", "sent_at"]
    search_fields = ["to", "subject", "message_id"]
    list_select_related = ["email"]
    show_full_result_count = False
    date_hierarchy = None
    inlines = [OutboundAttachmentInline, OutboundStatusChangeInline]
    actions = [
        "approve_and_send",
        "retry_failed",
        "mark_uncertain_sent",
        "resend_uncertain",
        "discard",
    ]
    fieldsets = [
        (None, {"fields": ["preview"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "status",
                    "held_reason",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "smtp_reply",
                    "sent_at",
                ]
            },
        ),
        (
            _("Case"),
            {
                "fields": [
                    "case_link",
                    "purpose",
                    "automatic",
                    "message_id",
                    "in_reply_to",
                    "references",
                    "created_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "preview",
        "status",
        "held_reason",
        "attempts",
        "next_attempt_at",
        "last_error",
        "smtp_reply",
        "sent_at",
        "case_link",
        "purpose",
        "automatic",
        "message_id",
        "in_reply_to",
        "references",
        "created_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secrets_encrypted")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("case"))
    def case_link(self, obj: OutboundMessage) -> str:
        if obj.email_id is None:
            return "-"
        url = reverse("admin:emails_email_change", args=[obj.email_id])
        return format_html('<a href="{}">{}</a>', url, obj.email)

    @admin.display(description=_("message as the recipient will see it"))
    def preview(self, obj: OutboundMessage) -> str:
        headers = [
            (_("From"), obj.from_email),
            (_("To"), obj.to),
            (_("Cc"), obj.cc),
            (_("Subject"), obj.subject),
        ]
        rows = format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((k, v) for k, v in headers if v)
        )
        attachments = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({})</li>',
            ((_download_url(a), a.filename, filesizeformat(a.size)) for a in obj.attachments.all()),
        )
        html = ""
        if obj.body_html:
            html = format_html(
                '<div class="outbound-html">{}</div>', sanitised(services.masked(obj.body_html))
            )
        return format_html(
            '<table class="outbound-headers">{}</table>'
            '<pre class="outbound-text">{}</pre>{}<ul>{}</ul>',
            rows,
            services.masked(obj.body_text),
            html,
            attachments,
        )

    # --- extra pages -------------------------------------------------------------------

    def get_urls(self):
        extra = [
            path(
                "<int:message_id>/attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="sender_outboundmessage_attachment",
            )
        ]
        return extra + super().get_urls()

    def attachment_view(self, request, message_id: int, attachment_id: int):
        """An attachment as the recipient gets it, as a download (never rendered here).
        Viewing the message is not enough: as for an email's attachments, view attachment
        too."""
        if not request.user.has_perms(ATTACHMENT_PERMISSIONS):
            raise PermissionDenied
        try:
            attachment = selectors.attachment_get(
                message_id=message_id, attachment_id=attachment_id
            )
        except OutboundAttachment.DoesNotExist:
            raise Http404 from None
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )

    def _each(self, request, queryset, operation, done_message):
        done = 0
        for message in queryset:
            try:
                operation(message)
                done += 1
            except services.OutboxError as exc:
                self.message_user(request, f"{message}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Approve and send the selected drafts"), permissions=["change"])
    def approve_and_send(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.outbound_approve(message=m, actor=request.user),
            lambda n: (
                ngettext(
                    "%(n)d message approved; it will be sent in a moment.",
                    "%(n)d messages approved; they will be sent in a moment.",
                    n,
                )
                % {"n": n}
            ),
        )

    @admin.action(description=_("Retry the selected failed messages"), permissions=["change"])
    def retry_failed(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.outbound_retry(message=m, actor=request.user),
            lambda n: (
                ngettext("%(n)d message queued again.", "%(n)d messages queued again.", n)
                % {"n": n}
            ),
        )

    @admin.action(
        description=_("Uncertain: they did arrive (mark as sent)"), permissions=["change"]
    )
    def mark_uncertain_sent(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.outbound_resolve_uncertain(
                message=m, actor=request.user, was_sent=True
            ),
            lambda n: (
                ngettext("%(n)d message marked as sent.", "%(n)d messages marked as sent.", n)
                % {"n": n}
            ),
        )

    @admin.action(description=_("Uncertain: send them again…"), permissions=["change"])
    def resend_uncertain(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            # A message that may already have arrived is sent twice only on purpose.
            return TemplateResponse(
                request,
                "admin/sender/confirm_resend.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Send again?"),
                    "messages_to_send": queryset,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        self._each(
            request,
            queryset,
            lambda m: services.outbound_resolve_uncertain(
                message=m, actor=request.user, was_sent=False
            ),
            lambda n: (
                ngettext(
                    "%(n)d message will be sent again.", "%(n)d messages will be sent again.", n
                )
                % {"n": n}
            ),
        )

    @admin.action(
        description=_("Discard the selected messages (they will not be sent)…"),
        permissions=["change"],
    )
    def discard(self, request, queryset):
        reason = request.POST.get("reason", "")
        if request.POST.get("confirm") != "yes" or len(reason) > services.DISCARD_REASON_MAX:
            # Discarding cannot be undone: the page lists them and asks why.
            return TemplateResponse(
                request,
                "admin/sender/confirm_discard.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Discard these messages?"),
                    "messages_to_discard": queryset,
                    "reason": reason,
                    "reason_max": services.DISCARD_REASON_MAX,
                    "reason_too_long": len(reason) > services.DISCARD_REASON_MAX,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        self._each(
            request,
            queryset,
            lambda m: services.outbound_discard(message=m, actor=request.user, reason=reason),
            lambda n: (
                ngettext(
                    "%(n)d message discarded; it will not be sent.",
                    "%(n)d messages discarded; they will not be sent.",
                    n,
                )
                % {"n": n}
            ),
        )

"""The replies of a case on its admin page: an email, a defence or an access request lists
the outbox messages composed for it, for whoever may see the outbox."""

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from sender import selectors
from sender.models import OutboundMessage

S = OutboundMessage.Status


class CaseRepliesMixin:
    """For a ModelAdmin of a case. `replies_case(obj)` says which: its email's id and its
    case key (None when it has none)."""

    def replies_case(self, obj) -> tuple[int | None, str | None]:
        raise NotImplementedError

    def _may_see_replies(self, request) -> bool:
        return request.user.has_perm("sender.view_outboundmessage")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and self._may_see_replies(request):
            fieldsets.append((_("Replies"), {"fields": ["outbox_replies"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "outbox_replies"]

    @admin.display(description=_("messages composed for this case"))
    def outbox_replies(self, obj) -> str:
        email_id, case_key = self.replies_case(obj)
        rows = [
            (
                reverse("admin:sender_outboundmessage_change", args=[message.pk]),
                message.subject,
                message.to,
                message.get_status_display(),
                f" ({message.held_reason})"
                if message.status == S.DRAFT and message.held_reason
                else "",
                localize(localtime(message.sent_at)) if message.sent_at else "—",
            )
            for message in selectors.case_replies(email_id=email_id, case_key=case_key)
        ]
        if not rows:
            return _("none yet")
        return format_html(
            '<table class="outbox-replies"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("subject"),
            _("to"),
            _("status"),
            _("sent at"),
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}{}</td><td>{}</td></tr>',
                rows,
            ),
        )

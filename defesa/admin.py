from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from defesa import documents, selectors, services
from defesa.api import DefenseViewSet
from defesa.models import (
    CommitteeMember,
    DefenseRequest,
    DefenseStatusChange,
    DocumentTemplate,
    GeneratedDocument,
)
from emails.models import Email
from mailflow import marks
from mailflow.audit import StatusHistoryInline
from sender.admin_replies import CaseRepliesMixin

D = DefenseRequest.Status

# 1 for a request with values a person must check, else 0 (the changelist lists those first).
MARKED = Case(When(checks={}, then=Value(0)), default=Value(1), output_field=IntegerField())

# The values read from the email, in the order of the page.
VALUE_FIELDS = ("student", "title", "date", "time", "room", "link")


def _shown(value) -> str:
    return "" if value is None else str(formats.localize(value))


def defense_review(defense: DefenseRequest) -> marks.Review:
    """Where each value of the request came from and what to check, with the texts its
    spans index: the original email and the later emails of the case an answer came in."""
    members = list(defense.members.order_by("order", "id"))
    fields = [
        (name, services.field_label(name), _shown(getattr(defense, name))) for name in VALUE_FIELDS
    ]
    fields += [
        (
            f"member:{i}",
            services.field_label(f"member:{i}"),
            f"{member.name} ({member.get_role_display()})",
        )
        for i, member in enumerate(members)
    ]
    texts: dict[int | None, str] = {None: defense.email.body_text if defense.email_id else ""}
    later = {
        entry["email"]
        for entry in defense.provenance.values()
        if isinstance(entry, dict) and isinstance(entry.get("email"), int)
    }
    if later and defense.email_id:
        texts.update(
            Email.objects.filter(pk__in=later, case_id=defense.email_id).values_list(
                "pk", "body_text"
            )
        )
    return marks.review_build(
        fields,
        provenance=defense.provenance,
        checks=defense.checks,
        texts=texts,
        rows={member.pk: f"member:{i}" for i, member in enumerate(members)},
    )


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 1
    fields = ["role", "honorific", "name", "institution", "order", "source"]
    readonly_fields = ["source"]

    @admin.display(description=_("source"))
    def source(self, obj: CommitteeMember) -> str:
        if obj is None or obj.pk is None:
            return ""
        # one Review per defence and page (an inline instance serves one request)
        reviews = self.__dict__.setdefault("_reviews", {})
        if obj.defense_id not in reviews:
            reviews[obj.defense_id] = defense_review(obj.defense)
        review = reviews[obj.defense_id]
        return review.line(review.rows.get(obj.pk, ""))

    def _editable(self, obj) -> bool:
        return obj is None or obj.status in services.EDITABLE

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class GeneratedDocumentInline(admin.TabularInline):
    model = GeneratedDocument
    extra = 0
    can_delete = False
    fields = ["download", "kind_label", "member_name", "size", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj: GeneratedDocument) -> str:
        url = reverse("admin:defesa_defenserequest_document", args=[obj.defense_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    @admin.display(description=_("document"))
    def kind_label(self, obj: GeneratedDocument) -> str:
        return str(documents.DOCUMENT_KINDS.get(obj.kind, obj.kind))

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DefenseStatusChangeInline(StatusHistoryInline):
    model = DefenseStatusChange


@admin.register(DefenseRequest)
class DefenseRequestAdmin(CaseRepliesMixin, admin.ModelAdmin):
    change_form_template = "admin/defesa/defenserequest/change_form.html"
    list_display = [
        "student",
        "date",
        "time",
        "room",
        "status",
        "missing_text",
        "to_check",
        "created_at",
    ]
    list_filter = ["status", "date"]
    search_fields = ["student", "title", "members__name", "email__from_address"]
    date_hierarchy = "date"
    # requests with values a person must check first
    ordering = [MARKED.desc(), "-created_at", "-id"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {"fields": ["status", "missing_text", "problems_text", "rejection_reason"]},
        ),
        (
            _("Defence"),
            {"fields": ["student", "title", "date", "time", "room", "link"]},
        ),
        (
            _("Review"),
            {"fields": ["approved_by", "approved_at", "created_at", "updated_at"]},
        ),
    ]
    readonly_fields = [
        "status",
        "missing_text",
        "problems_text",
        "rejection_reason",
        "approved_by",
        "approved_at",
        "created_at",
        "updated_at",
    ]
    inlines = [CommitteeMemberInline, GeneratedDocumentInline, DefenseStatusChangeInline]
    actions = ["regenerate", "approve"]

    def replies_case(self, obj):
        return obj.email_id, f"defense:{obj.pk}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("email", "approved_by")

    @admin.display(description=_("to check"), ordering=MARKED)
    def to_check(self, obj: DefenseRequest) -> str:
        return str(len(obj.checks)) if obj.checks else "—"

    def has_add_permission(self, request) -> bool:
        # A request comes from an email; staff correct it, they do not invent one.
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("defesa.review_defenserequest")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status not in services.EDITABLE:
            fields += ["student", "title", "date", "time", "room", "link"]
        return fields

    @admin.display(description=_("missing"))
    def missing_text(self, obj: DefenseRequest) -> str:
        return services._missing_text(obj.missing_fields) if obj.missing_fields else "—"

    @admin.display(description=_("what could not be read"))
    def problems_text(self, obj: DefenseRequest) -> str:
        return format_html_join("\n", "<div>{}</div>", ((p,) for p in obj.problems)) or "—"

    # --- saving: the service records the change and moves the status ---------------------

    def save_model(self, request, obj, form, change):
        request._defense_before = services.defense_data(DefenseRequest.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        defense = form.instance
        before = getattr(request, "_defense_before", None)
        if before is not None and defense.status in services.EDITABLE:
            try:
                services.defense_edited(defense=defense, before=before, actor=request.user)
            except services.DefenseError as exc:
                self.message_user(request, str(exc), messages.ERROR)

    def response_change(self, request, obj):
        if "_regenerate" in request.POST:
            self._regenerate_one(request, obj)
            return HttpResponseRedirect(request.path)
        if "_approve" in request.POST:
            if not self.has_review_permission(request):
                raise PermissionDenied
            self._approve_one(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            review = defense_review(obj)
            later = (
                Email.objects.filter(case_id=obj.email_id).defer("raw").order_by("received_at")
                if obj.email_id
                else []
            )
            for email in later:
                review.texts.setdefault(email.pk, email.body_text)
            context.update(
                {
                    "defense": obj,
                    "review": review,
                    "original_text": review.marked(None),
                    "case_emails": [(email, review.marked(email.pk)) for email in later],
                    "can_review": self.has_review_permission(request),
                    "can_check": self.has_review_permission(request),
                    "checked_url": reverse("admin:defesa_defenserequest_checked", args=[obj.pk]),
                    "editable": obj.status in services.EDITABLE,
                    "reject_url": reverse("admin:defesa_defenserequest_reject", args=[obj.pk]),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- actions ---------------------------------------------------------------------------

    def _regenerate_one(self, request, defense: DefenseRequest) -> None:
        try:
            rows = services.defense_generate_documents(defense=defense, actor=request.user)
        except (services.DefenseError, documents.TemplateInvalid) as exc:
            self.message_user(request, f"{defense}: {exc}", messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(defense)s: %(count)d documents generated.")
                % {"defense": defense, "count": len(rows)},
                messages.SUCCESS,
            )

    def _approve_one(self, request, defense: DefenseRequest) -> None:
        try:
            services.defense_approve(defense=defense, actor=request.user)
        except services.DefenseError as exc:
            self.message_user(request, f"{defense}: {exc}", messages.ERROR)
        else:
            self.message_user(
                request,
                _(
                    "%(defense)s: approved; the chamado and the reply to the professor are in "
                    "the outbox."
                )
                % {"defense": defense},
                messages.SUCCESS,
            )

    @admin.action(description=_("Regenerate the documents"), permissions=["change"])
    def regenerate(self, request, queryset):
        for defense in queryset:
            self._regenerate_one(request, defense)

    @admin.action(description=_("Approve and send (chamado and reply)"), permissions=["review"])
    def approve(self, request, queryset):
        for defense in queryset:
            self._approve_one(request, defense)

    # --- extra pages -------------------------------------------------------------------------

    def get_urls(self):
        extra = [
            path(
                "<int:defense_id>/document/<int:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name="defesa_defenserequest_document",
            ),
            path(
                "<int:defense_id>/checked/",
                self.admin_site.admin_view(self.checked_view),
                name="defesa_defenserequest_checked",
            ),
            path(
                "<int:defense_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="defesa_defenserequest_reject",
            ),
        ]
        return extra + super().get_urls()

    def document_view(self, request, defense_id: int, document_id: int):
        # The permissions the API's download asks for.
        if not request.user.has_perms(DefenseViewSet.action_permissions["document"]):
            raise PermissionDenied
        try:
            document = selectors.document_get(defense_id=defense_id, document_id=document_id)
        except GeneratedDocument.DoesNotExist:
            raise Http404 from None
        return FileResponse(
            document.file.open("rb"), as_attachment=True, filename=document.filename
        )

    def checked_view(self, request, defense_id: int):
        """A person looked at the marked values and found them right (POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_review_permission(request):
            raise PermissionDenied
        defense = self.get_object(request, str(defense_id))
        if defense is None:
            raise Http404
        services.defense_checked(defense=defense, actor=request.user)
        self.message_user(
            request,
            _("%(defense)s: the values to check were marked as checked.") % {"defense": defense},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:defesa_defenserequest_change", args=[defense.pk])
        )

    def reject_view(self, request, defense_id: int):
        if not self.has_review_permission(request):
            raise PermissionDenied
        defense = self.get_object(request, str(defense_id))
        if defense is None:
            raise Http404
        change_url = reverse("admin:defesa_defenserequest_change", args=[defense.pk])
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.defense_reject(
                    defense=defense, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.DefenseError as exc:
                self.message_user(request, f"{defense}: {exc}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(defense)s: rejected; the reason goes to the professor.")
                    % {"defense": defense},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        return TemplateResponse(
            request,
            "admin/defesa/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject the defence request"),
                "defense": defense,
                "form": form,
                "opts": self.model._meta,
                "change_url": change_url,
            },
        )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Sent to the professor."),
    )


def _placeholder_help() -> str:
    return format_html(
        "{}<ul>{}</ul>",
        _(
            "A .docx file written in Word or LibreOffice. Placeholders are written "
            "{{ name }} (for lists: {%tr for m in members %} … {%tr endfor %} in a table "
            "row). Names you can use:"
        ),
        format_html_join(
            "",
            "<li><code>{{{{ {} }}}}</code>: {}</li>",
            ((name, description) for name, description in documents.PLACEHOLDERS.items()),
        ),
    )


class DocumentTemplateForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("document"))
    upload = forms.FileField(label=_(".docx file"), required=True)

    class Meta:
        model = DocumentTemplate
        fields = ["kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, v) for k, v in documents.DOCUMENT_KINDS.items()]
        self.fields["upload"].help_text = _placeholder_help()
        if self.instance.pk:
            self.fields["kind"].disabled = True

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload is not None and cleaned.get("kind"):
            content = upload.read()
            try:
                documents.validate_template(content, kind=cleaned["kind"])
            except documents.TemplateInvalid as exc:
                self.add_error("upload", str(exc))
            self.cleaned_content = content
        return cleaned


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = DocumentTemplateForm
    list_display = ["__str__", "kind", "uploaded_by", "updated_at", "download"]
    readonly_fields = ["uploaded_by", "updated_at", "download"]
    fields = ["kind", "upload", "download", "uploaded_by", "updated_at"]

    @admin.display(description=_("current file"))
    def download(self, obj: DocumentTemplate) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:defesa_documenttemplate_file", args=[obj.kind])
        return format_html('<a href="{}">{}</a>', url, f"{obj.kind}.docx")

    def save_model(self, request, obj, form, change):
        template = services.document_template_upload(
            kind=form.cleaned_data["kind"], content=form.cleaned_content, actor=request.user
        )
        obj.pk = template.pk

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "default_templates": [
                (str(label), reverse("admin:defesa_documenttemplate_file", args=[kind]))
                for kind, label in documents.DOCUMENT_KINDS.items()
            ],
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        extra = [
            path(
                "file/<str:kind>/",
                self.admin_site.admin_view(self.file_view),
                name="defesa_documenttemplate_file",
            ),
        ]
        return extra + super().get_urls()

    def file_view(self, request, kind: str):
        """The template in use for a document: the uploaded one, or the shipped default
        (a starting point for the secretariat's own)."""
        if not self.has_view_permission(request) or kind not in documents.DOCUMENT_KINDS:
            raise Http404
        uploaded = DocumentTemplate.objects.filter(kind=kind).first()
        if uploaded is not None:
            return FileResponse(
                uploaded.file.open("rb"), as_attachment=True, filename=f"{kind}.docx"
            )
        response = HttpResponse(
            documents.default_template(kind),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}.docx"'
        return response

"""REST API of the emails app: /api/emails/."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FileUploadParser, FormParser, MultiPartParser
from rest_framework.response import Response

from emails import selectors, services
from emails.models import Attachment, Email
from emails.storage import safe_filename
from pipeline import kinds


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="filename")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]

    def get_url(self, obj: Attachment) -> str:
        path = reverse("email-attachment", kwargs={"pk": obj.email_id, "attachment_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class EmailSerializer(serializers.ModelSerializer):
    mailbox = serializers.SlugRelatedField(slug_field="name", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Email
        fields = [
            "id",
            "mailbox",
            "message_id",
            "subject",
            "from_name",
            "from_address",
            "date",
            "received_at",
            "forwarded",
            "original_from_name",
            "original_from_address",
            "original_subject",
            "auto_generated",
            "kind",
            "kind_confidence",
            "status",
            "error",
            "attachments",
        ]
        read_only_fields = [f for f in fields if f not in ("kind", "kind_confidence")]


class EmailDetailSerializer(EmailSerializer):
    class Meta(EmailSerializer.Meta):
        fields = [
            *EmailSerializer.Meta.fields,
            "in_reply_to",
            "references",
            "to",
            "cc",
            "reply_to",
            "original_date",
            "auto_reason",
            "size",
            "headers_only",
            "duplicate_of",
            "body_text",
        ]
        read_only_fields = [f for f in fields if f not in ("kind", "kind_confidence")]


class KindField(serializers.ChoiceField):
    """A kind of request: one of the codes the apps register (pipeline.kinds), read each
    time a serializer is made, so a kind registered later is accepted too."""

    def __init__(self, **kwargs):
        super().__init__(choices=kinds.kind_choices(), **kwargs)


class EmailKindSerializer(serializers.Serializer):
    kind = KindField()
    kind_confidence = serializers.FloatField(
        required=False, allow_null=True, min_value=0.0, max_value=1.0
    )


class EmailUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The raw message (.eml, RFC 5322).")

    def validate_file(self, value):
        if value.size == 0:
            raise serializers.ValidationError(_("The file is empty."))
        if value.size > settings.MAILFLOW_MAX_MESSAGE_BYTES:
            # The same limit as the collection's; here the sender is told at once.
            raise serializers.ValidationError(str(services.message_too_large_error(value.size)))
        return value


class EmailFilter(filters.FilterSet):
    date_after = filters.IsoDateTimeFilter(field_name="date", lookup_expr="gte")
    date_before = filters.IsoDateTimeFilter(field_name="date", lookup_expr="lt")
    received_after = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    mailbox = filters.CharFilter(field_name="mailbox__name")
    # The model field's choices: read from the registry each time, and listed in the schema.
    kind = filters.ChoiceFilter(choices=Email._meta.get_field("kind").choices)
    status = filters.ChoiceFilter(choices=Email.Status.choices)

    class Meta:
        model = Email
        fields = ["status", "kind", "mailbox", "forwarded", "auto_generated"]


class EmailViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Emails received by the secretariat. POST a raw .eml to store one; PATCH `kind`
    to classify it from another system."""

    filterset_class = EmailFilter
    search_fields = ["subject", "from_address", "from_name", "original_from_address", "body_text"]
    ordering_fields = ["received_at", "date", "id"]
    ordering = ["-received_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Listing and reading need view_email, storing a message add_email, PATCH (the kind)
    # change_email; the downloads are reads, as in the admin.
    action_permissions = {
        # the original message holds every attachment: whoever may download it may
        # download them
        "raw": ["emails.view_email", "emails.view_attachment"],
        "attachment": ["emails.view_email", "emails.view_attachment"],
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.email_list()
        return Email.objects.select_related("mailbox").defer("raw").prefetch_related("attachments")

    def get_serializer_class(self):
        if self.action == "create":
            return EmailUploadSerializer
        if self.action == "partial_update":
            return EmailKindSerializer
        if self.action == "list":
            return EmailSerializer
        return EmailDetailSerializer

    def get_parsers(self):
        if getattr(self, "action", None) == "create" or (
            self.request is not None and self.request.method == "POST"
        ):
            return [MultiPartParser(), FormParser(), RawMessageParser()]
        return super().get_parsers()

    @extend_schema(
        request={
            "multipart/form-data": EmailUploadSerializer,
            "message/rfc822": OpenApiTypes.BINARY,
        },
        responses={201: EmailDetailSerializer, 200: EmailDetailSerializer},
        description="Store a raw message. 201 when stored, 200 when it was already stored.",
    )
    def create(self, request, *args, **kwargs):
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        serializer = EmailUploadSerializer(data={"file": upload})
        serializer.is_valid(raise_exception=True)
        raw = serializer.validated_data["file"].read()
        email, created = services.email_ingest(raw=raw, actor_label=f"api:{request.user}")
        email = self.get_queryset().get(pk=email.pk)
        body = EmailDetailSerializer(email, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=EmailKindSerializer, responses={200: EmailDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        email = self.get_object()
        serializer = EmailKindSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unknown = set(request.data) - {"kind", "kind_confidence"}
        if unknown:
            raise serializers.ValidationError(
                {f: [_("This field cannot be changed through the API.")] for f in sorted(unknown)}
            )
        try:
            services.email_set_kind(
                email=email,
                kind=serializer.validated_data["kind"],
                confidence=serializer.validated_data.get("kind_confidence"),
                actor=request.user,
                note=_("kind set through the API by %(user)s") % {"user": request.user},
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        email = self.get_queryset().get(pk=email.pk)
        return Response(EmailDetailSerializer(email, context={"request": request}).data)

    def update(self, request, *args, **kwargs):
        return Response(
            {"detail": _("Use PATCH with the field kind.")},
            status=status.HTTP_405_METHOD_NOT_ALLOWED,
        )

    @extend_schema(responses={(200, "message/rfc822"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def raw(self, request, pk=None):
        """The original message, byte for byte."""
        email = self.get_object()
        return raw_response(email.pk)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        url_name="attachment",
    )
    def attachment(self, request, pk=None, attachment_id=None):
        """Download one attachment."""
        email = self.get_object()
        try:
            att = selectors.attachment_get(email_id=email.pk, attachment_id=int(attachment_id))
        except Attachment.DoesNotExist:
            return Response({"detail": _("No such attachment.")}, status=404)
        return attachment_response(att)


def attachment_response(att: Attachment) -> FileResponse:
    # Served as a download, never rendered inline: it comes from a stranger.
    return FileResponse(
        att.file.open("rb"),
        as_attachment=True,
        filename=att.filename or safe_filename("", att.content_type),
        content_type="application/octet-stream",
    )


def raw_response(email_id: int) -> HttpResponse:
    response = HttpResponse(selectors.email_raw(email_id=email_id), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{email_id}.eml"'
    return response


class RawMessageParser(FileUploadParser):
    """POST /api/emails/ with Content-Type message/rfc822 and the raw message as body."""

    media_type = "message/rfc822"

    def get_filename(self, stream, media_type, parser_context):
        return "upload.eml"


def register(router) -> None:
    router.register("emails", EmailViewSet, basename="email")

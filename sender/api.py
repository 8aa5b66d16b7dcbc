"""REST API of the outbox: /api/outbox/."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sender import selectors, services
from sender.models import OutboundAttachment, OutboundMessage


class OutboundAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="filename")

    class Meta:
        model = OutboundAttachment
        fields = ["name", "content_type", "size"]


class OutboundMessageSerializer(serializers.ModelSerializer):
    attachments = OutboundAttachmentSerializer(many=True, read_only=True)
    case_email = serializers.PrimaryKeyRelatedField(source="email", read_only=True)

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "case_email",
            "purpose",
            "automatic",
            "status",
            "held_reason",
            "from_email",
            "to",
            "cc",
            "reply_to",
            "subject",
            "message_id",
            "in_reply_to",
            "attempts",
            "next_attempt_at",
            "last_error",
            "smtp_reply",
            "sent_at",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields


class OutboundMessageDetailSerializer(OutboundMessageSerializer):
    body_text = serializers.SerializerMethodField(help_text="Secrets appear masked.")

    class Meta(OutboundMessageSerializer.Meta):
        fields = [*OutboundMessageSerializer.Meta.fields, "references", "body_text"]
        read_only_fields = fields

    def get_body_text(self, obj: OutboundMessage) -> str:
        return services.masked(obj.body_text)


class OutboundFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OutboundMessage.Status.choices)
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = OutboundMessage
        fields = ["status", "purpose", "automatic", "email"]


class OutboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Messages mailflow sends. Drafts wait for approval; failed ones can be retried."""

    filterset_class = OutboundFilter
    search_fields = ["to", "subject"]
    ordering_fields = ["created_at", "sent_at", "id"]
    ordering = ["-created_at", "-id"]
    # As the admin's actions: approving and retrying change the message.
    action_permissions = {
        "approve": ["sender.change_outboundmessage"],
        "retry": ["sender.change_outboundmessage"],
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.outbound_list()
        return OutboundMessage.objects.select_related("email").prefetch_related("attachments")

    def get_serializer_class(self):
        if self.action == "list":
            return OutboundMessageSerializer
        return OutboundMessageDetailSerializer

    def _act(self, request, operation):
        message = self.get_object()
        try:
            operation(message)
        except services.TransitionNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        message = self.get_queryset().get(pk=message.pk)
        return Response(OutboundMessageDetailSerializer(message).data)

    @extend_schema(request=None, responses={200: OutboundMessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a draft: it is queued for sending (409 unless it is a draft)."""
        return self._act(
            request, lambda m: services.outbound_approve(message=m, actor=request.user)
        )

    @extend_schema(request=None, responses={200: OutboundMessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue a failed message again (409 unless it failed)."""
        return self._act(request, lambda m: services.outbound_retry(message=m, actor=request.user))


def register(router) -> None:
    router.register("outbox", OutboxViewSet, basename="outbox")

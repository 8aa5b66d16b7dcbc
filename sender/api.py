"""REST API of the outbox: /api/outbox/."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sender import selectors, services
from sender.models import OutboundAttachment, OutboundMessage, OutboundStatusChange


class _RequiredBoolean(serializers.BooleanField):
    # DRF reads a boolean missing from a form as false (an unticked checkbox): here a
    # missing answer is an error, never "send it again"
    default_empty_html = serializers.empty


class ResolveSerializer(serializers.Serializer):
    arrived = _RequiredBoolean(
        help_text="true: it did reach its recipients (mark as sent); false: send it again."
    )


class DiscardSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=services.DISCARD_REASON_MAX
    )


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


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(
        help_text="The user's login, or what acted without one (a worker, loop protection)."
    )

    class Meta:
        model = OutboundStatusChange
        fields = ["at", "from_status", "to_status", "actor", "note"]
        read_only_fields = fields

    def get_actor(self, obj: OutboundStatusChange) -> str:
        return obj.actor.get_username() if obj.actor_id else obj.actor_label


class OutboundMessageDetailSerializer(OutboundMessageSerializer):
    body_text = serializers.SerializerMethodField(help_text="Secrets appear masked.")
    history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(OutboundMessageSerializer.Meta):
        fields = [*OutboundMessageSerializer.Meta.fields, "references", "body_text", "history"]
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
        "resolve": ["sender.change_outboundmessage"],
        "discard": ["sender.change_outboundmessage"],
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.outbound_list()
        return OutboundMessage.objects.select_related("email").prefetch_related(
            "attachments", "status_changes__actor"
        )

    def get_serializer_class(self):
        if self.action == "list":
            return OutboundMessageSerializer
        return OutboundMessageDetailSerializer

    def _detail(self, message_id: int) -> Response:
        message = self.get_queryset().get(pk=message_id)
        return Response(OutboundMessageDetailSerializer(message).data)

    @extend_schema(request=None, responses={200: OutboundMessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a draft: it is queued for sending (409 unless it is a draft)."""
        message = self.get_object()
        services.outbound_approve(message=message, actor=request.user)
        return self._detail(message.pk)

    @extend_schema(request=None, responses={200: OutboundMessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue a failed message again (409 unless it failed)."""
        message = self.get_object()
        services.outbound_retry(message=message, actor=request.user)
        return self._detail(message.pk)

    @extend_schema(request=ResolveSerializer, responses={200: OutboundMessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Decide an uncertain message (409 unless it is uncertain): `arrived` true marks
        it sent; false sends it again (it may then reach its recipient twice)."""
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = self.get_object()
        services.outbound_resolve_uncertain(
            message=message, actor=request.user, was_sent=body.validated_data["arrived"]
        )
        return self._detail(message.pk)

    @extend_schema(request=DiscardSerializer, responses={200: OutboundMessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        """Discard a draft, queued, failed or uncertain message: it will not be sent, its
        secrets are erased, and the optional `reason` goes into its history (409 for a
        message being sent, already sent or already discarded)."""
        body = DiscardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = self.get_object()
        services.outbound_discard(
            message=message, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return self._detail(message.pk)


def register(router) -> None:
    router.register("outbox", OutboxViewSet, basename="outbox")

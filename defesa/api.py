"""REST API of defences: /api/defenses/."""

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from defesa import selectors, services
from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL
from defesa.models import DefenseRequest, GeneratedDocument
from mailflow.api import ChecksField, ProvenanceField
from mailflow.permissions import require


class ExternalMemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    institution = serializers.CharField(max_length=200, allow_blank=True, default="")


class DocumentSerializer(serializers.Serializer):
    name = serializers.CharField(source="filename")
    url = serializers.SerializerMethodField()

    def get_url(self, obj: GeneratedDocument) -> str:
        url = reverse("defense-document", args=[obj.defense_id, obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


def _members(obj: DefenseRequest, role: str):
    return [m for m in obj.members.all() if m.role == role]  # prefetched


class DefenseSerializer(serializers.ModelSerializer):
    time = serializers.TimeField(format="%H:%M", allow_null=True, required=False)
    advisor = serializers.SerializerMethodField()
    coadvisor = serializers.SerializerMethodField()
    internal_members = serializers.SerializerMethodField()
    external_members = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    provenance = ProvenanceField(
        help_text='Where each value was read: "student", "title", "date", "time", "room", '
        '"link", and "member:<i>" for the i-th committee member (advisor first).'
    )
    checks = ChecksField(
        help_text="The values a person must check before approving (automatic approval "
        "waits for none to be left)."
    )

    class Meta:
        model = DefenseRequest
        fields = [
            "id",
            "email",
            "part",
            "status",
            "student",
            "title",
            "date",
            "time",
            "room",
            "link",
            "advisor",
            "coadvisor",
            "internal_members",
            "external_members",
            "missing_fields",
            "provenance",
            "checks",
            "documents",
        ]
        read_only_fields = fields

    def get_advisor(self, obj: DefenseRequest) -> str | None:
        found = _members(obj, ADVISOR)
        return found[0].name if found else None

    def get_coadvisor(self, obj: DefenseRequest) -> str | None:
        found = _members(obj, COADVISOR)
        return found[0].name if found else None

    def get_internal_members(self, obj: DefenseRequest) -> list[str]:
        return [m.name for m in _members(obj, INTERNAL)]

    @extend_schema(responses=ExternalMemberSerializer(many=True))
    def get_external_members(self, obj: DefenseRequest) -> list[dict]:
        return [{"name": m.name, "institution": m.institution} for m in _members(obj, EXTERNAL)]


class DefenseUpdateSerializer(serializers.Serializer):
    """The fields a PATCH may change; members are replaced role by role."""

    student = serializers.CharField(max_length=200, allow_blank=True, required=False)
    title = serializers.CharField(allow_blank=True, required=False)
    date = serializers.DateField(allow_null=True, required=False)
    time = serializers.TimeField(
        allow_null=True, required=False, input_formats=["%H:%M", "iso-8601"]
    )
    room = serializers.CharField(max_length=100, allow_blank=True, required=False)
    link = serializers.URLField(max_length=500, allow_blank=True, required=False)
    advisor = serializers.CharField(max_length=250, allow_blank=True, required=False)
    coadvisor = serializers.CharField(
        max_length=250, allow_blank=True, allow_null=True, required=False
    )
    internal_members = serializers.ListField(
        child=serializers.CharField(max_length=250), required=False
    )
    external_members = ExternalMemberSerializer(many=True, required=False)


MEMBER_FIELDS = {"advisor", "coadvisor", "internal_members", "external_members"}
# Members are replaced role by role: some rows are changed, some added, some removed.
MEMBER_PERMISSIONS = [
    "defesa.add_committeemember",
    "defesa.change_committeemember",
    "defesa.delete_committeemember",
]


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Sent to the professor.")


class DefenseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Defence requests: the extracted data, the committee and the generated documents."""

    serializer_class = DefenseSerializer
    queryset = selectors.defense_list().order_by("-created_at", "-id")
    filterset_fields = ["status", "date"]
    search_fields = ["student", "title", "members__name"]
    # PATCH needs change_defenserequest (and, when it replaces members, what the admin's
    # committee inline needs); approving and rejecting need review, as in the admin.
    action_permissions = {
        "approve": ["defesa.review_defenserequest"],
        "reject": ["defesa.review_defenserequest"],
        "document": ["defesa.view_defenserequest", "defesa.view_generateddocument"],
    }

    def get_queryset(self):
        if self.action in ("partial_update", "approve", "reject"):
            # The services replace members and regenerate documents: a prefetched list
            # would be stale (approving after a PATCH read documents that were deleted).
            return DefenseRequest.objects.all()
        return super().get_queryset()

    def _detail(self, defense_id: int) -> Response:
        return Response(self.get_serializer(selectors.defense_get(defense_id=defense_id)).data)

    @extend_schema(request=DefenseUpdateSerializer, responses=DefenseSerializer)
    def partial_update(self, request, pk=None):
        defense = self.get_object()
        body = DefenseUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        unknown = set(request.data) - set(DefenseUpdateSerializer().fields)
        if unknown:
            return Response(
                {
                    "detail": _("These fields cannot be changed: %(names)s")
                    % {"names": ", ".join(sorted(unknown))}
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if MEMBER_FIELDS & set(body.validated_data):
            require(request, *MEMBER_PERMISSIONS)
        services.defense_update(
            defense=defense, changes=dict(body.validated_data), actor=request.user
        )
        return self._detail(defense.pk)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        defense = self.get_object()
        services.defense_approve(defense=defense, actor=request.user)
        return self._detail(defense.pk)

    @extend_schema(request=RejectSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        defense = self.get_object()
        services.defense_reject(
            defense=defense, actor=request.user, reason=body.validated_data["reason"]
        )
        return self._detail(defense.pk)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_id>\d+)",
        url_name="document",
    )
    def document(self, request, pk=None, document_id=None):
        defense = self.get_object()
        try:
            document = selectors.document_get(defense_id=defense.pk, document_id=int(document_id))
        except GeneratedDocument.DoesNotExist:
            return Response({"detail": _("No such document.")}, status=status.HTTP_404_NOT_FOUND)
        return FileResponse(
            document.file.open("rb"), as_attachment=True, filename=document.filename
        )


def register(router) -> None:
    router.register("defenses", DefenseViewSet, basename="defense")

"""REST API of lab access: /api/access-requests/ and /api/lab-hosts/."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from acesso import services
from acesso.models import AccessRequest, LabHost, Provisioning


class LabHostSerializer(serializers.ModelSerializer):
    host_key_fingerprint = serializers.CharField(read_only=True)

    class Meta:
        model = LabHost
        fields = [
            "id",
            "name",
            "address",
            "port",
            "active",
            "dry_run",
            "host_key_fingerprint",
            "last_contact",
            "last_error",
        ]
        read_only_fields = fields


class HostResultSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="host.name")

    class Meta:
        model = Provisioning
        fields = ["host", "status", "error", "attempt"]


class AccessRequestSerializer(serializers.ModelSerializer):
    student = serializers.CharField(source="student_name")
    hosts = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "email",
            "status",
            "student",
            "student_email",
            "login",
            "hosts",
            "decided_at",
            "denial_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_hosts(self, obj: AccessRequest) -> list[dict]:
        latest: dict[int, Provisioning] = {}
        for row in obj.provisionings.all():  # prefetched, newest attempt first per host
            if row.host_id not in latest or row.attempt > latest[row.host_id].attempt:
                latest[row.host_id] = row
        return HostResultSerializer(
            sorted(latest.values(), key=lambda r: r.host.name), many=True
        ).data


class DenySerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Sent to the student.")


class AccessRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Lab access requests with the result on each lab computer."""

    serializer_class = AccessRequestSerializer
    queryset = AccessRequest.objects.prefetch_related("provisionings__host").order_by(
        "-created_at", "-id"
    )
    filterset_fields = ["status", "login"]
    search_fields = ["student_name", "student_email", "login"]
    # As the admin's actions: the decision is the coordinator's (decide); retrying the
    # computers that failed changes the request.
    action_permissions = {
        "approve": ["acesso.decide_accessrequest"],
        "deny": ["acesso.decide_accessrequest"],
        "retry": ["acesso.change_accessrequest"],
    }

    def _act(self, operation):
        access = self.get_object()
        try:
            operation(access)
        except (services.AccessError, ValueError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(self.get_queryset().get(pk=access.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(lambda a: services.access_approve(request=a, actor=request.user))

    @extend_schema(request=DenySerializer)
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        body = DenySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(
            lambda a: services.access_deny(
                request=a, actor=request.user, reason=body.validated_data["reason"]
            )
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._act(lambda a: services.access_retry(request=a, actor=request.user))


class LabHostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LabHostSerializer
    queryset = LabHost.objects.order_by("name")
    filterset_fields = ["active", "dry_run"]
    search_fields = ["name", "address"]


def register(router) -> None:
    router.register("access-requests", AccessRequestViewSet, basename="access-request")
    router.register("lab-hosts", LabHostViewSet, basename="lab-host")

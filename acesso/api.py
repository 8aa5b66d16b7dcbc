"""REST API of lab access: /api/access-requests/ and /api/lab-hosts/."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from acesso import services
from acesso.models import AccessRequest, LabAccount, LabAccountCheck, LabHost, Provisioning
from mailflow.api import ChecksField, ProvenanceField


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


class AccountCheckSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="host.name")

    class Meta:
        model = LabAccountCheck
        fields = ["host", "login", "result", "uid", "full_name", "error", "checked_at"]


class AccessRequestSerializer(serializers.ModelSerializer):
    student = serializers.CharField(source="student_name")
    hosts = serializers.SerializerMethodField()
    existing_accounts = AccountCheckSerializer(source="account_checks", many=True)
    approved_student = serializers.CharField(source="approved_student_name")
    provenance = ProvenanceField(
        help_text='Where each value was read: "student_name", "student_email", '
        '"requester_name", "requester_email".'
    )
    checks = ChecksField(
        help_text="The values a person must check before authorising (automatic approval "
        "waits for none to be left)."
    )

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "email",
            "status",
            "student",
            "student_email",
            "requester_name",
            "requester_email",
            "provenance",
            "checks",
            "login",
            "hosts",
            "existing_accounts",
            "approved_student",
            "approved_student_email",
            "approved_login",
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


class IdentityUpdateSerializer(serializers.Serializer):
    student = serializers.CharField(source="student_name", max_length=200, required=False)
    student_email = serializers.EmailField(max_length=320, required=False)
    login = serializers.CharField(max_length=32, required=False)


class AdoptSerializer(serializers.Serializer):
    host = serializers.IntegerField(help_text="The lab computer's id.")


class AccessRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Lab access requests with the result on each lab computer."""

    serializer_class = AccessRequestSerializer
    queryset = AccessRequest.objects.prefetch_related(
        "provisionings__host", "account_checks__host"
    ).order_by("-created_at", "-id")
    filterset_fields = ["status", "login"]
    search_fields = ["student_name", "student_email", "login"]
    # As the admin's actions: the decision is the coordinator's (decide); retrying the
    # computers that failed changes the request.
    action_permissions = {
        "approve": ["acesso.decide_accessrequest"],
        "deny": ["acesso.decide_accessrequest"],
        "retry": ["acesso.change_accessrequest"],
        "check_accounts": ["acesso.change_accessrequest"],
        # and the service allows only a superuser
        "adopt": ["acesso.change_accessrequest", "acesso.decide_accessrequest"],
    }

    def _detail(self, access_id: int) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=access_id)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        access = self.get_object()
        services.access_approve(request=access, actor=request.user)
        return self._detail(access.pk)

    @extend_schema(request=DenySerializer)
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        body = DenySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        access = self.get_object()
        services.access_deny(
            request=access, actor=request.user, reason=body.validated_data["reason"]
        )
        return self._detail(access.pk)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        access = self.get_object()
        services.access_retry(request=access, actor=request.user)
        return self._detail(access.pk)

    @extend_schema(request=IdentityUpdateSerializer, responses=AccessRequestSerializer)
    def partial_update(self, request, pk=None):
        """Correct the student's name, address or login. After the coordinator's decision
        only a user with acesso.decide_accessrequest may (403 otherwise)."""
        access = self.get_object()
        unknown = set(request.data) - set(IdentityUpdateSerializer().fields)
        if unknown:
            return Response(
                {
                    "detail": _("These fields cannot be changed: %(names)s")
                    % {"names": ", ".join(sorted(unknown))}
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        body = IdentityUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            services.access_identity_update(
                request=access, changes=dict(body.validated_data), actor=request.user
            )
        except services.AccessPermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except services.AccessError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(self.get_queryset().get(pk=access.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="check-accounts")
    def check_accounts(self, request, pk=None):
        """Ask every active lab computer whether it already has the request's login."""
        access = self.get_object()
        services.access_check_accounts(request=access)
        return self._detail(access.pk)

    @extend_schema(request=AdoptSerializer)
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        """Take over the existing account on one lab computer (superusers only)."""
        body = AdoptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        host = LabHost.objects.filter(pk=body.validated_data["host"]).first()
        if host is None:
            return Response({"detail": _("No such lab computer.")}, status=404)
        access = self.get_object()
        services.access_adopt_account(request=access, host=host, actor=request.user)
        return self._detail(access.pk)


class LabHostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LabHostSerializer
    queryset = LabHost.objects.order_by("name")
    filterset_fields = ["active", "dry_run"]
    search_fields = ["name", "address"]


class LabAccountSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="host.name")

    class Meta:
        model = LabAccount
        fields = ["id", "host", "login", "uid", "comment", "request", "adopted_by", "created_at"]
        read_only_fields = fields


class LabAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The accounts mailflow created (or took over) on the lab computers."""

    serializer_class = LabAccountSerializer
    queryset = LabAccount.objects.select_related("host").order_by("host__name", "login")
    filterset_fields = ["login", "host"]
    search_fields = ["login"]


def register(router) -> None:
    router.register("access-requests", AccessRequestViewSet, basename="access-request")
    router.register("lab-hosts", LabHostViewSet, basename="lab-host")
    router.register("lab-accounts", LabAccountViewSet, basename="lab-account")

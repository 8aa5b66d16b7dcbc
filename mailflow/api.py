"""Shared pieces of the REST API; each app's api.py registers its views here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, views
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mailflow import reading
from mailflow.errors import DomainError


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


router = DefaultRouter()


def exception_handler(exc, context):
    """DRF's handler, and a refusal of the domain (DomainError) answered with its status
    code (409 unless the error says otherwise) and {"detail": the reason}."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc)}, status=exc.status_code)
    return views.exception_handler(exc, context)


class ValueSourceSerializer(serializers.Serializer):
    """Where one value was read in the email (a request's provenance entry)."""

    start = serializers.IntegerField(
        allow_null=True,
        help_text="Where the value starts in the email's body_text (null: not in the text).",
    )
    end = serializers.IntegerField(allow_null=True, help_text="Where it ends (exclusive).")
    rule = serializers.CharField(help_text="Code of the rule that read the value.")
    rule_label = serializers.SerializerMethodField(help_text="The rule, as staff read it.")
    check = serializers.CharField(
        help_text="Why a person should look at the value when it was read (code), or empty; "
        "checks says what is still to check."
    )
    check_label = serializers.SerializerMethodField(help_text="That reason, as staff read it.")
    email = serializers.IntegerField(
        required=False,
        help_text="A later email of the case whose body_text start/end index (an answer).",
    )

    def to_representation(self, instance: dict) -> dict:
        return super().to_representation(
            {"start": None, "end": None, "rule": "", "check": "", **instance}
        )

    def get_rule_label(self, entry: dict) -> str:
        return reading.rule_label(entry["rule"]) if entry.get("rule") else ""

    def get_check_label(self, entry: dict) -> str:
        return reading.check_label(entry["check"]) if entry.get("check") else ""


class ValueCheckSerializer(serializers.Serializer):
    """A value a person must look at before the request goes on."""

    check = serializers.CharField(help_text="Why (code).")
    check_label = serializers.CharField(help_text="Why, as staff read it.")


@extend_schema_field(serializers.DictField(child=ValueSourceSerializer()))
class ProvenanceField(serializers.Field):
    """{value: where it was read}; values are "student", "member:<i>", "student_email"..."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> dict:
        return {
            str(key): ValueSourceSerializer(entry).data
            for key, entry in (value or {}).items()
            if isinstance(entry, dict)
        }


@extend_schema_field(serializers.DictField(child=ValueCheckSerializer()))
class ChecksField(serializers.Field):
    """{value: why a person must look at it}; empty when nothing is left to check."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> dict:
        return {
            str(key): {"check": str(code), "check_label": reading.check_label(str(code))}
            for key, code in (value or {}).items()
        }

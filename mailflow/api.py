"""Shared pieces of the REST API; each app's api.py registers its views here."""

from rest_framework import views
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

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

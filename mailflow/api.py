"""Shared pieces of the REST API; each app's api.py registers its views here."""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.routers import DefaultRouter


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


router = DefaultRouter()

"""Entry points of the lab access workflow for the pipeline's steps (pipeline/steps.py)
and django-q2: each takes an id, loads the row and calls the services."""

from __future__ import annotations

from acesso import services
from acesso.models import AccessRequest


def open_request(email_id: int) -> AccessRequest | None:
    """The intake step: open the request, then go as far as the policy allows."""
    request = services.access_request_open(email_id)
    if request is not None:
        services.access_advance(request=request)
    return request


def advance(request_id: int) -> AccessRequest | None:
    """Approve by policy, or resume a request a dead worker left half-way."""
    request = AccessRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    return services.access_advance(request=request)

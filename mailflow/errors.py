"""The errors a service raises when the domain refuses a request, shared by every app.

The message is for the user, in their language (pt-BR): the admin shows it, and the API
answers it as {"detail": message} with the error's `status_code` (mailflow.api's
exception handler). Anything else that escapes a view is a bug, not a refusal."""


class DomainError(Exception):
    """A request the domain cannot honour now; the message says why (409 in the API)."""

    status_code = 409


class TransitionRefused(DomainError):
    """The current status does not allow the requested change."""

"""Reads of the categorizer: the emails it has due, its training corrections, its versions."""

from __future__ import annotations

from django.db.models import QuerySet

from categorizer.models import ClassifierModel, TrainingExample
from categorizer.text import document
from emails.selectors import unclassified_emails


def classify_due() -> list[int]:
    """Received emails with no kind yet, oldest first."""
    return list(unclassified_emails().order_by("id").values_list("id", flat=True)[:1000])


def correction_examples() -> list[tuple[str, str]]:
    """What the staff taught it, as (document, label) pairs."""
    rows = TrainingExample.objects.values_list(
        "subject",
        "body",
        "original_subject",
        "forwarded",
        "label",
        "email__in_reply_to",
        "email__references",
    )
    return [
        (document(subject, body, original, forwarded, in_thread=bool(reply_to or refs)), label)
        for subject, body, original, forwarded, label, reply_to, refs in rows
    ]


def model_list() -> QuerySet[ClassifierModel]:
    """The classifier's versions, newest first, without their pickled pipelines."""
    return ClassifierModel.objects.defer("pipeline").order_by("-version")

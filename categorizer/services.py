"""Writes of the categorizer: training and activating models, classifying and routing
emails, learning from the secretariat's corrections."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from categorizer import selectors
from categorizer.models import ClassifierModel, TrainingExample
from categorizer.text import document, passages
from emails import services as email_services
from emails.forwards import find_forward
from emails.models import Email
from emails.selectors import unclassified_emails
from mailflow.audit import status_note, status_transition
from mailflow.errors import DomainError
from pipeline import kinds, steps

if TYPE_CHECKING:
    from categorizer.classifier import Trained

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
STATUS = Email.Status


class CategorizerError(DomainError):
    pass


def _classifier():
    """scikit-learn is imported on first use: web and worker processes that never classify
    do not pay its memory (about 90 MB) nor its start-up time."""
    from categorizer import classifier

    return classifier


# --- training --------------------------------------------------------------------------


def example_document(subject: str, body: str) -> str:
    """The document of a shipped example, read as intake reads a message: a forward block
    in the text makes it a forward with the original subject; a "Re:" subject makes it a
    reply (the examples have no headers, so the subject is all that tells)."""
    forward = find_forward(body, subject)
    return document(subject, body, forward.subject if forward else "", forward is not None)


def shipped_examples() -> list[tuple[str, str]]:
    """(document, label) for every example shipped in categorizer/data/*.jsonl."""
    out = []
    known = set(kinds.kind_codes())
    for path in sorted(DATA_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                if row.get("label") not in known:
                    raise CategorizerError(f"{path.name}:{number}: unknown label")
                out.append(
                    (example_document(row.get("subject", ""), row.get("body", "")), row["label"])
                )
    if not out:
        raise CategorizerError(f"no training data in {DATA_DIR}")
    return out


# The same data trains the same model: reuse it within a process (tests, a retrain that
# found no new correction).
_trained: dict[str, Trained] = {}


def _train(docs: list[str], labels: list[str]) -> Trained:
    key = hashlib.sha256(json.dumps([docs, labels]).encode()).hexdigest()
    if key not in _trained:
        _trained.clear()
        _trained[key] = _classifier().train(docs, labels)
    return _trained[key]


@dataclass
class TrainResult:
    model: ClassifierModel
    activated: bool
    previous: ClassifierModel | None
    reason: str


def model_train(*, force: bool = False, note: str = "") -> TrainResult:
    """Train on the shipped data plus every staff correction. The new model becomes active
    only if its held-out macro-F1 is not worse than the active one's (or with force)."""
    shipped = shipped_examples()
    corrections = selectors.correction_examples()
    pairs = shipped + corrections
    trained = _train([d for d, _l in pairs], [label for _d, label in pairs])
    with transaction.atomic():
        previous = ClassifierModel.objects.select_for_update().filter(active=True).first()
        version = (ClassifierModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        model = ClassifierModel.objects.create(
            version=version,
            examples=len(pairs),
            corrections=len(corrections),
            holdout_macro_f1=trained.holdout_macro_f1,
            cv_macro_f1=trained.metrics["cv_macro_f1_mean"],
            metrics=trained.metrics,
            training_seconds=round(trained.seconds, 2),
            pipeline=_classifier().dumps(trained.pipeline),
            note=note,
        )
        if previous is None:
            activate, reason = True, _("first model")
        elif force:
            activate, reason = True, _("activated by force")
        elif trained.holdout_macro_f1 >= previous.holdout_macro_f1:
            activate, reason = True, _("not worse than v%(v)d") % {"v": previous.version}
        else:
            activate, reason = (
                False,
                _("held-out macro-F1 %(new).3f is worse than v%(v)d's %(old).3f")
                % {
                    "new": trained.holdout_macro_f1,
                    "v": previous.version,
                    "old": previous.holdout_macro_f1,
                },
            )
        if activate:
            model_activate(model=model)
    return TrainResult(model, activate, previous, reason)


@transaction.atomic
def model_activate(*, model: ClassifierModel) -> ClassifierModel:
    ClassifierModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
    ClassifierModel.objects.filter(pk=model.pk).update(active=True)
    model.active = True
    return model


def active_pipeline():
    """The active model's pipeline (loaded once per process, reloaded when another version
    becomes active); the first call ever trains one."""
    row = ClassifierModel.objects.filter(active=True).values_list("pk", "version").first()
    if row is None:
        model_train(note=_("trained on first use"))
        row = ClassifierModel.objects.filter(active=True).values_list("pk", "version").get()
    pk, version = row
    return _classifier().active_cache.get(
        version,
        lambda: bytes(ClassifierModel.objects.values_list("pipeline", flat=True).get(pk=pk)),
    )


# --- classifying and routing -----------------------------------------------------------


def _email_read(email: Email) -> tuple[str, str, str, bool, bool]:
    in_thread = bool(email.in_reply_to or email.references)
    return (email.subject, email.body_text, email.original_subject, email.forwarded, in_thread)


def email_document(email: Email) -> str:
    return document(*_email_read(email))


def email_passages(email: Email) -> list[str]:
    return passages(*_email_read(email))


def email_route(
    *,
    email: Email,
    kind: str,
    confidence: float | None,
    scores: dict[str, float] | None = None,
    actor=None,
    note: str = "",
) -> Email:
    """Set the kind and move the email where it belongs: below the threshold it waits for
    a person (needs_review); "outro" is kept and shown, never answered (ignored); defesa
    and acesso stay "received" for their workflow to pick up."""
    email_services.email_set_kind(
        email=email, kind=kind, confidence=confidence, scores=scores, actor=actor, note=note
    )
    return _move(email, kind, confidence, actor)


# Below the threshold, from this confidence on, the best guess's own workflow may vouch for it.
SECOND_OPINION_FROM = 0.5


def _move(email: Email, kind: str, confidence: float | None, actor) -> Email:
    threshold = settings.MAILFLOW_CLASSIFIER_THRESHOLD
    guesses = ", ".join(f"{kinds.kind_label(k)} {v:.0%}" for k, v in _top(email.kind_scores))
    unsure = actor is None and confidence is not None and confidence < threshold
    vouched = unsure and confidence >= SECOND_OPINION_FROM and kinds.kind_recognises(kind, email)
    # the model is sure, but the workflow's reader finds a look-alike ("para conhecimento
    # e divulgação"): a person decides (only the model's routing, never a case's reply)
    doubt = (
        kinds.kind_doubts(kind, email)
        if actor is None and not unsure and email.kind_scores and kind != kinds.OTHER
        else ""
    )
    if doubt:
        target = STATUS.NEEDS_REVIEW
        note = _("%(kind)s (%(guesses)s), but its workflow doubts it: %(reason)s") % {
            "kind": kinds.kind_label(kind),
            "guesses": guesses,
            "reason": doubt,
        }
    elif vouched:
        # not sure, but the workflow's own reader finds its request whole in the email
        target = STATUS.RECEIVED
        note = _("not sure (%(guesses)s), but its workflow reads a whole request: %(kind)s") % {
            "guesses": guesses,
            "kind": kinds.kind_label(kind),
        }
    elif unsure:
        target = STATUS.NEEDS_REVIEW
        note = _("not sure (%(guesses)s): a person decides") % {"guesses": guesses}
    elif kind == kinds.OTHER:
        target, note = STATUS.IGNORED, _("not a request (outro)")
    else:
        target = STATUS.RECEIVED
        note = _("routed to the %(kind)s workflow") % {"kind": kinds.kind_label(kind)}
    if email.status != target and email.status in (
        STATUS.RECEIVED,
        STATUS.NEEDS_REVIEW,
        STATUS.IGNORED,
    ):
        status_transition(
            obj=email,
            status=target,
            **email_services.EMAIL_TRANSITIONS,
            actor=actor,
            actor_label="categorizer",
            note=note,
        )
    elif vouched:  # already received: the reason is still worth a line in its history
        status_note(obj=email, actor_label="categorizer", note=note)
    if target == STATUS.RECEIVED and email.status == STATUS.RECEIVED:
        # The kind's workflow picks it up now (its own steps check what is due).
        steps.enqueue_after_routing([email.pk])
    return email


def _top(scores: dict[str, float] | None, n: int = 2) -> list[tuple[str, float]]:
    return sorted((scores or {}).items(), key=lambda kv: kv[1], reverse=True)[:n]


def emails_classify(email_ids: list[int]) -> int:
    """Classify a batch: rules first, then one model call for the rest."""
    emails = list(unclassified_emails().filter(pk__in=email_ids).select_related("case"))
    to_model = []
    for email in emails:
        if email.auto_generated:
            # Automatic mail never goes through the model and is never answered.
            email_services.email_set_kind(
                email=email,
                kind=kinds.OTHER,
                confidence=1.0,
                note=_("automatic mail (%(reason)s)") % {"reason": email.auto_reason},
            )
            _move(email, kinds.OTHER, 1.0, None)
        elif email.case_id is not None and email.case.kind:
            # A reply in an existing case belongs to that case's kind.
            email_route(
                email=email,
                kind=email.case.kind,
                confidence=1.0,
                note=_("reply in the case of email %(id)d") % {"id": email.case_id},
            )
        else:
            to_model.append(email)
    if to_model:
        pipeline = active_pipeline()
        predictions = _classifier().predict(
            pipeline,
            [email_document(e) for e in to_model],
            [email_passages(e) for e in to_model],
        )
        for email, prediction in zip(to_model, predictions, strict=True):
            with transaction.atomic():
                email_route(
                    email=email,
                    kind=prediction.kind,
                    confidence=prediction.confidence,
                    scores=prediction.scores,
                )
    return len(emails)


def email_classify(email_id: int) -> int:
    return emails_classify([email_id])


# --- learning from people --------------------------------------------------------------


def learn_from_person(*, email: Email, actor, previous: str | None) -> None:
    """Kind hook: a person set the kind (admin or API). It becomes a training example
    (one per email, the latest word wins) and the email is routed accordingly."""
    TrainingExample.objects.update_or_create(
        email=email,
        defaults={
            "subject": email.subject,
            "body": (email.body_text or "")[:5000],
            "original_subject": email.original_subject,
            "forwarded": email.forwarded,
            "label": email.kind,
            "is_correction": True,
            "predicted": previous or "",
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    _move(email, email.kind, email.kind_confidence, actor)

"""The classifier: a scikit-learn pipeline, its training and evaluation, and the cache of
the active model. The one place that knows scikit-learn."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from categorizer.text import normalise, normalise_start
from pipeline.kinds import OTHER, kind_codes

SEED = 20251015
# A passage of an email read as "outro" decides its kind only when the model is this sure
# of it (chosen on the shipped data by 5-fold cross-validation: every email it changed was
# a request in the middle of a long email, none was changed wrongly; see predict).
PASSAGE_CONFIDENCE = 0.9


def build_pipeline() -> Pipeline:
    words = TfidfVectorizer(
        preprocessor=normalise, ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.9
    )
    chars = TfidfVectorizer(
        preprocessor=normalise_start,
        analyzer="char_wb",
        ngram_range=(3, 4),
        sublinear_tf=True,
        min_df=2,
        max_features=60_000,
    )
    # One calibrated model (probabilities learnt from cross-validated scores), not an
    # ensemble of five: the same quality here, five times less work per email.
    model = CalibratedClassifierCV(
        LinearSVC(C=0.5, class_weight="balanced", random_state=SEED),
        method="sigmoid",
        cv=5,
        ensemble=False,
    )
    return Pipeline(
        [("features", FeatureUnion([("words", words), ("chars", chars)])), ("model", model)]
    )


def is_held_out(doc: str) -> bool:
    """A stable 20% split: the same example is always on the same side, so models trained
    at different times are compared on the same held-out examples."""
    return hashlib.sha256(doc.encode()).digest()[0] < 52  # 52/256 ≈ 20%


@dataclass
class Trained:
    pipeline: Pipeline
    metrics: dict
    holdout_macro_f1: float
    seconds: float


def train(docs: Sequence[str], labels: Sequence[str]) -> Trained:
    """Evaluate on the held-out split and by 5-fold cross-validation, then fit on all."""
    started = time.perf_counter()
    docs, labels = list(docs), list(labels)
    # Every kind the apps register must have examples, or the model could never say it.
    kinds = kind_codes()
    missing = set(kinds) - set(labels)
    if missing:
        raise ValueError(f"no training example for: {', '.join(sorted(missing))}")
    held = [is_held_out(d) for d in docs]
    train_x = [d for d, h in zip(docs, held, strict=True) if not h]
    train_y = [y for y, h in zip(labels, held, strict=True) if not h]
    test_x = [d for d, h in zip(docs, held, strict=True) if h]
    test_y = [y for y, h in zip(labels, held, strict=True) if h]
    evaluated = build_pipeline().fit(train_x, train_y)
    predicted = evaluated.predict(test_x)
    precision, recall, f1, support = precision_recall_fscore_support(
        test_y, predicted, labels=kinds, zero_division=0
    )
    holdout_f1 = float(f1_score(test_y, predicted, labels=kinds, average="macro"))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    cv = cross_val_score(build_pipeline(), docs, labels, cv=folds, scoring="f1_macro")
    final = build_pipeline().fit(docs, labels)
    metrics = {
        "labels": kinds,
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(kinds)
        },
        "holdout_macro_f1": round(holdout_f1, 4),
        "holdout_size": len(test_x),
        "cv_macro_f1_mean": round(float(np.mean(cv)), 4),
        "cv_macro_f1_std": round(float(np.std(cv)), 4),
        "confusion_matrix": confusion_matrix(test_y, predicted, labels=kinds).tolist(),
        "sklearn_version": sklearn.__version__,
    }
    return Trained(final, metrics, holdout_f1, time.perf_counter() - started)


def dumps(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def loads(data: bytes) -> Pipeline:
    # The bytes come from our own database, written by `dumps` above.
    return joblib.load(io.BytesIO(data))


@dataclass
class Prediction:
    kind: str
    confidence: float
    scores: dict[str, float]

    def top(self, n: int = 2) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda kv: kv[1], reverse=True)[:n]


def predict(
    pipeline: Pipeline,
    docs: Sequence[str],
    passages: Sequence[Sequence[str]] | None = None,
) -> list[Prediction]:
    """The kind of each document.

    With ``passages`` (one list per document, see text.passages): a document read as
    "outro", however sure, takes the kind of its surest passage that is a request, when the
    model is PASSAGE_CONFIDENCE sure of that passage: a request in the middle of an email
    about other things. The more other matters an email holds, the less sure the whole is
    of "outro" (it was also read as a request in part), so an unsure whole is no reason to
    leave the request to a person: "outro" is never answered. The high bar on the passage
    keeps what the rest of the email says ("this is a qualification exam, not a
    defence"): on the shipped data (5-fold cross-validation) the rule changed 7 emails, all
    requests in the middle of long emails, none wrongly, whether the whole was sure or not."""
    predictions = _predict(pipeline, docs)
    if passages is None:
        return predictions
    owners, texts = [], []
    for index, prediction in enumerate(predictions):
        if prediction.kind == OTHER:
            owners += [index] * len(passages[index])
            texts += passages[index]
    for index, found in zip(owners, _predict(pipeline, texts), strict=True):
        current = predictions[index]
        surer = current.kind == OTHER or found.confidence > current.confidence
        if found.kind != OTHER and found.confidence >= PASSAGE_CONFIDENCE and surer:
            predictions[index] = found
    return predictions


def _predict(pipeline: Pipeline, docs: Sequence[str]) -> list[Prediction]:
    docs = list(docs)
    if not docs:
        return []
    # Our own pipeline on our own strings: skip scikit-learn's per-call input checks and
    # the FeatureUnion's job dispatch, which cost more than the model for one email.
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        features = pipeline.named_steps["features"]
        matrix = sparse.hstack(
            [vectorizer.transform(docs) for _name, vectorizer in features.transformer_list],
            format="csr",
        )
        probabilities = pipeline.named_steps["model"].predict_proba(matrix)
    classes = list(pipeline.classes_)
    out = []
    for row in probabilities:
        scores = {label: round(float(p), 4) for label, p in zip(classes, row, strict=True)}
        best = max(scores, key=scores.get)
        out.append(Prediction(best, scores[best], scores))
    return out


class ActiveModelCache:
    """The active pipeline, loaded once per process and reloaded when another version
    becomes active (the caller passes the active version it read)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version: int | None = None
        self.pipeline: Pipeline | None = None

    def get(self, version: int, load) -> Pipeline:
        with self._lock:
            if self.version != version or self.pipeline is None:
                self.pipeline = loads(load())
                self.version = version
            return self.pipeline

    def clear(self) -> None:
        with self._lock:
            self.version, self.pipeline = None, None


active_cache = ActiveModelCache()

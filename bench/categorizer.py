"""Categorizer benchmark: batch and single-email classification, and training time."""

from __future__ import annotations

import statistics
import time


def run() -> list[tuple]:
    """Runs inside a configured Django process (the caller sets it up)."""
    from categorizer import classifier, services
    from categorizer.text import document

    examples = services.shipped_examples()
    docs = [d for d, _label in examples]
    labels = [label for _d, label in examples]
    started = time.perf_counter()
    trained = classifier.train(docs, labels)
    training = time.perf_counter() - started
    pipeline = trained.pipeline
    batch = [docs[i % len(docs)] for i in range(10_000)]
    started = time.perf_counter()
    classifier.predict(pipeline, batch)
    rate = len(batch) / (time.perf_counter() - started)
    single = []
    sample = document(
        "Solicitação de acesso ao laboratório",
        "Olá, preciso de usuário e senha nos computadores do laboratório.",
    )
    for _ in range(200):
        started = time.perf_counter()
        classifier.predict(pipeline, [sample])
        single.append(time.perf_counter() - started)
    latency_ms = statistics.median(single) * 1000
    return [
        ("classify in batch (emails/s)", f"{rate:,.0f}", ">= 2,000", 10_000, rate >= 2000),
        ("classify one email (ms, median of 200)", f"{latency_ms:.1f}", "< 5", 1, latency_ms < 5),
        ("train on the shipped data (s)", f"{training:.1f}", "< 10", len(docs), training < 10),
        (
            "held-out macro-F1",
            f"{trained.holdout_macro_f1:.3f}",
            ">= 0.95",
            len(docs),
            trained.holdout_macro_f1 >= 0.95,
        ),
    ]

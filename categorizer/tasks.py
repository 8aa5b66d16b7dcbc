"""django-q2 entry points of the categorizer."""

from categorizer import services


def retrain() -> dict:
    result = services.model_train(note="weekly retraining")
    return {
        "version": result.model.version,
        "activated": result.activated,
        "macro_f1": result.model.holdout_macro_f1,
    }

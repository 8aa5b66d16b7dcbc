from django.core.management.base import BaseCommand, CommandError

from categorizer import services


class Command(BaseCommand):
    help = (
        "Train the classifier on the shipped examples plus every staff correction; the new "
        "model becomes active only if it is not worse than the active one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="activate the new model even if it is worse"
        )

    def handle(self, *args, force=False, **options):
        try:
            result = services.model_train(force=force, note="train_categorizer")
        except (services.CategorizerError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        model = result.model
        metrics = model.metrics
        self.stdout.write(
            f"model v{model.version}: {model.examples} examples ({model.corrections} "
            f"corrections), trained in {model.training_seconds:.1f}s"
        )
        self.stdout.write(f"{'kind':8} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>5}")
        for label, row in metrics["per_class"].items():
            self.stdout.write(
                f"{label:8} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:6.3f} "
                f"{row['support']:5d}"
            )
        self.stdout.write(
            f"held-out macro-F1 {model.holdout_macro_f1:.3f}; cross-validation "
            f"{metrics['cv_macro_f1_mean']:.3f} ± {metrics['cv_macro_f1_std']:.3f}"
        )
        self.stdout.write(
            "confusion (rows: true, columns: predicted; " + ", ".join(metrics["labels"]) + "):"
        )
        for label, row in zip(metrics["labels"], metrics["confusion_matrix"], strict=True):
            self.stdout.write(f"  {label:8} " + " ".join(f"{n:5d}" for n in row))
        state = "activated" if result.activated else "NOT activated"
        self.stdout.write(f"{state}: {result.reason}")

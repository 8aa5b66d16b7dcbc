"""REST API of the categorizer: /api/categorizer/models/."""

from rest_framework import mixins, serializers, viewsets

from categorizer import selectors
from categorizer.models import ClassifierModel


class ClassifierModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassifierModel
        fields = [
            "id",
            "version",
            "created_at",
            "examples",
            "corrections",
            "holdout_macro_f1",
            "cv_macro_f1",
            "metrics",
            "training_seconds",
            "active",
            "note",
        ]
        read_only_fields = fields


class ClassifierModelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Versions of the email classifier with their evaluation metrics."""

    serializer_class = ClassifierModelSerializer
    queryset = selectors.model_list()
    filterset_fields = ["active"]
    search_fields = []
    ordering_fields = ["version", "created_at"]


def register(router) -> None:
    router.register("categorizer/models", ClassifierModelViewSet, basename="classifier-model")

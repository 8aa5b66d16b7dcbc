from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from categorizer import services
from categorizer.models import ClassifierModel, TrainingExample


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "active",
        "holdout_macro_f1",
        "cv_macro_f1",
        "examples",
        "corrections",
        "training_seconds",
        "created_at",
    ]
    list_filter = ["active"]
    actions = ["activate"]
    readonly_fields = [
        "version",
        "active",
        "created_at",
        "examples",
        "corrections",
        "holdout_macro_f1",
        "cv_macro_f1",
        "training_seconds",
        "per_class_table",
        "confusion_table",
        "note",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pipeline")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("per kind (held-out)"))
    def per_class_table(self, obj: ClassifierModel) -> str:
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td><td>{}</td></tr>",
            (
                (label, r["precision"], r["recall"], r["f1"], r["support"])
                for label, r in obj.metrics.get("per_class", {}).items()
            ),
        )
        return format_html(
            "<table><tr><th></th><th>{}</th><th>{}</th><th>F1</th><th>n</th></tr>{}</table>",
            _("precision"),
            _("recall"),
            rows,
        )

    @admin.display(description=_("confusion matrix (rows: true kind; columns: predicted)"))
    def confusion_table(self, obj: ClassifierModel) -> str:
        labels = obj.metrics.get("labels", [])
        header = format_html_join("", "<th>{}</th>", ((label,) for label in labels))
        body = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (label, format_html_join("", "<td>{}</td>", ((n,) for n in row)))
                for label, row in zip(labels, obj.metrics.get("confusion_matrix", []), strict=False)
            ),
        )
        return format_html("<table><tr><th></th>{}</tr>{}</table>", header, body)

    @admin.action(description=_("Activate the selected model"), permissions=["change"])
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one model."), messages.ERROR)
            return
        model = queryset.get()
        services.model_activate(model=model)
        self.message_user(
            request, _("Model v%(v)d is now active.") % {"v": model.version}, messages.SUCCESS
        )


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin):
    list_display = ["subject", "label", "predicted", "created_by", "created_at"]
    list_filter = ["label", "predicted"]
    search_fields = ["subject", "body"]
    list_select_related = ["created_by"]
    readonly_fields = ["email", "predicted", "created_by", "created_at"]

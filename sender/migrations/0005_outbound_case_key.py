from django.db import migrations, models

BATCH = 1000


def case_keys_from_idempotency_keys(apps, schema_editor):
    """An idempotency key is "<case key>:<purpose>" (a purpose has no colon)."""
    OutboundMessage = apps.get_model("sender", "OutboundMessage")
    messages = OutboundMessage.objects.using(schema_editor.connection.alias)
    rows = messages.only("id", "idempotency_key")
    batch = []
    for message in rows.order_by("id").iterator(chunk_size=BATCH):
        message.case_key = message.idempotency_key.rpartition(":")[0]
        batch.append(message)
        if len(batch) == BATCH:
            messages.bulk_update(batch, ["case_key"])
            batch = []
    if batch:
        messages.bulk_update(batch, ["case_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("sender", "0004_outbound_purpose_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundmessage",
            name="case_key",
            field=models.CharField(
                blank=True, editable=False, max_length=255, verbose_name="case"
            ),
        ),
        migrations.RunPython(case_keys_from_idempotency_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="outboundmessage",
            index=models.Index(
                condition=models.Q(("case_key", ""), _negated=True),
                fields=["case_key", "purpose"],
                name="outbound_case_idx",
            ),
        ),
    ]

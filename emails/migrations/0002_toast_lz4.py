"""PostgreSQL: compress the large message columns with lz4 instead of pglz.

Raw messages are written once and read rarely; lz4 compresses them several times faster,
which is most of the database's work at intake. Skipped on SQLite and on servers built
without lz4.
"""

from django.db import migrations

COLUMNS = ("raw", "body_text", "body_html")


def use_lz4(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or conn.pg_version < 140000:
        return
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cur.fetchone()
        if not row or not row[0]:
            return
        alters = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION lz4" for c in COLUMNS)
        cur.execute(f"ALTER TABLE emails_email {alters}")


class Migration(migrations.Migration):
    dependencies = [("emails", "0001_initial")]

    operations = [migrations.RunPython(use_lz4, migrations.RunPython.noop)]

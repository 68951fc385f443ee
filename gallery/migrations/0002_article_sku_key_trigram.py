"""A trigram index on Article.sku_key so SKU substring search stays fast on PostgreSQL (no-op elsewhere).

`sku_key LIKE '%…%'` cannot use a B-tree; pg_trgm's GIN index answers it. Creating the extension needs a
role allowed to (the database owner on PostgreSQL 13+, as `pg_trgm` is a trusted extension).
"""

from django.db import migrations

INDEX = "gallery_article_sku_key_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON gallery_article USING gin (sku_key gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("gallery", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

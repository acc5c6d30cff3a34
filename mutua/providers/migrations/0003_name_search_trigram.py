"""On PostgreSQL, a trigram index serves "Cerca" (`name_search LIKE '%word%'`), which a B-tree cannot.

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. SQLite keeps the plain index
(its LIKE scans 20 000 short rows in a few milliseconds).
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS provider_name_search_trgm ON providers_provider USING gin (name_search gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS provider_name_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_name_search_and_map_indexes")]

    operations = [migrations.RunPython(create, drop)]

"""Hosts used to live in an app labelled ``dashboards``; an install from then keeps its hosts
(their enabled flag, labels and status history): the old tables' rows move here, once."""

from django.core.management.color import no_style
from django.db import migrations

OLD_TABLES = {"Host": "dashboards_host", "HostStatusChange": "dashboards_hoststatuschange"}


def adopt_old_tables(apps, schema_editor) -> None:
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    models = [apps.get_model("fleet", name) for name in OLD_TABLES]
    if not all(OLD_TABLES[model.__name__] in existing for model in models):
        return
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        for model in models:  # hosts first: status changes refer to them
            columns = ", ".join(quote(field.column) for field in model._meta.local_fields)
            old, new = OLD_TABLES[model.__name__], model._meta.db_table
            cursor.execute(
                f"INSERT INTO {quote(new)} ({columns}) SELECT {columns} FROM {quote(old)}"
            )
        for model in reversed(models):
            cursor.execute(f"DROP TABLE {quote(OLD_TABLES[model.__name__])}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["dashboards"])
        # Ids were copied as they were: PostgreSQL's sequences must move past them.
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("fleet", "0001_initial")]

    operations = [migrations.RunPython(adopt_old_tables, migrations.RunPython.noop)]

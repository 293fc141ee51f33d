"""A fresh install has the overview as a saved dashboard, slug ``fleet`` (DESIGN.md)."""

from django.db import migrations

# Written out rather than imported: a migration keeps the layout it was written with.
FLEET_LAYOUT = {
    "schema": 1,
    "columns": 12,
    "panels": [
        {"id": "hosts", "type": "hosts", "x": 0, "y": 0, "w": 12, "h": 9, "title": "Hosts"},
        {"id": "alerts", "type": "alerts", "x": 0, "y": 9, "w": 12, "h": 3, "title": "Alerts"},
    ],
}


def create_fleet(apps, schema_editor) -> None:
    Dashboard = apps.get_model("walls", "Dashboard")
    Dashboard.objects.get_or_create(
        slug="fleet", defaults={"title": "Fleet", "layout": FLEET_LAYOUT, "builtin": True}
    )


class Migration(migrations.Migration):
    dependencies = [("walls", "0001_initial")]

    operations = [migrations.RunPython(create_fleet, migrations.RunPython.noop)]

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def grant_admin_permissions(sender, apps=None, **kwargs) -> None:
    """The admin role edits dashboards in /admin/ too (as it does rules and hosts); permissions
    exist only once every app is migrated, hence after migrate."""
    from dashboards.alerts.roles import ADMIN

    try:  # a partial migrate may not have made these tables yet
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        apps.get_model("walls", "Dashboard")
    except (LookupError, AttributeError):
        return
    admin = Group.objects.filter(name=ADMIN).first()
    if admin is not None:
        admin.permissions.add(*Permission.objects.filter(content_type__app_label="walls"))


class WallsConfig(AppConfig):
    name = "dashboards.walls"
    label = "walls"
    verbose_name = "Saved dashboards"

    def ready(self) -> None:
        from dashboards.walls import changes

        post_migrate.connect(grant_admin_permissions, sender=self)
        changes.connect()

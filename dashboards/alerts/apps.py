from django.apps import AppConfig
from django.db.models.signals import post_migrate


def grant_role_permissions(sender, apps=None, **kwargs) -> None:
    """The admin role configures alerts and hosts in /admin/ (its members also need is_staff);
    a responder may manage silences there. Permissions exist only once every app is migrated,
    hence after migrate rather than in migration 0002."""
    from dashboards.alerts.roles import ADMIN, RESPONDER

    try:  # a partial migrate (`migrate fleet 0001`) may not have made these tables yet
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        apps.get_model("alerts", "Silence")
    except (LookupError, AttributeError):
        return

    admin = Group.objects.filter(name=ADMIN).first()
    responder = Group.objects.filter(name=RESPONDER).first()
    if admin is not None:
        admin.permissions.add(
            *Permission.objects.filter(content_type__app_label__in=("alerts", "fleet"))
        )
    if responder is not None:
        responder.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="alerts", codename__endswith="silence"
            ),
            *Permission.objects.filter(
                content_type__app_label="alerts", codename__startswith="view_"
            ),
        )


class AlertsConfig(AppConfig):
    name = "dashboards.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from dashboards.alerts import signals  # noqa: F401 - connects the receivers

        post_migrate.connect(grant_role_permissions, sender=self)

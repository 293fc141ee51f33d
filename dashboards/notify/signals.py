"""Any change to routes or contact points bumps the configuration version, so the dispatcher
routes the active alerts again: otherwise an alert is only routed when it has a new event, and
a changed route would strand what already fires (dispatcher.py)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from dashboards.notify.models import ContactPoint, Route, bump_config_version


def _changed(sender, **kwargs) -> None:
    bump_config_version()


def connect() -> None:
    for model in (ContactPoint, Route):
        post_save.connect(_changed, sender=model, dispatch_uid=f"notify-config-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"notify-drop-{model.__name__}")
    m2m_changed.connect(
        _changed, sender=Route.contact_points.through, dispatch_uid="notify-config-targets"
    )

"""Who may do what with alerts: Django groups, created by migration 0002.

A viewer reads everything and changes nothing; a responder also acknowledges and silences; an
admin also configures rules (in the admin). Superusers are admins. A signed-in user in no group
is a viewer. The server checks these on every ack, unack and silence, whatever a page shows.
"""

VIEWER, RESPONDER, ADMIN = "viewer", "responder", "admin"
ROLES = (VIEWER, RESPONDER, ADMIN)


def role_of(user) -> str:
    """The strongest role ``user`` has (one database query unless it is a superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return VIEWER
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    if ADMIN in names:
        return ADMIN
    if RESPONDER in names:
        return RESPONDER
    return VIEWER


def may_respond(user) -> bool:
    """Acknowledge, un-acknowledge, silence."""
    return role_of(user) in (RESPONDER, ADMIN)

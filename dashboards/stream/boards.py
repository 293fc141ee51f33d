"""A subscribe by saved dashboard or playlist (docs/protocol.md): the server, not the page, says
what a dashboard's panels need (walls/programs.py), and the subscribe goes on as one by hosts."""

from channels.db import database_sync_to_async

from dashboards.stream import protocol as p


def _follows(kind: str, name: str) -> dict | None:
    from dashboards.walls.models import Dashboard, Playlist
    from dashboards.walls.programs import program

    if kind == p.DASHBOARD:
        board = Dashboard.objects.filter(slug=name).first()
        return None if board is None else program(board)["subscriptions"]
    playlist = Playlist.objects.filter(name=name).first()
    if playlist is None or not playlist.entries.exists():
        return None
    return program(playlist=playlist)["subscriptions"]


async def by_hosts(message: dict) -> dict | None:
    """``message`` as a subscribe by hosts: unchanged when it is one, else with the ``hosts``
    and ``view`` its dashboard or playlist needs (a ``view`` given wins); None when it needs no
    samples at all (clocks and notes). ProtocolError for an unknown one."""
    reference = p.board_reference(message)
    if reference is None:
        return message
    kind, name = reference
    # A database away raises DatabaseError: the consumer closes as for Redis (4503), and the
    # page comes back with its backoff.
    follows = await database_sync_to_async(_follows)(kind, name)
    if follows is None:
        raise p.ProtocolError(p.BAD_FIELD, f"'{kind}': there is no {kind} {name!r} to show")
    wanted = follows["subscribe"]
    if wanted is None:
        return None
    resolved = {key: value for key, value in message.items() if key != kind}
    resolved["hosts"] = wanted["hosts"]
    resolved.setdefault("view", wanted["view"])
    return resolved

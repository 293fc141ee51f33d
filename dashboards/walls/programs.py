"""What a dashboard page shows, as one "program": one dashboard, or a playlist's dashboards in
turn (docs/walls.md#playlists), with what the page's one socket follows for all of them."""

from dashboards.walls.layout import Subscriptions, merged, subscriptions
from dashboards.walls.models import Dashboard, KioskToken, Playlist

SINGLE_SECONDS = 0  # a lone dashboard never turns


def _board(board: Dashboard, seconds: int) -> dict:
    return {"slug": board.slug, "title": board.title, "layout": board.layout, "seconds": seconds}


def boards_of(playlist: Playlist) -> list[dict]:
    entries = playlist.entries.select_related("dashboard")
    return [_board(entry.dashboard, entry.seconds) for entry in entries]


def program(board: Dashboard | None = None, playlist: Playlist | None = None) -> dict:
    """A playlist with entries turns through them; otherwise ``board`` alone."""
    boards = boards_of(playlist) if playlist is not None else []
    if not boards:
        playlist = None
        boards = [_board(board, SINGLE_SECONDS)]
    return {
        "playlist": playlist.name if playlist else None,
        "pause_on_critical": playlist.pause_on_critical if playlist else False,
        "boards": boards,
        "subscriptions": follows(boards).as_json(),
    }


def follows(boards: list[dict]) -> Subscriptions:
    return merged([subscriptions(board["layout"]) for board in boards])


def kiosk_program(token: KioskToken) -> dict:
    """What a kiosk shows, with its name: the screen reloads when its token is changed."""
    return {**program(token.dashboard, token.playlist), "kiosk": token.name}

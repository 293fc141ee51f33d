"""A backfill goes out no faster than the client reads it (consumers.py sends it frame by frame).

At most BACKFILL_AHEAD_BYTES unread at a time. A client that takes nothing of it for
BACKFILL_STALL_S, or is still behind after BACKFILL_LONGEST_WAIT_S (live samples queue up
meanwhile), is dropped as too slow (4008): it comes back and resumes from its last seq.
"""

import asyncio
from collections.abc import Callable

BACKFILL_AHEAD_BYTES = 1024 * 1024
BACKFILL_STALL_S = 10.0
BACKFILL_LONGEST_WAIT_S = 60.0


async def client_keeps_up(unsent_bytes: Callable[[], int] | None) -> bool:
    """Waits while the client has more than BACKFILL_AHEAD_BYTES unread (``unsent_bytes``, from
    Daphne: web_server.py); False once it has taken nothing for BACKFILL_STALL_S or waited
    BACKFILL_LONGEST_WAIT_S in all. Without Daphne's backlog (tests): True at once."""
    if unsent_bytes is None:
        return True
    unsent = unsent_bytes()
    loop = asyncio.get_running_loop()
    started = stalled_since = loop.time()
    while unsent > BACKFILL_AHEAD_BYTES:
        await asyncio.sleep(0.02)
        now_unsent, now = unsent_bytes(), loop.time()
        if now_unsent < unsent:
            stalled_since = now
        if now - stalled_since > BACKFILL_STALL_S or now - started > BACKFILL_LONGEST_WAIT_S:
            return False
        unsent = now_unsent
    return True

"""A call held to a total deadline. A transport's own timeouts bound each step (requests: each
connect and each read), so a receiver trickling its answer could hold a send far past its
lease; past the deadline the caller goes on and the call is left to end in its thread."""

import threading
from collections.abc import Callable


def call_with_deadline(call: Callable, seconds: float, *args):
    """``call(*args)``'s result or exception; TimeoutError once ``seconds`` have passed (the
    call may still finish later, unseen: nothing can stop a thread)."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = call(*args)
        except BaseException as exc:  # handed to the caller's thread as it is
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="notify-send", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s in all")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")

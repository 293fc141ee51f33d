"""The product's ASGI application under Uvicorn instead of Daphne, for comparison.

    python -m bench.uvicorn_server --port 8001

Same app, same garbage-collector settings as the product's web process; Uvicorn's `websockets`
implementation with its default per-connection write limit. Not shipped: see docs/benchmarks.md.
"""

import argparse

import uvicorn

from dashboards.stream.web_server import settle_garbage_collector
from runner.processes import WEBSOCKET_MAX_MESSAGE_BYTES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ws", default="websockets", help="uvicorn's WebSocket implementation")
    args = parser.parse_args()
    settle_garbage_collector("monitor.asgi:application")
    uvicorn.run(
        "monitor.asgi:application",
        host="127.0.0.1",
        port=args.port,
        ws=args.ws,
        ws_max_size=WEBSOCKET_MAX_MESSAGE_BYTES,
        ws_ping_interval=20,
        ws_ping_timeout=30,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()

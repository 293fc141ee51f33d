"""A real HTTP receiver in a thread of the test: it records every request with the time it
arrived, answers with the status the test sets (or holds the request until it is let go)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.hold = threading.Event()
        self.hold.set()  # set: answer at once; clear: keep each request waiting
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = {
                    "at": time.time(), "path": self.path, "headers": dict(self.headers),
                    "body": json.loads(body) if body else None, "answered": None,
                }  # fmt: skip
                receiver.requests.append(request)
                receiver.arrived.set()
                receiver.hold.wait(60)
                status = receiver.status
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"unavailable")
                    request["answered"] = status
                except OSError:
                    pass  # the sender is gone (killed while we held its request)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        return [r["headers"].get("Idempotency-Key") for r in self.requests]

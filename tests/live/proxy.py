"""A real TLS reverse proxy on loopback (Debian's nginx) in front of a test stack, configured as
docs/deploy.md tells an operator to."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.services import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

SITE = """
# As docs/deploy.md: TLS here, plain HTTP and WebSockets to the product on loopback.
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
}}
server {{
    listen 127.0.0.1:{port} ssl;
    server_name _;
    ssl_certificate     {cert};
    ssl_certificate_key {key};

    location / {{
        proxy_pass http://127.0.0.1:{upstream};
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 1h;   # wall screens keep their socket for weeks
        proxy_buffering off;
    }}
}}
"""

MAIN = """
{user}
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def require_nginx() -> None:
    if not os.path.exists(NGINX):
        reason = "NO NGINX: the reverse-proxy tests did not run (apt-get install nginx)."
        if os.environ.get("MONITOR_REQUIRE_NGINX"):
            pytest.fail(reason + " MONITOR_REQUIRE_NGINX is set, so this is a failure.")
        pytest.skip(reason)


class TLSProxy:
    """nginx terminating TLS on a port of its own, with a certificate made for 127.0.0.1."""

    def __init__(self, workdir: Path, upstream_port: int) -> None:
        self.dir = workdir
        self.port = free_port()
        self.upstream_port = upstream_port
        self.cert = workdir / "proxy.crt"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> "TLSProxy":
        key = self.dir / "proxy.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(self.cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        (self.dir / "site.conf").write_text(
            SITE.format(port=self.port, cert=self.cert, key=key, upstream=self.upstream_port)
        )
        user = "user root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(MAIN.format(user=user, dir=self.dir))
        self.process = subprocess.Popen(
            [NGINX, "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=open(self.dir / "nginx.out", "wb"),  # noqa: SIM115
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not (self.dir / "nginx.pid").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.dir / "nginx.out").read_text())
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)

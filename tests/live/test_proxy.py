"""Behind a real TLS reverse proxy (nginx on loopback), as docs/deploy.md sets one up: signing in
passes CSRF, cookies are Secure, HSTS is sent, WebSockets stream through it, and a page of
another origin still gets nothing."""

import http.cookiejar
import json
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request

import pytest
import websockets

from tests.live.clients import live_samples, next_message
from tests.live.proxy import TLSProxy, require_nginx
from tests.live.stack import PASSWORD, USERNAME, Stack
from tests.services import free_port

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory, test_redis, redis_prefix):
    require_nginx()
    workdir = tmp_path_factory.mktemp("proxy")
    port = free_port()
    proxy = TLSProxy(workdir, upstream_port=port)
    stack = Stack(workdir, test_redis.url, f"{redis_prefix}-proxy", MONITOR_PUBLIC_URL=proxy.url)
    # The stack listens where the proxy expects it.
    stack.port, stack.base_url = port, f"http://127.0.0.1:{port}"
    stack.env["MONITOR_BIND"] = f"127.0.0.1:{port}"
    stack.prepare()
    stack.start_central()
    stack.start("agent")
    proxy.start()
    try:
        stack.wait_healthy(hosts_up=1)
        yield stack, proxy
    finally:
        proxy.stop()
        stack.stop_all()


def tls(proxy: TLSProxy) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(proxy.cert))


class Browser:
    """What a browser does on https: keeps cookies (Secure ones too) and sends Origin on POST."""

    def __init__(self, proxy: TLSProxy, origin: str | None = None) -> None:
        self.proxy = proxy
        self.origin = origin or proxy.url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=tls(proxy)),
            urllib.request.HTTPCookieProcessor(self.jar),
        )

    def get(self, path: str):
        return self.opener.open(self.proxy.url + path, timeout=10)

    def sign_in(self):
        page = self.get("/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = urllib.parse.urlencode(
            {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.proxy.url + "/accounts/login/", data=form, headers={"Origin": self.origin}
        )
        return self.opener.open(request, timeout=10)

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if c.name == name), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def test_signing_in_through_the_tls_proxy_works_with_secure_cookies_and_hsts(behind_proxy):
    _, proxy = behind_proxy
    browser = Browser(proxy)
    response = browser.sign_in()
    assert response.status == 200 and response.url == proxy.url + "/"  # on the overview
    assert browser.cookie("sessionid").secure and browser.cookie("csrftoken").secure
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_login_posted_from_another_origin_is_refused(behind_proxy):
    _, proxy = behind_proxy
    with pytest.raises(urllib.error.HTTPError) as refused:
        Browser(proxy, origin="https://127.0.0.1:9999").sign_in()
    assert refused.value.code == 403


async def test_the_live_stream_works_through_the_proxy(behind_proxy):
    _, proxy = behind_proxy
    browser = Browser(proxy)
    browser.sign_in()
    ws_url = proxy.url.replace("https://", "wss://") + "/ws/live/"
    async with websockets.connect(
        ws_url,
        origin=proxy.url,
        additional_headers={"Cookie": browser.cookie_header()},
        ssl=tls(proxy),
    ) as ws:
        hello = await next_message(ws)
        assert hello["type"] == "hello"
        await ws.send(json.dumps({"type": "subscribe", "hosts": "*", "backfill_s": 0}))
        assert len(await live_samples(ws, 2)) == 2


@pytest.mark.parametrize("origin", ["https://127.0.0.1:9999", "http://127.0.0.1"])
async def test_a_socket_from_another_origin_is_refused_through_the_proxy(behind_proxy, origin):
    _, proxy = behind_proxy
    browser = Browser(proxy)
    browser.sign_in()
    ws_url = proxy.url.replace("https://", "wss://") + "/ws/live/"
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await websockets.connect(
            ws_url,
            origin=origin,
            additional_headers={"Cookie": browser.cookie_header()},
            ssl=tls(proxy),
        )
    assert refused.value.response.status_code == 403

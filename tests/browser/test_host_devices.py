"""Every device on the host page: CPU cores, filesystems and network interfaces of this machine's
own agent, in groups that draw nothing until opened; the interface filter, its virtual default and
the line cap, the last also on 500 made-up interfaces fed to the page's own module."""

import json
import socket

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import PASSWORD, USERNAME, Stack, running_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]
HOST = socket.gethostname()
GROUPS = ["cores", "filesystems", "interfaces"]
MODULES = "/static/js/"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("devices")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-devices") as running:
        yield running


class Samples:
    """The newest full sample of HOST the page's socket received (what the page was given)."""

    def __init__(self, page) -> None:
        self.metrics: dict = {}
        page.on("websocket", lambda ws: ws.on("framereceived", self.note))

    def note(self, payload) -> None:
        if not isinstance(payload, str) or '"samples"' not in payload:
            return
        message = json.loads(payload)
        for sample in message.get("samples", []):
            if sample.get("host") == HOST and isinstance(sample.get("metrics"), dict):
                self.metrics = sample["metrics"]

    def devices(self, prefix: str, suffix: str) -> list[str]:
        return sorted(
            key[len(prefix) : -len(suffix)]
            for key in self.metrics
            if key.startswith(prefix) and key.endswith(suffix) and len(key) > len(prefix + suffix)
        )


def open_host_page(page, stack: Stack) -> Samples:
    samples = Samples(page)
    path = f"/hosts/{HOST}/"
    page.goto(stack.base_url + path)
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.base_url + path)
    # The agent's second sample on has per-core and per-interface rates.
    page.wait_for_function(
        "(groups) => window.monitor && window.monitor.devices"
        " && groups.every((g) => window.monitor.devices.count(g) > 0)",
        arg=GROUPS,
        timeout=120000,
    )
    return samples


def devices(page, call: str, group: str):
    return page.evaluate(f"(g) => window.monitor.devices.{call}(g)", group)


def open_group(page, group: str) -> None:
    page.click(f'details[data-group="{group}"] > summary')
    page.wait_for_function("(g) => window.monitor.devices.isOpen(g)", arg=group)


def test_the_groups_start_closed_with_no_chart_and_count_the_devices(page, stack):
    open_host_page(page, stack)

    assert page.evaluate("window.monitor.devices.groups()") == GROUPS
    opened = page.eval_on_selector_all("#devices details", "ds => ds.map((d) => d.open)")
    assert opened == [False, False, False]
    assert page.evaluate("window.monitor.devices.plots()") == 0
    assert page.locator("#devices .plot-container").count() == 0
    for group in GROUPS:
        count = devices(page, "count", group)
        summary = page.text_content(f'details[data-group="{group}"] > summary')
        assert summary.strip().endswith(f"({count})"), summary
    assert page.errors == []


def test_opening_cpu_cores_draws_one_line_per_core_and_closing_purges_it(page, stack):
    samples = open_host_page(page, stack)
    page.wait_for_function("() => window.monitor.devices.points('cores') >= 2", timeout=30000)
    cores = int(samples.metrics["cpu.count"])

    open_group(page, "cores")
    page.wait_for_function(
        "(n) => window.monitor.devices.lineCount('cores') === n", arg=cores, timeout=30000
    )
    assert devices(page, "mode", "cores") == ("lines" if cores <= 16 else "heatmap")
    assert devices(page, "visibleDevices", "cores") == [f"cpu{n}" for n in range(cores)]
    assert page.text_content('details[data-group="cores"] > summary').strip() == (
        f"CPU cores ({cores})"
    )
    assert page.evaluate("window.monitor.devices.plots()") == 1

    page.click('details[data-group="cores"] > summary')
    page.wait_for_function("() => window.monitor.devices.plots() === 0")
    assert devices(page, "lineCount", "cores") == 0
    assert page.locator("#devices .plot-container").count() == 0
    assert page.errors == []


def test_filesystems_show_the_mounts_of_the_sample_with_their_sizes(page, stack):
    samples = open_host_page(page, stack)
    open_group(page, "filesystems")
    mounts = samples.devices("disk.", ".used_percent")
    assert mounts

    page.wait_for_function(
        "(n) => window.monitor.devices.lineCount('filesystems') === n",
        arg=len(mounts),
        timeout=30000,
    )
    assert sorted(devices(page, "visibleDevices", "filesystems")) == mounts
    legend = page.locator('details[data-group="filesystems"] .device-legend li')
    assert sorted(legend.evaluate_all("items => items.map((i) => i.dataset.device)")) == mounts
    assert " of " in legend.first.text_content()
    assert page.errors == []


def test_interfaces_hide_virtual_ones_by_default_and_filter_by_pattern(page, stack):
    samples = open_host_page(page, stack)
    open_group(page, "interfaces")
    page.wait_for_function(
        "() => window.monitor.devices.lineCount('interfaces') > 0", timeout=30000
    )
    names = samples.devices("net.", ".rx_bytes_per_s")
    is_virtual = page.evaluate(
        "async ([url, names]) => {"
        "  const { isVirtual } = await import(url);"
        "  return names.map((n) => isVirtual(n));"
        "}",
        [MODULES + "device-filter.js", names],
    )
    virtual = [n for n, v in zip(names, is_virtual, strict=True) if v]
    real = [n for n, v in zip(names, is_virtual, strict=True) if not v]
    note = 'details[data-group="interfaces"] .device-note'

    def visible() -> list[str]:
        return sorted(devices(page, "visibleDevices", "interfaces"))

    assert visible() == real
    assert page.get_attribute(note, "data-virtual") == str(len(virtual))

    page.check('details[data-group="interfaces"] .device-show-all')
    page.wait_for_function(
        "(n) => window.monitor.devices.lineCount('interfaces') === n", arg=len(names)
    )
    assert visible() == names

    first = names[0]
    page.fill('details[data-group="interfaces"] .device-filter', f"!{first}")
    page.wait_for_function(
        "(n) => window.monitor.devices.lineCount('interfaces') === n", arg=len(names) - 1
    )
    assert visible() == names[1:]
    assert page.get_attribute(note, "data-filtered") == "1"
    assert "1 more hidden by the filter" in page.text_content(note)

    page.fill('details[data-group="interfaces"] .device-filter', f"{first[:2]}*")
    expected = [n for n in names if n.lower().startswith(first[:2].lower())]
    page.wait_for_function(
        "(n) => window.monitor.devices.lineCount('interfaces') === n", arg=len(expected)
    )
    assert visible() == expected

    # Remembered: a new page load has the same filter and toggle.
    page.reload()
    page.wait_for_function("() => window.monitor && window.monitor.devices", timeout=30000)
    assert page.input_value('details[data-group="interfaces"] .device-filter') == f"{first[:2]}*"
    assert page.is_checked('details[data-group="interfaces"] .device-show-all')
    assert page.errors == []


SYNTHETIC = """async ([url, count, cores, groups]) => {
  const { DeviceCharts } = await import(url);
  const section = document.getElementById("devices").cloneNode(true);
  section.id = "devices-synthetic";
  for (const e of section.querySelectorAll("[id]")) e.removeAttribute("id");
  document.getElementById("dashboard").append(section);
  const charts = new DeviceCharts(section, { host: "synthetic", interval: 1, windowS: 60 });
  const name = (i) => (i < 100 ? `eth${i}` : i < 400 ? `veth${i}` : `docker${i}`);
  const now = Date.now() / 1000;
  for (let t = 0; t < 3; t++) {
    const metrics = {};
    for (let i = 0; i < count; i++) {
      metrics[`net.${name(i)}.rx_bytes_per_s`] = 1000 * i + t;
      metrics[`net.${name(i)}.tx_bytes_per_s`] = 10 * i;
    }
    for (let i = 0; i < cores; i++) metrics[`cpu.core.${i}.percent`] = (i * 7 + t) % 100;
    metrics["net.eth7.rx_errors_per_s"] = 2;
    charts.push([{ host: "synthetic", ts: now - 3 + t, sample: { metrics }, gap: false }]);
  }
  window.synthetic = charts.hooks();
  for (const group of groups) section.querySelector(`details[data-group="${group}"]`).open = true;
}"""


def test_500_interfaces_draw_at_most_20_lines_the_busiest(page, stack):
    open_host_page(page, stack)
    names = [f"eth{i}" for i in range(100)] + [f"veth{i}" for i in range(100, 400)]
    names += [f"docker{i}" for i in range(400, 500)]
    cut = page.evaluate(
        "async ([url, names]) => {"
        "  const f = await import(url);"
        "  const score = (n) => Number(n.replace(/\\D/g, ''));"
        "  return {"
        "    byDefault: f.selectDevices(names, { hideVirtual: true, score }),"
        "    all: f.selectDevices(names, { score }),"
        "    noVeth: f.selectDevices(names, { filter: 'eth1* !veth*', hideVirtual: false, score }),"
        "    cap: f.LINES_MAX,"
        "  };"
        "}",
        [MODULES + "device-filter.js", names],
    )
    assert cut["cap"] == 20
    assert cut["byDefault"]["shown"] == [f"eth{i}" for i in range(80, 100)]
    assert (cut["byDefault"]["virtual"], cut["byDefault"]["capped"]) == (400, 80)
    assert cut["all"]["shown"] == [f"docker{i}" for i in range(480, 500)]
    assert cut["all"]["capped"] == 480
    assert cut["noVeth"]["shown"] == ["eth1"] + [f"eth{i}" for i in range(10, 20)]
    assert cut["noVeth"]["filtered"] == 489

    # The page's own module, fed 500 interfaces: still 20 traces per chart.
    page.evaluate(SYNTHETIC, [MODULES + "device-charts.js", 500, 0, ["interfaces"]])
    page.wait_for_function("() => window.synthetic.lineCount('interfaces') === 20")
    assert page.evaluate("window.synthetic.count('interfaces')") == 500
    assert page.evaluate("window.synthetic.visibleDevices('interfaces')") == [
        f"eth{i}" for i in range(80, 100)
    ]
    note = page.locator('#devices-synthetic details[data-group="interfaces"] .device-note')
    assert note.get_attribute("data-capped") == "80"
    assert note.get_attribute("data-virtual") == "400"
    assert "80 more not drawn" in note.text_content()
    assert page.evaluate("window.synthetic.traces()") <= 3 * 20
    summary = page.text_content('#devices-synthetic details[data-group="interfaces"] > summary')
    assert summary.strip() == "Network interfaces (500)"
    assert page.errors == []


def test_64_cores_become_a_heatmap_with_a_row_per_core(page, stack):
    open_host_page(page, stack)
    page.evaluate(SYNTHETIC, [MODULES + "device-charts.js", 0, 64, ["cores"]])
    page.wait_for_function("() => window.synthetic.mode('cores') === 'heatmap'")
    assert page.evaluate("window.synthetic.lineCount('cores')") == 64
    assert page.evaluate("window.synthetic.traces()") == 1
    assert page.locator("#devices-synthetic .device-legend li").count() == 0
    page.locator("#devices-synthetic").scroll_into_view_if_needed()
    save_artifact(page, "host-devices-64-cores.png")
    assert page.errors == []


def test_the_open_groups_fit_a_phone_screen(page, stack):
    open_host_page(page, stack)
    for group in GROUPS:
        open_group(page, group)
    page.wait_for_function(
        "() => ['cores', 'filesystems', 'interfaces']"
        ".every((g) => window.monitor.devices.lineCount(g) > 0)",
        timeout=30000,
    )
    page.locator("#devices").scroll_into_view_if_needed()
    save_artifact(page, "host-devices.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(
        "() => { const s = document.getElementById('devices');"
        " return s.getBoundingClientRect().right <= 390 && s.scrollWidth <= s.clientWidth; }",
        timeout=30000,
    )
    box = page.evaluate(
        "() => { const s = document.getElementById('devices');"
        " return { right: s.getBoundingClientRect().right, scroll: s.scrollWidth,"
        " client: s.clientWidth }; }"
    )
    assert box["right"] <= 390
    assert box["scroll"] <= box["client"]
    page.locator('details[data-group="interfaces"]').scroll_into_view_if_needed()
    save_artifact(page, "host-devices-phone.png")
    assert page.errors == []

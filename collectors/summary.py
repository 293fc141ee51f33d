"""A sample's headline figures (the overview shows only these), computed once, by the agent."""

SUMMARY_KEYS = ("cpu.percent", "mem.percent", "load.1m")


def summarize(metrics: dict[str, float]) -> tuple[dict[str, float], str | None]:
    """Headline metrics of one sample and the mount point of its fullest filesystem."""
    summary = {key: metrics[key] for key in SUMMARY_KEYS if key in metrics}
    fullest_mount, fullest = None, None
    rx = tx = 0.0
    has_net = False
    for key, value in metrics.items():
        if key.startswith("disk.") and key.endswith(".used_percent"):
            if fullest is None or value > fullest:
                fullest, fullest_mount = value, key[len("disk.") : -len(".used_percent")]
        elif key.startswith("net.") and key.endswith(".rx_bytes_per_s"):
            rx += value
            has_net = True
        elif key.startswith("net.") and key.endswith(".tx_bytes_per_s"):
            tx += value
            has_net = True
    if fullest is not None:
        summary["disk.fullest_used_percent"] = fullest
    if has_net:
        summary["net.rx_bytes_per_s"] = rx
        summary["net.tx_bytes_per_s"] = tx
    return summary, fullest_mount

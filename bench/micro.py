"""Per-message costs behind two levers the stream benchmark weighs, measured in isolation.

    .venv/bin/python -m bench.micro

- decoding one channel-layer message (what the pub/sub layer does once per consumer, so a
  "decode once per process" layer would save it N-1 times per message);
- encoding one sample with the standard json module against orjson (done once per sample, by
  the agent; the consumer forwards the text and never encodes a sample).
Best of 5 repetitions; compare with the per-frame CPU of `make bench`.
"""

import json
import random
import timeit

import orjson  # the bench extra
from channels_redis.pubsub import RedisPubSubChannelLayer

from agent.publish import encode_sample, encode_summary
from agent.simulator import SimulatedHost


def best_us(call, number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def main() -> None:
    host = SimulatedHost("sim-001", random.Random(1))
    reading = host.reading()
    text = encode_sample(host.name, 12345, 1.0, reading)
    message = {
        "type": "metrics.sample", "host": host.name, "seq": 12345, "ts": reading.ts,
        "epoch": "0123456789abcdef", "text": text,
        "summary": encode_summary(host.name, 12345, 1.0, reading), "tick": 999,
    }  # fmt: skip
    layer = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:6379"])  # never connects
    raw = layer.serialize(message)
    value = {"host": host.name, "seq": 12345, "ts": reading.ts, "interval": 1.0,
             "metrics": reading.metrics, "top": reading.top}  # fmt: skip
    print(f"layer message: {len(raw)} bytes, sample text: {len(text)} bytes")
    print(
        f"decode a layer message:      {best_us(lambda: layer.deserialize(raw), 100_000):6.2f} µs"
    )
    std = best_us(lambda: json.dumps(value, separators=(",", ":"), allow_nan=False), 20_000)
    fast = best_us(lambda: orjson.dumps(value), 20_000)
    print(f"encode a sample, json:       {std:6.2f} µs")
    print(f"encode a sample, orjson:     {fast:6.2f} µs")


if __name__ == "__main__":
    main()

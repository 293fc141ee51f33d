"""The protocol under generated input (hypothesis): arbitrary JSON, arbitrary values for every
field of every client message, arbitrary sequences of them, sent to the real consumer over the
real Redis channel layer. Every frame gets a documented answer, the socket stays usable (it
answers a ping afterwards), and no exception reaches the log."""

import json
import logging
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.stream import protocol as p
from tests.dashboards.stream.streaming import connect, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
host_names = st.sampled_from(["alpha", "db-1", "vm\n", "", "../etc", "a" * 64, "*"]) | st.text(
    max_size=12
)
fields = {
    "hosts": st.just("*") | st.lists(host_names, max_size=5) | json_values,
    "since": st.dictionaries(host_names, json_values, max_size=3) | json_values,
    "backfill_s": json_values,
    "view": st.sampled_from(p.VIEWS) | json_values,
}
client_messages = st.fixed_dictionaries(
    {"type": st.sampled_from(p.CLIENT_TYPES) | st.text(max_size=12) | json_values},
    optional=fields,
)
frames = st.one_of(
    client_messages.map(lambda m: ("text", json.dumps(m))),
    json_values.map(lambda v: ("text", json.dumps(v))),
    # Raw text as Daphne delivers it: valid UTF-8 (it closes with 1007 otherwise, tests/live).
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200).map(lambda t: ("text", t)),
    st.sampled_from(["[" * 3000 + "]" * 3000, '{"type": "subscribe", "since": {"a": 1e999}}']).map(
        lambda t: ("text", t)
    ),
    st.binary(max_size=64).map(lambda b: ("bytes", b)),
)


ARTIFACT = Path(__file__).resolve().parents[3] / "artifacts" / "protocol-properties.json"
TRIED = {"sequences": 0, "frames": 0}


def expected_first_answers(kind: str, text) -> set[str]:
    """What the first frame after this one may be, by docs/protocol.md."""
    errors = {f"error:{code}" for code in p.ERROR_CODES if code != p.UNAVAILABLE}
    if kind == "bytes":
        return {f"error:{p.UNSUPPORTED_FRAME}"}
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        return {f"error:{p.BAD_JSON}"}
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return {f"error:{p.BAD_MESSAGE}"}
    return {
        p.PING: {p.PONG},
        p.SUBSCRIBE: {p.SUBSCRIBED} | errors,
        p.UNSUBSCRIBE: {p.SUBSCRIBED} | errors,
        # The fuzzing user is a viewer: every ack and unack is refused, a bad field or not.
        p.ACK: {f"error:{p.FORBIDDEN}", f"error:{p.BAD_FIELD}"},
        p.UNACK: {f"error:{p.FORBIDDEN}"},
        # A good report gets no answer; none of these fields makes one (no key, no size).
        p.SCREEN: {f"error:{p.BAD_FIELD}"},
    }.get(message["type"], {f"error:{p.UNKNOWN_TYPE}"})


async def exchange(user, sequence) -> list[tuple[set[str], str]]:
    ws = await connect(user)
    assert (await receive(ws))["type"] == p.HELLO
    assert (await receive(ws))["type"] == p.ALERTS
    seen = []
    TRIED["sequences"] += 1
    for kind, data in sequence:
        TRIED["frames"] += 1
        # As Daphne delivers a frame (empty ones too, which send_to refuses).
        await ws.send_input({"type": "websocket.receive", kind: data})
        if len(data.encode() if kind == "text" else data) > p.MAX_MESSAGE_BYTES:
            assert await ws.receive_output(5) == {"type": "websocket.close", "code": 4413}
            return seen
        answer = await receive(ws)
        label = f"error:{answer['code']}" if answer["type"] == p.ERROR else answer["type"]
        seen.append((expected_first_answers(kind, data), label))
        if answer["type"] == p.ERROR:
            assert isinstance(answer["message"], str) and answer["message"]
        if answer["type"] == p.SUBSCRIBED and json.loads(data)["type"] == p.SUBSCRIBE:
            assert (await receive(ws))["type"] == p.HOSTS  # then nothing: no host has samples
    # Still usable: a ping gets its pong, and nothing else was left unread before it.
    await ws.send_json_to({"type": p.PING})
    assert (await receive(ws))["type"] == p.PONG
    await ws.disconnect()
    return seen


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("fuzz", password="not-used-here-1")


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(frames, min_size=1, max_size=10))
def test_every_frame_gets_a_documented_answer_and_the_socket_stays_usable(user, caplog, sequence):
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        seen = async_to_sync(exchange)(user, sequence)
    for allowed, got in seen:
        assert got in allowed, (got, allowed)
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not problems, [r.getMessage() for r in problems]
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps(TRIED))  # the counts tried, for the record

"""TickBatch: the bookkeeping behind one frame per collection round."""

from dashboards.stream.rounds import TickBatch


def test_a_round_is_complete_when_every_host_of_the_last_round_has_sent():
    batch = TickBatch()
    assert not batch.add("a", 1, "a1", 10.0)
    assert not batch.add("b", 1, "b1", 10.1)
    assert batch.take() == (["a1", "b1"], 10.0)
    assert not batch.add("b", 2, "b2", 11.0)
    assert batch.add("a", 2, "a2", 11.1)


def test_a_newer_round_closes_the_open_one():
    batch = TickBatch()
    batch.add("a", 1, "a1", 10.0)
    assert not batch.starts_new_round(1)
    assert not batch.starts_new_round(None)
    assert batch.starts_new_round(2)


def test_a_host_that_stopped_is_waited_for_once():
    batch = TickBatch()
    batch.add("a", 1, "a1", 10.0)
    batch.add("b", 1, "b1", 10.0)
    batch.take()
    assert not batch.add("a", 2, "a2", 11.0)  # b is expected and missing
    batch.take()  # at the deadline
    assert batch.add("a", 3, "a3", 12.0)  # b is no longer expected


def test_a_straggler_rides_with_the_next_round_which_waits_for_its_host():
    batch = TickBatch()
    batch.add("a", 1, "a1", 10.0)
    batch.add("b", 1, "b1", 10.0)
    batch.take()
    batch.add("a", 2, "a2", 11.0)
    batch.take()  # round 2 left without b
    assert batch.is_straggler(2)
    assert not batch.add("b", 2, "b2", 11.2)
    assert batch.open_tick is None and batch
    assert not batch.add("a", 3, "a3", 12.0)  # b was late, not gone: round 3 waits for it
    assert batch.add("b", 3, "b3", 12.1)
    assert batch.take() == (["b2", "a3", "b3"], 11.2)


def test_reset_forgets_round_numbers():
    batch = TickBatch()
    batch.add("a", 40, "a40", 10.0)
    batch.take()
    batch.reset()
    assert not batch.is_straggler(1)
    assert not batch

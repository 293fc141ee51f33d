"""The reclaimer: when a full collection is due after disconnects, and that it frees cycles."""

import gc
import weakref

from dashboards.stream.reclaim import Reclaimer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_due_before_a_disconnect():
    assert not Reclaimer(clock=Clock()).due()


def test_a_burst_of_disconnects_is_reclaimed_at_once():
    reclaimer = Reclaimer(after_disconnects=3, clock=Clock())
    for _ in range(2):
        reclaimer.disconnected()
    assert not reclaimer.due()
    reclaimer.disconnected()
    assert reclaimer.due()


def test_the_tail_of_a_burst_is_reclaimed_once_it_has_been_quiet():
    clock = Clock()
    reclaimer = Reclaimer(after_disconnects=100, quiet_s=5, clock=clock)
    reclaimer.disconnected()
    clock.now += 4
    assert not reclaimer.due()
    clock.now += 1
    assert reclaimer.due()


def test_a_trickle_of_disconnects_is_reclaimed_at_least_every_so_often():
    clock = Clock()
    reclaimer = Reclaimer(after_disconnects=100, quiet_s=5, longest_wait_s=60, clock=clock)
    for _ in range(30):  # one every two seconds: never quiet for five
        reclaimer.disconnected()
        assert not reclaimer.due()
        clock.now += 2
    assert reclaimer.due()


def test_reclaiming_frees_what_only_a_full_collection_can():
    class Node:
        pass

    gc.collect()
    gc.freeze()  # as the web process does with its startup heap
    try:
        node = Node()
        node.self = node  # a cycle, like a closed connection's protocol and transport
        alive = weakref.ref(node)
        gc.collect(1)  # survive into the oldest generation, as long-lived sockets do
        del node
        reclaimer = Reclaimer(after_disconnects=1, clock=Clock())
        reclaimer.disconnected()
        paused = reclaimer.reclaim()
        assert alive() is None
        assert paused >= 0 and reclaimer.pending == 0 and reclaimer.collections == 1
    finally:
        gc.unfreeze()

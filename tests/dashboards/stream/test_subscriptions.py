"""Subscriptions: which groups a socket joins and leaves, and what it was sent. No I/O."""

import pytest

from core.layer import HOSTS_GROUP, host_group
from dashboards.stream.protocol import ProtocolError, Subscription
from dashboards.stream.subscriptions import GroupChanges, Subscriptions

OVERVIEW = "overview.test.1"


def request(hosts=None, view="full", since=None) -> Subscription:
    return Subscription(hosts=hosts, since=since or {}, backfill_s=60, view=view)


@pytest.fixture
def subs() -> Subscriptions:
    return Subscriptions(overview_group=OVERVIEW, max_hosts=3)


def test_a_host_page_joins_its_hosts_group_only(subs):
    assert subs.subscribe(request(["db1"])) == GroupChanges()
    assert subs.add_hosts(["db1"]) == GroupChanges(join=(host_group("db1"),))
    assert subs.groups() == {host_group("db1")}
    assert not subs.merged


def test_following_every_host_joins_the_hosts_group_before_any_host(subs):
    assert subs.subscribe(request()) == GroupChanges(join=(HOSTS_GROUP,))
    changes = subs.add_hosts(["a", "b"])
    assert changes == GroupChanges(join=(host_group("a"), host_group("b")))


def test_every_hosts_summary_comes_from_the_merged_rounds_alone(subs):
    subs.add_hosts(["a"])
    changes = subs.subscribe(request(view="summary"))
    assert changes == GroupChanges(join=(OVERVIEW,), leave=(host_group("a"),))
    assert subs.merged
    assert subs.add_hosts(["b"]) == GroupChanges()  # the merger follows it already


def test_leaving_one_host_of_the_overview_goes_back_to_per_host_groups(subs):
    subs.subscribe(request(view="summary"))
    subs.add_hosts(["a", "b"])
    changes = subs.unsubscribe(["a"])
    assert changes == GroupChanges(join=(host_group("b"), HOSTS_GROUP), leave=(OVERVIEW,))
    assert subs.follows_new and not subs.merged


def test_unsubscribing_everything_leaves_every_group(subs):
    subs.subscribe(request())
    subs.add_hosts(["a"])
    assert subs.unsubscribe(None) == GroupChanges(leave=(host_group("a"), HOSTS_GROUP))
    assert subs.groups() == set() and not subs.follows_new


def test_switching_views_forgets_what_was_sent(subs):
    subs.add_hosts(["a"])
    assert subs.accept("a", 5)
    subs.subscribe(request(["a"], view="summary"))
    assert subs.backfill_after("a", None) is None
    assert subs.accept("a", 5)


def test_more_hosts_than_the_limit_are_refused_and_nothing_is_added(subs):
    subs.add_hosts(["a", "b"])
    with pytest.raises(ProtocolError) as refused:
        subs.add_hosts(["c", "d"])
    assert refused.value.code == "too_many_hosts"
    assert subs.hosts == {"a", "b"}


def test_a_new_host_is_followed_only_by_sockets_that_follow_every_host(subs):
    assert subs.host_appeared("new") is None
    subs.subscribe(request())
    assert subs.host_appeared("new") == GroupChanges(join=(host_group("new"),))
    assert subs.host_appeared("new") is None  # already followed


def test_a_new_host_past_the_limit_is_not_followed(subs):
    subs.subscribe(request())
    subs.add_hosts(["a", "b", "c"])
    assert subs.host_appeared("d") is None


def test_a_removed_host_is_left_and_forgotten(subs):
    subs.add_hosts(["a", "b"])
    subs.accept("a", 3)
    assert subs.host_removed("a") == GroupChanges(leave=(host_group("a"),))
    assert subs.hosts == {"b"} and subs.backfill_after("a", None) is None


def test_live_samples_already_sent_are_not_accepted_again(subs):
    subs.backfilled("a", 10)
    assert not subs.accept("a", 10)
    assert subs.accept("a", 11)
    assert not subs.accept("a", 11)


def test_a_backfill_starts_after_what_the_client_or_the_socket_has(subs):
    assert subs.backfill_after("a", None) is None
    assert subs.backfill_after("a", 7) == 7
    subs.backfilled("a", 9)
    assert subs.backfill_after("a", 7) == 9
    subs.restart_positions()
    assert subs.backfill_after("a", None) is None

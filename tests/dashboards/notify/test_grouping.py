"""Alertmanager's dedup rules, with the ack rule, on a clock the test holds."""

from dashboards.notify.grouping import Sent, content_hash, needs_update

REPEAT = 4 * 3600


def decide(sent, firing, resolved=(), send_resolved=True, now=1000.0, all_acked=False):
    return needs_update(
        sent, set(firing), set(resolved), send_resolved=send_resolved, repeat_s=REPEAT, now=now,
        all_acked=all_acked,
    )  # fmt: skip


def sent(firing=(), resolved=(), at=1000.0):
    return Sent(at, frozenset(firing), frozenset(resolved))


def test_a_new_group_is_told_only_when_something_fires():
    assert decide(None, {"1:critical"})
    assert not decide(None, set(), {"1"})


def test_a_new_alert_or_a_new_severity_is_news_at_once():
    assert decide(sent({"1:warning"}), {"1:warning", "2:warning"})
    assert decide(sent({"1:warning"}), {"1:critical"})


def test_nothing_new_is_told_again_only_after_the_repeat_interval():
    before = sent({"1:warning"}, at=1000.0)
    assert not decide(before, {"1:warning"}, now=1000.0 + REPEAT - 1)
    assert decide(before, {"1:warning"}, now=1000.0 + REPEAT)


def test_acknowledged_alerts_do_not_repeat_but_their_resolution_is_told():
    before = sent({"1:warning"}, at=0.0)
    assert not decide(before, {"1:warning"}, now=10 * REPEAT, all_acked=True)
    assert decide(before, set(), {"1"}, now=10.0, all_acked=False)


def test_a_resolution_is_told_with_send_resolved_and_the_last_one_always_clears_the_log():
    before = sent({"1:warning", "2:warning"})
    assert decide(before, {"2:warning"}, {"1"}, send_resolved=True)
    assert not decide(before, {"2:warning"}, {"1"}, send_resolved=False)
    assert decide(before, set(), {"1", "2"}, send_resolved=False)


def test_alerts_that_fired_and_resolved_between_flushes_are_nobodys_news():
    assert not decide(sent(set(), {"1"}), set(), {"1", "2"})


def test_the_same_decision_has_the_same_hash_and_a_repeat_another():
    one = content_hash("k", 1.0, 3, {"1:warning"}, set())
    assert one == content_hash("k", 1.0, 3, {"1:warning"}, set())
    assert one != content_hash("k", 1.0, 4, {"1:warning"}, set())

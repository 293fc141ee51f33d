"""When a group is told: Alertmanager's dedup rules over what the group holds at a flush and
what it last sent, as a plain function (the clock is an argument; tests drive it).

An alert's key in the firing set is its id with its severity, so an escalation is news, as a
change of labels is in Alertmanager. Acknowledged alerts do not repeat: once every firing alert
of a group is acknowledged, only a change (a new alert, an escalation, a resolution) is sent.
"""

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """What a group last told its contact point (Alertmanager's notification log entry)."""

    at: float
    firing: frozenset[str]
    resolved: frozenset[str]


def firing_key(alert_id: int, severity: str) -> str:
    return f"{alert_id}:{severity}"


def notified_ids(sent: Sent | None) -> set[str]:
    """The alert ids the contact point has heard firing: only those are told resolved."""
    return {key.partition(":")[0] for key in sent.firing} if sent else set()


def needs_update(
    sent: Sent | None,
    firing: set[str],
    resolved: set[str],
    *,
    send_resolved: bool,
    repeat_s: float,
    now: float,
    all_acked: bool = False,
) -> bool:
    """Whether a flush sends (Alertmanager's DedupStage.needsUpdate, plus the ack rule)."""
    if sent is None:
        return bool(firing)
    if not firing <= sent.firing:
        return True  # something fires that it has not heard of (or at another severity)
    if not firing:
        # Everything resolved: told even without send_resolved, so the log forgets the
        # firing alerts (nothing is sent then); nothing if it never heard of them firing.
        return bool(sent.firing)
    if send_resolved and not resolved <= sent.resolved:
        return True
    if all_acked:
        return False  # taken by someone: no reminders, only news
    return sent.at <= now - repeat_s


def content_hash(group_key: str, created_at: float, sequence: int, firing, resolved) -> str:
    """One notification's identity: the group (this life of it), its count, and its content.
    The same decision taken twice gives the same hash, which the database refuses twice."""
    text = json.dumps([group_key, created_at, sequence, sorted(firing), sorted(resolved)])
    return hashlib.sha256(text.encode()).hexdigest()


def key_hash(group_key: str) -> str:
    """What a group key is unique by: a key can be longer than an index can hold (a group by
    every label of an alert with long labels)."""
    return hashlib.sha256(group_key.encode()).hexdigest()

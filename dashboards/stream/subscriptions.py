"""What one socket follows, and where it stands in each host's stream. Pure: no I/O, no clock.

The channel-layer groups a socket belongs to follow from three facts: the hosts it follows,
whether it follows hosts that appear later, and whether it follows every host's summary (then
it needs only its process's merged rounds, dashboards/stream/merger.py). Every change returns the
groups to join and to leave, so the consumer only carries them out.
"""

from dataclasses import dataclass, field

from core.layer import HOSTS_GROUP, host_group
from dashboards.stream import protocol as p
from dashboards.stream.protocol import ProtocolError, Subscription


@dataclass(frozen=True)
class GroupChanges:
    """Groups to join (first) and to leave, in a stable order."""

    join: tuple[str, ...] = ()
    leave: tuple[str, ...] = ()


@dataclass
class Subscriptions:
    """One socket's subscriptions and the last seq it was sent of each host."""

    overview_group: str
    max_hosts: int = p.MAX_HOSTS_PER_SUBSCRIBE
    hosts: set[str] = field(default_factory=set)
    view: str = "full"
    follows_new: bool = False  # hosts that appear later are added (subscribed to "*")
    every_host: bool = False  # no host was left since "*": whole merged rounds can serve it
    last_seq: dict[str, int] = field(default_factory=dict)

    @property
    def merged(self) -> bool:
        """Fed whole rounds of every host's summary by this process's merger."""
        return self.every_host and self.view == "summary"

    def groups(self) -> set[str]:
        if self.merged:
            return {self.overview_group}
        groups = {host_group(host) for host in self.hosts}
        if self.follows_new:
            groups.add(HOSTS_GROUP)
        return groups

    # --- changes asked for by the client ---------------------------------------------------

    def subscribe(self, request: Subscription) -> GroupChanges:
        """Take a subscribe's view and scope; its hosts are added by ``add_hosts`` after (for
        "*", once the groups that announce new hosts are joined, then the known hosts read)."""
        before = self.groups()
        if request.view != self.view:
            self.view = request.view
            self.last_seq.clear()  # the other view's samples have not been sent yet
        if request.hosts is None:
            self.follows_new = self.every_host = True
        return self._changes(before)

    def add_hosts(self, hosts: list[str]) -> GroupChanges:
        """Follow ``hosts`` too; raises ProtocolError past the limit (nothing is added then)."""
        if len(self.hosts | set(hosts)) > self.max_hosts:
            raise ProtocolError(p.TOO_MANY_HOSTS, f"at most {self.max_hosts} hosts")
        before = self.groups()
        self.hosts.update(hosts)
        return self._changes(before)

    def unsubscribe(self, hosts: list[str] | None) -> GroupChanges:
        """Stop following ``hosts`` (None: every host, and new ones too)."""
        before = self.groups()
        if hosts is None:
            self.hosts.clear()
            self.follows_new = self.every_host = False
        else:
            self.hosts.difference_update(hosts)
            self.every_host = False
        return self._changes(before)

    # --- changes in the fleet --------------------------------------------------------------

    def host_appeared(self, host: str) -> GroupChanges | None:
        """A new host: the changes to follow it, or None when this socket does not want it."""
        if not self.follows_new or host in self.hosts or len(self.hosts) >= self.max_hosts:
            return None
        before = self.groups()
        self.hosts.add(host)
        return self._changes(before)

    def host_removed(self, host: str) -> GroupChanges:
        """An admin removed the host: stop following it (it may come back as a new host)."""
        before = self.groups()
        self.hosts.discard(host)
        self.last_seq.pop(host, None)
        return self._changes(before)

    # --- positions in each host's stream ---------------------------------------------------

    def accept(self, host: str, seq: int) -> bool:
        """Whether a live sample is new to this socket (records it as sent if so)."""
        if seq <= self.last_seq.get(host, 0):
            return False  # already sent in a backfill
        self.last_seq[host] = seq
        return True

    def backfill_after(self, host: str, since: int | None) -> int | None:
        """The seq after which a backfill of ``host`` starts (None: the newest samples)."""
        return max(since or 0, self.last_seq.get(host, 0)) or None

    def backfilled(self, host: str, seq: int) -> None:
        self.last_seq[host] = max(self.last_seq.get(host, 0), seq)

    def restart_positions(self) -> None:
        """The store started over (a new epoch): every seq sent so far is void."""
        self.last_seq.clear()

    def _changes(self, before: set[str]) -> GroupChanges:
        after = self.groups()
        return GroupChanges(join=tuple(sorted(after - before)), leave=tuple(sorted(before - after)))

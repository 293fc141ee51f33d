"""What rules may name: every documented metric (docs/metrics.md), the sampled ones and the
evaluator's own ``host.up``."""

from functools import cache

from collectors.fields import HOST_UP, Field
from collectors.host import HostSampler
from dashboards.alerts import rules


@cache
def fields() -> tuple[Field, ...]:
    return (*HostSampler.fields(), HOST_UP)


def parse_rule(data) -> rules.Rule:
    return rules.parse_rule(data, fields())


def parse_rules(document) -> list[rules.Rule]:
    return rules.parse_rules(document, fields())

"""Reading what agents registered in Redis (agent/registration.py writes it), and forgetting it."""

import json

import redis

from core.redis_keys import RedisKeys

# An instance not heard from for this long is gone (killed, or its machine is down).
INSTANCE_EXPIRY_S = 60.0
# A host removed in the admin ignores the agent instances running then for this long.
REMOVAL_MEMORY_S = 7 * 24 * 3600


def live_instances(client: redis.Redis, keys: RedisKeys, host: str, now: float) -> list[dict]:
    """Instances of ``host`` heard from recently; forgets the expired ones."""
    records = client.hgetall(keys.instances(host))
    live, expired = [], []
    for instance, raw in records.items():
        record = json.loads(raw)
        if now - record.get("seen", 0) <= INSTANCE_EXPIRY_S:
            live.append(record)
        else:
            expired.append(instance)
    if expired:
        client.hdel(keys.instances(host), *expired)
    return live


def remember_removal(client: redis.Redis, keys: RedisKeys, name: str) -> None:
    """Ignore the agents running now under ``name``; one started later registers afresh."""
    instances = client.hkeys(keys.instances(name))
    if instances:
        pipe = client.pipeline(transaction=False)
        pipe.sadd(keys.removed(name), *instances)
        pipe.expire(keys.removed(name), REMOVAL_MEMORY_S)
        pipe.execute()

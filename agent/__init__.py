"""The agent: one long-lived Celery worker per monitored host that samples it (collectors/) and
publishes each sample through Redis; plus synthetic agents for tests and benchmarks."""

"""The REST API at /api/ (django-ninja): hosts, samples, alerts, silences, rules, contact points,
and the Alertmanager webhook receiver. Its reference is docs/api.md and /api/openapi.json."""

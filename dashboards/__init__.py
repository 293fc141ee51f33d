"""The product's Django side, one room per role: ``fleet`` (hosts and their status), ``stream``
(the live WebSocket) and ``health`` (/healthz and /metrics). Each uses the same file names for
the same roles: models, admin, views, urls, tasks, consumers."""

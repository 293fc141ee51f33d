"""The product's own health: /healthz for load balancers and /metrics for Prometheus."""

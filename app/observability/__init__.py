"""Observability: one structured log line per request (logs.py, middleware.py), Prometheus metrics
(metrics.py, served at /metrics) and optional OpenTelemetry tracing (tracing.py). The request
record (requests.py) carries the request id from the edge to the outbox rows a request writes."""

"""Runtime configuration, read from COMMERCE_* environment variables."""

import warnings
from decimal import Decimal
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
DEV_AUDIT_KEY = "dev-only-insecure-audit-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMERCE_", frozen=True)

    database_url: str = "sqlite+aiosqlite:///./commerce.db"
    redis_url: str | None = None
    secret_key: str = ""
    # Keys the audit chain (HMAC-SHA256); kept outside the database. Every process that writes or
    # verifies audit events, and `commerce migrate`, must be given the same key.
    audit_key: str = ""
    env: Literal["development", "production"] = "development"
    currency: str = "USD"
    return_window_days: int = 30
    cart_abandon_after_seconds: int = 86400
    refund_approval_limit: Decimal = Decimal("500.00")
    idempotency_ttl_hours: int = 24
    warehouse_webhook_secret: str | None = None
    payments_webhook_secret: str | None = None
    webhook_retry_base_seconds: float = 2.0
    webhook_max_attempts: int = 10
    # Let outbound webhooks reach loopback, private and link-local addresses (tests, private networks).
    webhook_allow_private: bool = False
    relay_poll_seconds: float = 1.0
    run_relay: bool = True
    max_subscriptions_per_connection: int = 20
    # Open WebSocket connections per signed-in user and per client address, in each process.
    max_ws_connections_per_user: int = 10
    max_ws_connections_per_address: int = 50
    response_cache_seconds: float = 2.0
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # How long a process may serve a signed-in user's roles and active flag from memory (0: read
    # them on every request): the bound on how long a demoted or deactivated user keeps access.
    user_cache_seconds: float = 30.0
    # Rate limits (app/rate_limits.py; 0 switches one off). Per e-mail or cart, and per client address.
    signin_attempts_per_minute: int = 10
    signin_attempts_per_minute_per_client: int = 30
    registrations_per_hour_per_email: int = 5
    registrations_per_hour_per_client: int = 20
    token_refreshes_per_minute: int = 60
    promo_attempts_per_minute_per_client: int = 20
    promo_attempts_per_minute_per_cart: int = 10
    webhooks_per_minute: int = 600
    # Query cost (schema/cost.py): the most one operation may cost, and how much one client (a user,
    # else an address) may spend per minute (0: no per-client budget).
    max_query_cost: int = 50_000
    client_cost_per_minute: int = 1_000_000
    # Queries (not mutations) running longer are stopped with QUERY_TIMEOUT (0: no limit).
    query_timeout_seconds: float = 15.0
    # Observability (app/observability/). Logs: "auto" is JSON lines on stdout, or a readable
    # console rendering in development when stdout is a terminal; "json" and "console" force one.
    log_format: Literal["auto", "json", "console"] = "auto"
    # /metrics: when set, scrapers must send `Authorization: Bearer <token>`; when unset, only
    # clients on the loopback interface may read it.
    metrics_token: str | None = None
    # OpenTelemetry tracing, off while unset: the OTLP/HTTP collector's base URL (spans go to
    # <url>/v1/traces unless the URL already ends so), e.g. http://127.0.0.1:4318.
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "commerce-graph"
    # Operational checks of the sweep (app/services/exceptions.py): how long an order may stay
    # unshipped after it was placed, a return wait in one status, an approval wait for a decision,
    # and the oldest unpublished outbox event age, before an exception opens.
    fulfillment_sla_hours: float = 48.0
    return_sla_hours: float = 72.0
    approval_sla_hours: float = 24.0
    outbox_lag_alert_seconds: float = 300.0

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if len(value) != 3 or not (value.isascii() and value.isalpha()):
            raise ValueError("COMMERCE_CURRENCY must be an ISO 4217 code such as USD")
        return value.upper()

    @field_validator("signin_attempts_per_minute", "signin_attempts_per_minute_per_client",
                     "registrations_per_hour_per_email", "registrations_per_hour_per_client",
                     "token_refreshes_per_minute", "promo_attempts_per_minute_per_client",
                     "promo_attempts_per_minute_per_cart", "webhooks_per_minute")
    @classmethod
    def _limit_not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("rate limits are 0 (off) or more")
        return value

    @field_validator("metrics_token", "otel_exporter_otlp_endpoint")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip()

    @field_validator("user_cache_seconds")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("COMMERCE_USER_CACHE_SECONDS must be 0 or more")
        return value

    @field_validator("fulfillment_sla_hours", "return_sla_hours", "approval_sla_hours", "outbox_lag_alert_seconds")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError("operational thresholds must be above 0")
        return value

    @field_validator("max_ws_connections_per_user", "max_ws_connections_per_address")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("WebSocket connection caps must be 1 or more")
        return value

    @model_validator(mode="after")
    def _key_policy(self) -> "Settings":
        """Keys kept outside the database: required in production, a development default with a
        warning otherwise."""
        for field, variable, default, use in (
                ("secret_key", "COMMERCE_SECRET_KEY", DEV_SECRET_KEY, "using an insecure development key"),
                ("audit_key", "COMMERCE_AUDIT_KEY", DEV_AUDIT_KEY,
                 "the audit chain is keyed with an insecure development key")):
            if getattr(self, field):
                continue
            if self.env == "production":
                raise ValueError(f"{variable} must be set when COMMERCE_ENV=production")
            warnings.warn(f"{variable} is unset: {use}", UserWarning, stacklevel=2)
            object.__setattr__(self, field, default)
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

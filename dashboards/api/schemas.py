"""The API's request and response bodies: the OpenAPI schema is generated from these."""

from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict


class ErrorBody(Schema):
    code: str = Field(description="Stable: scripts branch on it.")
    message: str
    fields: dict[str, str] | None = Field(None, description="The refused inputs, by name.")


class ErrorOut(Schema):
    error: ErrorBody


class MeOut(Schema):
    username: str
    role: Literal["viewer", "responder", "admin"]
    auth: Literal["session", "token"]


class HostOut(Schema):
    name: str
    status: str
    since: float | None
    labels: dict[str, str]
    duplicate: bool
    info: dict
    enabled: bool


class LabelOut(Schema):
    key: str
    values: list[str]


class SampleOut(Schema):
    host: str
    seq: int
    ts: float
    metrics: dict[str, float | int | str | None]


class SamplesOut(Schema):
    host: str
    samples: list[SampleOut]


class SeriesOut(Schema):
    host: str
    metric: str
    step: float | int = Field(description="Seconds per point.")
    tier: Literal["raw", "1m", "1h"] = Field(
        description="Where the points come from: raw samples, 1-minute or 1-hour rollups."
    )
    points: list[tuple[int | float, int | float, int | float, int | float]] = Field(
        description="[t, min, mean, max] per bucket of `step` s from t, oldest first; a bucket "
        "without data has no point."
    )


class AckOut(Schema):
    by: str
    at: float
    comment: str


class AlertOut(Schema):
    """The alert record of docs/protocol.md, as the socket carries it."""

    id: int
    fingerprint: str
    rule: str
    host: str
    labels: dict[str, str]
    state: Literal["pending", "firing", "resolved", "suppressed"]
    held: str | None
    severity: Literal["warning", "critical"] | None
    value: float | None
    summary: str
    description: str
    started_at: float
    fired_at: float | None
    updated_at: float
    resolved_at: float | None
    ack: AckOut | None
    silenced: bool
    source: Literal["rules", "alertmanager"]
    generator_url: str | None = Field(None, description="Alertmanager's link to its source.")
    version: int


class AlertListOut(Schema):
    count: int = Field(description="How many match, whatever limit and offset say.")
    alerts: list[AlertOut]


class AlertEventOut(Schema):
    id: int
    event: str
    at: float
    state: str
    severity: str | None
    value: float | None
    by: str | None
    comment: str
    detail: dict


class AlertDetailOut(AlertOut):
    top: list
    events: list[AlertEventOut]


class AckIn(Schema):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=500)


class SilenceIn(Schema):
    model_config = ConfigDict(extra="forbid")
    host: str = Field("", max_length=63, description="Empty: any host.")
    rule: str = Field("", max_length=63, description="Empty: any rule.")
    labels: dict[str, str] = Field(default_factory=dict)
    duration_s: int = Field(ge=60, le=30 * 86400, description="From now; 1 minute to 30 days.")
    comment: str = Field("", max_length=500)


class SilenceOut(Schema):
    id: int
    host: str
    rule: str
    labels: dict[str, str]
    starts_at: float
    ends_at: float
    active: bool
    comment: str
    created_by: str | None


class RuleIn(Schema):
    """A rule in its file form (docs/alerts.md); the name comes from the path on PUT."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(max_length=63)
    metric: str = Field(max_length=200)
    hosts: str | list[str] | dict[str, str] = "*"
    op: Literal[">", ">=", "<", "<="] = ">"
    warning: float | None = None
    critical: float | None = None
    pending_for: str = Field("0s", alias="for", max_length=20)
    clear: float | None = None
    nodata: Literal["keep", "alert", "resolve"] = "keep"
    summary: str = Field("", max_length=500)
    description: str = Field("", max_length=500)
    enabled: bool = True


class RuleOut(Schema):
    name: str
    metric: str
    hosts: str | list[str] | dict[str, str]
    op: str
    warning: float | None
    critical: float | None
    pending_for: str = Field(serialization_alias="for")
    clear: float | None
    nodata: str
    summary: str
    description: str
    enabled: bool


class AlertmanagerAlert(Schema):
    """One alert of Alertmanager's webhook payload (version 4)."""

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str
    endsAt: str = ""
    generatorURL: str = ""
    fingerprint: str = ""


class AlertmanagerWebhook(Schema):
    """The body Alertmanager POSTs to a webhook receiver (payload version 4)."""

    version: str = "4"
    groupKey: str = ""
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"] = "firing"
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[AlertmanagerAlert] = Field(max_length=1000)


class AlertmanagerReceipt(Schema):
    received: int
    changed: int = Field(description="How many of our alerts fired, changed or resolved.")

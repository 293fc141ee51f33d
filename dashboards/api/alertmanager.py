"""POST /api/alertmanager/: Alertmanager's webhook receiver (docs/api.md shows its config)."""

from django.http import HttpRequest
from ninja import Router

from dashboards.alerts.alertmanager_in import receive
from dashboards.alerts.mirror import publish_committed, record
from dashboards.api.auth import require_responder
from dashboards.api.schemas import AlertmanagerReceipt, AlertmanagerWebhook, ErrorOut

router = Router(tags=["alertmanager"])


@router.post(
    "/alertmanager/",
    response={200: AlertmanagerReceipt, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    url_name="alertmanager",
)
def alertmanager_webhook(request: HttpRequest, payload: AlertmanagerWebhook):
    """Exactly what Alertmanager sends a webhook receiver (version 4), with a responder's
    token. Each alert pops up on every screen, marked with its source; it clears when
    Alertmanager reports it resolved."""
    require_responder(request)
    changes = receive(payload.model_dump())
    publish_committed([(event, record(alert)) for event, alert in changes])
    return {"received": len(payload.alerts), "changed": len(changes)}


# Alertmanager users write the URL with or without the slash; both work, one is documented.
router.add_api_operation(
    "/alertmanager", ["POST"], alertmanager_webhook,
    response={200: AlertmanagerReceipt, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    include_in_schema=False,
)  # fmt: skip

"""Send the text form by e-mail through Django's mail backend (the EMAIL_* settings); the
Message-ID is made from the idempotency key, so a mail reader shows a redelivery once."""

import smtplib

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from dashboards.notify.fields import ConfigError, known_keys, texts
from dashboards.notify.transports import Message, TransportError

KEYS = {"to"}


def check(data: dict, item: str) -> dict:
    known_keys(data, KEYS, item)
    to = texts(data.get("to"), item, "to")
    for address in to:
        try:
            validate_email(address)
        except Exception:  # ValidationError
            raise ConfigError(item, "to", f"{address!r} is not an e-mail address") from None
    return {"to": to}


def send(settings: dict, message: Message) -> None:
    """Returns None once the SMTP server took it; raises TransportError otherwise."""
    mail = EmailMessage(
        subject=message.title, body=message.body, from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=settings["to"], headers={"Message-ID": f"<{message.key}@live-monitor>"},
        connection=get_connection(fail_silently=False),
    )  # fmt: skip
    try:
        mail.send()
    except smtplib.SMTPResponseException as exc:
        # 5xx is the server's final word (a refused sender or recipient); 4xx is "later".
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        raise TransportError(
            f"SMTP {exc.smtp_code}: {text}"[:500], permanent=exc.smtp_code >= 500
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}"[:500]) from None

"""Send the text form by e-mail through Django's mail backend (the EMAIL_* settings); the
Message-ID is made from the idempotency key, so a mail reader shows a redelivery once."""

import smtplib

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from dashboards.notify.fields import ConfigError, known_keys, texts
from dashboards.notify.transports import Message, TransportError

KEYS = {"to"}
SECRETS = ()


def check(data: dict, item: str) -> dict:
    known_keys(data, KEYS, item)
    to = texts(data.get("to"), item, "to")
    for address in to:
        try:
            validate_email(address)
        except ValidationError:
            raise ConfigError(item, "to", f"{address!r} is not an e-mail address") from None
    return {"to": to}


def timeout_s(settings: dict) -> float:
    """The longest one send may take, in all (delivery.py holds it to that)."""
    return float(django_settings.EMAIL_TIMEOUT)


def _text(smtp_error) -> str:
    return smtp_error.decode(errors="replace") if isinstance(smtp_error, bytes) else ""


def send(settings: dict, message: Message) -> None:
    """Returns None once the SMTP server took it; raises TransportError otherwise, permanent
    when the server's answer is final (5xx)."""
    mail = EmailMessage(
        subject=message.title, body=message.body, from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=settings["to"], headers={"Message-ID": f"<{message.key}@live-monitor>"},
        connection=get_connection(fail_silently=False),
    )  # fmt: skip
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient refused (smtplib raises only then), each with its own answer.
        codes = [code for code, _ in exc.recipients.values()]
        said = "; ".join(f"{to}: {code} {_text(error)}" for to, (code, error) in
                         exc.recipients.items())  # fmt: skip
        raise TransportError(
            f"SMTP refused every recipient: {said}"[:500], permanent=min(codes) >= 500
        ) from None
    except smtplib.SMTPResponseException as exc:
        # 5xx is the server's final word (a refused sender, a refused message); 4xx is "later".
        raise TransportError(
            f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"[:500], permanent=exc.smtp_code >= 500
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}"[:500]) from None

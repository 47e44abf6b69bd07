"""Sending email through any SMTP server named by `MAIL_URL`.

`MAIL_URL` looks like `smtp://user:password@host:587?starttls=true` or
`smtps://user:password@host:465`. Without it, messages are written to the log,
which is what development wants.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached."""


def build_message(
    to: str, subject: str, template: str, headers: dict[str, str] | None = None, **context: object
) -> EmailMessage:
    """Render `mail/<template>.txt` and `.html` into a multipart message."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(render_template(f"mail/{template}.txt", **context))
    msg.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return msg


def send(msg: EmailMessage) -> None:
    """Deliver `msg` through MAIL_URL, or log it when no server is configured; raise MailError."""
    url = current_app.config["MAIL_URL"]
    if not url:
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        log.info("mail to %s: %s\n%s", msg["To"], msg["Subject"], text)
        return
    parts = urlsplit(url)
    options = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    host = parts.hostname or "localhost"
    timeout = 15
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, parts.port or 465, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        with client:
            if options.get("starttls") in {"1", "true", "yes"}:
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send mail to {msg['To']}: {exc}") from exc

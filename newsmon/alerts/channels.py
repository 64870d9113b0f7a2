"""Delivery: e-mail over SMTP (STARTTLS and login when configured, plain text and HTML
parts), webhooks (newsmon's JSON or a Slack/Mattermost payload) and Telegram's sendMessage.
A failure raises DeliveryError with what the other side said."""

from __future__ import annotations

import smtplib
import ssl
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any

import httpx

from newsmon.alerts.config import Channel, Smtp
from newsmon.alerts.messages import Message


class DeliveryError(RuntimeError):
    """The message did not go out; `retry_after` (seconds) when the other side asked."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value and value.strip().isdigit():
        return float(value.strip())
    try:
        params = response.json().get("parameters") or {}     # Telegram: 429 with retry_after
        return float(params["retry_after"]) if "retry_after" in params else None
    except (ValueError, AttributeError, TypeError):
        return None


def post_json(url: str, payload: dict[str, Any], headers: tuple[tuple[str, str], ...] = (),
              key: str = "", timeout: float = 20.0) -> httpx.Response:
    request_headers = {"User-Agent": "newsmon-alerts", "Content-Type": "application/json",
                       **dict(headers)}
    if key:
        request_headers["X-Newsmon-Delivery"] = key     # receivers can drop a repeat
    try:
        response = httpx.post(url, json=payload, headers=request_headers, timeout=timeout,
                              follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"POST {_safe(url)}: {type(exc).__name__}: {exc}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"POST {_safe(url)}: HTTP {response.status_code} "
                            f"{response.text[:200]!r}", _retry_after(response))
    return response


def _safe(url: str) -> str:
    """A URL for logs and the database: Telegram's bot token is a secret."""
    import re
    return re.sub(r"/bot[^/]+/", "/bot<token>/", url)


def email_message(smtp: Smtp, to: tuple[str, ...], message: Message) -> MIMEMultipart:
    """multipart/alternative with a plain-text and an HTML part, UTF-8 throughout. The
    subject is encoded with email.header.Header: the default policy's folding of long
    non-ASCII subjects drops the space between two encoded words on Python 3.11."""
    mail = MIMEMultipart("alternative")
    mail["Subject"] = Header(message.subject, "utf-8")  # type: ignore[assignment]
    mail["From"] = _address(smtp.sender)
    mail["To"] = ", ".join(_address(a) for a in to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=message.delivery_key.replace(":", ".") or None,
                                    domain="newsmon")
    mail["X-Newsmon-Delivery"] = message.delivery_key
    mail.attach(MIMEText(message.text(), "plain", "utf-8"))
    mail.attach(MIMEText(message.html(), "html", "utf-8"))
    return mail


def _address(value: str) -> str:
    """`Name <addr>` with a non-ASCII name encoded."""
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8") if name else address


def send_email(smtp: Smtp, to: tuple[str, ...], message: Message) -> None:
    mail = email_message(smtp, to, message)
    try:
        if smtp.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port,
                                                    timeout=smtp.timeout_s,
                                                    context=_tls(smtp))
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        with client:
            client.ehlo()
            if smtp.starttls and not smtp.ssl:
                client.starttls(context=_tls(smtp))
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, smtp.password() or "")
            refused = client.send_message(mail, parseaddr(smtp.sender)[1], list(to))
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port}: {type(exc).__name__}: "
                            f"{exc}") from None
    if refused:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port} refused {', '.join(refused)}")


def _tls(smtp: Smtp) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=smtp.ca_file)


def deliver(channel: Channel, smtp: Smtp | None, message: Message) -> None:
    """Send one message on its channel, or raise DeliveryError."""
    if channel.kind == "email":
        if smtp is None:
            raise DeliveryError("no smtp: section configured")
        send_email(smtp, channel.to, message)
        return
    assert channel.url is not None
    if channel.kind == "telegram":
        response = post_json(channel.url, message.telegram(channel.chat_id or ""),
                             channel.headers, message.delivery_key)
        try:
            ok = bool(response.json().get("ok"))
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            raise DeliveryError(f"Telegram did not accept the message: {response.text[:200]!r}")
        return
    payload = message.slack() if channel.webhook_format == "slack" else message.as_json()
    post_json(channel.url, payload, channel.headers, message.delivery_key)


def describe(channel: Channel) -> str:
    if channel.kind == "email":
        return "e-mail to " + ", ".join(channel.to)
    return f"{channel.label} {_safe(channel.url or '')}"

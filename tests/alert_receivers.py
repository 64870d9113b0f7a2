"""Local receivers for alert tests: an HTTP receiver (webhooks, Slack, Telegram's Bot API)
that records every request and can fail or stall on demand, and an SMTP server (aiosmtpd)
with STARTTLS and a login, on 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HookServer:
    """POSTs land in `received`. `fail_next` answers that many with `fail_status`;
    `stall_on` (a 1-based request number) holds that request until `release` is set."""

    fail_next: int = 0
    fail_status: int = 500
    retry_after: str | None = None
    stall_on: int | None = None
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> HookServer:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with hook.lock:
                    if hook.fail_next > 0:
                        hook.fail_next -= 1
                        failing = True
                    else:
                        failing = False
                        hook.received.append(Received(self.path, dict(self.headers),
                                                      json.loads(raw or b"null")))
                        number = len(hook.received)
                if failing:
                    self.send_response(hook.fail_status)
                    if hook.retry_after:
                        self.send_header("Retry-After", hook.retry_after)
                    self.end_headers()
                    self.wfile.write(b"receiver down")
                    return
                if hook.stall_on is not None and number == hook.stall_on:
                    hook.stalled.set()
                    hook.release.wait(60)
                answer = b'{"ok": true, "result": {"message_id": 1}}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass                          # the sender was killed while waiting

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and the CA file a client trusts: the same file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp / "smtp-cert.pem", tmp / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class MailServer:
    """aiosmtpd on a free port: STARTTLS required, login required (user / password)."""

    def __init__(self, tmp: Path, user: str = "newsroom", password: str = "s3cret pass") -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.raw: list[bytes] = []
        self.cert, key = self_signed(tmp)
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(self.cert, key)
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                outer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                outer.raw.append(bytes(envelope.original_content or envelope.content))
                outer.messages.append(message_from_bytes(envelope.content,  # type: ignore
                                                         policy=policy.default))
                return "250 OK"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                          auth_data: Any) -> Any:
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
                  and auth_data.password == password.encode())
            return AuthResult(success=ok, handled=False)

        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     tls_context=server_tls, require_starttls=True,
                                     authenticator=authenticator, auth_required=True,
                                     auth_require_tls=True,
                                     # smtplib's LOGIN after a refused PLAIN stalls aiosmtpd
                                     auth_exclude_mechanism=["LOGIN"])
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

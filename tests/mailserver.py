"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the delivery tests: it can ask for
a login, refuse chosen recipients, and answer "try again later" to the first messages."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    refuse: frozenset[str] = frozenset()  # these recipients get 550
    busy: int = 0  # the first this many messages get 451 (try again later)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 try again later"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


class MailServer:
    """`with MailServer(login=("user", "password")) as server:` … `server.handler.received`."""

    def __init__(self, *, login: tuple[str, str] | None = None, refuse: tuple[str, ...] = (), busy: int = 0,
                 starttls: ssl.SSLContext | None = None):
        self.handler = Handler(frozenset(refuse), busy)
        self.port = free_port()
        self._login = login
        kwargs: dict = {"tls_context": starttls, "require_starttls": True} if starttls else {}
        if login:
            # Login without TLS: the tests talk to 127.0.0.1 only.
            kwargs |= {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.handler.logins.append((auth_data.login, auth_data.password))
        user, password = self._login or ("", "")
        # Not handled: aiosmtpd answers a refused login with 535 itself.
        return AuthResult(success=auth_data.login == user.encode() and auth_data.password == password.encode(),
                          handled=False)

    def __enter__(self) -> MailServer:
        with warnings.catch_warnings():  # "AUTH without TLS": on purpose, see above
            warnings.simplefilter("ignore", UserWarning)
            self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def self_signed(folder) -> tuple[ssl.SSLContext, str]:
    """A server TLS context with a new self-signed certificate for 127.0.0.1, and the certificate's file."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, str(cert)

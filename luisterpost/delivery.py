"""Sending written reports by e-mail (docs/operations.md, *Rapporten per e-mail*): the monthly report to
`[delivery] monthly`, each alderman report to its portfolio's addresses in `[delivery.alderman]`.

One message per report: a Dutch text (plain, with a simple HTML alternative) holding the report's three headline
figures as its summary tiles show them and where the HTML report is, and the PDF attached. Sent with the
standard library's smtplib: it attaches files as they are, says which recipient was refused and why, and needs
nothing installed. The password comes from a secret (environment variable or Prefect Secret block) and is only
ever handed to the server's login: it is never in a message, a log line or an error."""

from __future__ import annotations

import html
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any

from .config import Config, Smtp
from .errors import UserError
from .report.context import _period_name
from .report.formatting import Formatter
from .report.render import RenderedReport, labels

if TYPE_CHECKING:
    from .report.data import ReportData
    from .sources.base import SecretLookup


@dataclass(frozen=True)
class Headline:
    """The report's three headline figures in Dutch formats, as its summary tiles show them."""

    mentions: str
    net_sentiment: str
    response_rate: str


def headline(metrics: dict[str, Any]) -> Headline:
    """The headline figures of a metrics result: mentions, net sentiment and response rate ('–' where the
    report shows none: a response rate that cannot be measured)."""
    fmt = Formatter("nl")
    response = metrics["response"]
    return Headline(fmt.number(metrics["mentions"]), fmt.signed(metrics["net_sentiment"]),
                    "–" if response["reason"] else fmt.percent(response["rate"]))


@dataclass(frozen=True)
class Letter:
    """One report's mail: its recipients and the message (the PDF attached)."""

    report: str  # the PDF's file name: what the outcome and the messages name
    recipients: tuple[str, ...]
    message: EmailMessage


@dataclass(frozen=True)
class Outcome:
    """What sending one report's mail did: `sent` to these recipients, `failed` for these, and why."""

    report: str
    sent: tuple[str, ...]
    failed: tuple[str, ...]
    attempts: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def row(self) -> dict[str, str | int]:
        """One row of the run's delivery table."""
        return {"report": self.report, "sent to": ", ".join(self.sent), "failed for": ", ".join(self.failed),
                "attempts": self.attempts, "error": self.error or ""}


def recipients_of(config: Config, kind: str, theme: str | None) -> tuple[str, ...]:
    """Who receives a report of `kind` (for an alderman report: on the portfolio `theme`)."""
    if kind == "alderman":
        return tuple(config.delivery.alderman.get(theme or "", ()))
    return tuple(config.delivery.monthly) if kind == "monthly" else ()


def subject(config: Config, rendered: RenderedReport, kind: str) -> str:
    """'Maandrapportage online luisteren – oktober 2026 – Lindeveen' (for an alderman report the title names
    the portfolio)."""
    t = labels()["nl"]
    data = _data(rendered)
    if kind == "alderman":
        title = f"{t['title_alderman']} {data.filters.theme}"
    else:
        title = t["title"] if data.period.is_month else t["title_period"]
    return f"{title} – {_period_name(Formatter('nl'), data.period)} – {config.municipality.name}"


def _data(rendered: RenderedReport) -> ReportData:
    if rendered.data is None or rendered.pdf is None:
        raise UserError("a report is sent as PDF: write it with the pdf format to send it")
    return rendered.data


def letter(config: Config, rendered: RenderedReport, kind: str, recipients: tuple[str, ...]) -> Letter:
    """The mail that delivers one written report to `recipients`: Dutch text with the headline figures and the
    HTML report's location, a simple HTML alternative, and the PDF attached as written."""
    data = _data(rendered)
    figures = headline(data.metrics)
    title = subject(config, rendered, kind)
    where = str(rendered.html.resolve()) if rendered.html else None  # a relative --out means nothing to them
    t = labels()["nl"]  # the figures under the names the report's tiles give them
    lines = [
        "Goedendag,",
        "",
        f"Hierbij de {title.split(' – ')[0].lower()} van gemeente {config.municipality.name} over "
        f"{_period_name(Formatter('nl'), data.period)}. Het rapport zit als PDF in de bijlage.",
        "",
        "De kerncijfers:",
        f"- {t['mentions']}: {figures.mentions}",
        f"- {t['net_sentiment']}: {figures.net_sentiment}",
        f"- {t['response_rate']}: {figures.response_rate}",
        "",
        *([f"Het interactieve rapport (HTML) staat op: {where}", ""] if where else []),
        "Dit bericht is automatisch verstuurd door Luisterpost.",
    ]
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = config.delivery.smtp.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=(config.delivery.smtp.sender or "luisterpost").rpartition("@")[2])
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(_html_body(lines), subtype="html")
    message.add_attachment(rendered.pdf.read_bytes(), maintype="application", subtype="pdf",
                           filename=rendered.pdf.name)
    return Letter(rendered.pdf.name, recipients, message)


def _html_body(lines: list[str]) -> str:
    """The plain text as a simple HTML page: paragraphs, and the figures as a list."""
    parts, items = [], []
    for line in lines:
        if line.startswith("- "):
            items.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line:
            parts.append(f"<p>{html.escape(line)}</p>")
    return '<!DOCTYPE html>\n<html lang="nl"><body>' + "\n".join(parts) + "</body></html>\n"


def letters(config: Config, kind: str, written: list[RenderedReport]) -> list[Letter]:
    """The mails for the written reports of `kind`; a report nobody is to receive gets none."""
    found = []
    for rendered in written:
        to = recipients_of(config, kind, _data(rendered).filters.theme)
        if to:
            found.append(letter(config, rendered, kind, to))
    return found


def smtp_password(settings: Smtp, lookup: SecretLookup | None = None) -> str | None:
    """The login password from the secret `password_secret`, or None when the server takes no login.
    UserError saying where to put it when it is not set."""
    from .sources.secrets import env_name, read_secret  # here: the sources package is large

    if not settings.username:
        return None
    value = read_secret(settings.password_secret, lookup)
    if value is None:
        raise UserError(f"[delivery.smtp]: password_secret: the secret '{settings.password_secret}' is not set: set "
                        f"the environment variable {env_name(settings.password_secret or '')} or create a Prefect "
                        f"Secret block named '{settings.password_secret}'")
    return value


class _Transient(Exception):
    """A failure worth trying again: the server is not there, or says "try again later"."""


def _send_once(settings: Smtp, password: str | None, letter: Letter) -> dict[str, tuple[int, bytes]]:
    """Connect, log in when asked and send; return the recipients the server refused (the others have it)."""
    host, port, timeout = settings.host or "", settings.port_number, settings.timeout_seconds
    context = ssl.create_default_context()
    if settings.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if settings.security == "starttls":
            server.starttls(context=context)
        if settings.username:
            server.login(settings.username, password or "")
        return server.send_message(letter.message, to_addrs=list(letter.recipients))


def _reason(settings: Smtp, exc: BaseException) -> tuple[str, bool]:
    """What went wrong in words, and whether trying again may help."""
    where = f"{settings.host}:{settings.port_number}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"the mail server {where} refused the login of '{settings.username}' ({exc.smtp_code} "
                f"{_text(exc.smtp_error)}): check [delivery.smtp] username and the secret "
                f"'{settings.password_secret}'"), False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address}: {code} {_text(text)}" for address, (code, text) in exc.recipients.items())
        return f"the mail server {where} refused every recipient ({refused})", all(
            400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"the mail server {where} does not offer STARTTLS: set [delivery.smtp] security", False
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the mail server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}", 400 <= exc.smtp_code < 500
    if isinstance(exc, ssl.SSLError):
        return f"no secure connection with the mail server {where}: {exc.reason or exc}", False
    if isinstance(exc, socket.gaierror):
        return f"the mail server's name {settings.host!r} is not known ({exc.strerror})", False
    if isinstance(exc, ConnectionRefusedError):
        return f"the mail server {where} refused the connection (is it running, is the port right?)", True
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"the mail server {where} did not answer within {settings.timeout_seconds:g} s", True
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the mail server {where} closed the connection: {exc}", True
    return f"sending through {where} failed: {exc.__class__.__name__}: {exc}", True


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


def send(settings: Smtp, password: str | None, letter: Letter, *,
         sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """Send one report's mail; transient failures (connection refused, timeouts, 4xx answers) are tried
    `attempts` times in all, waiting retry_seconds, 2× that, … in between. Never raises for a failed delivery:
    the outcome says who did not get it and why."""
    for attempt in range(1, settings.attempts + 1):
        try:
            refused = _send_once(settings, password, letter)
        except (OSError, smtplib.SMTPException) as exc:  # SMTPException is an OSError; named for the reader
            reason, transient = _reason(settings, exc)
            if transient and attempt < settings.attempts:
                sleep(settings.retry_seconds * 2 ** (attempt - 1))
                continue
            tried = f" (after {attempt} attempts)" if attempt > 1 else ""
            return Outcome(letter.report, (), letter.recipients, attempt, reason + tried)
        if refused:
            reason = "; ".join(f"{address}: {code} {_text(text)}" for address, (code, text) in refused.items())
            sent = tuple(r for r in letter.recipients if r not in refused)
            return Outcome(letter.report, sent, tuple(refused), attempt, f"recipient refused ({reason})")
        return Outcome(letter.report, letter.recipients, (), attempt)
    raise AssertionError("unreachable: the last attempt returns")


def deliver(config: Config, kind: str, written: list[RenderedReport], lookup: SecretLookup | None = None, *,
            sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Send each written report of `kind` to its recipients; return one outcome per mail sent (none when no
    report has recipients). UserError when a mail cannot even be tried (no PDF, the password secret not set)."""
    mails = letters(config, kind, written)
    if not mails:
        return []
    password = smtp_password(config.delivery.smtp, lookup)
    return [send(config.delivery.smtp, password, mail, sleep=sleep) for mail in mails]


def failure_message(outcomes: list[Outcome]) -> str | None:
    """One line per report that did not reach everyone (recipients and reason), or None when all arrived."""
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return None
    return "\n".join(f"{o.report} not delivered to {', '.join(o.failed)}: {o.error}" for o in failed)

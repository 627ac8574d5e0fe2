"""Reports by e-mail: the [delivery] settings, the mail (recipients, subject, the PDF as written, the headline
figures as the report shows them, no secret anywhere) sent to a real SMTP server on 127.0.0.1, and what a failed
delivery does (tried again when it may pass; named with its reason when it does not; the flow ends Failed)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from luisterpost.config import load_config
from luisterpost.delivery import deliver, failure_message, headline
from luisterpost.enrich.run import enrich_pending, matcher_for
from luisterpost.errors import UserError
from luisterpost.harvest import harvest_source
from luisterpost.metrics.compute import Filters
from luisterpost.metrics.period import Period
from luisterpost.report.render import render_report
from luisterpost.sources import build_source
from luisterpost.store import open_db

from .conftest import ACCOUNTS
from .mailserver import MailServer, free_port, self_signed
from .test_flows import prefect_home  # noqa: F401 - the flows' Prefect home, as a fixture

PASSWORD = "zeer-geheim-wachtwoord-42"
SECRET_ENV = "LINDEVEEN_SMTP"  # the environment variable of the secret 'lindeveen-smtp'
MONTHLY = ["bestuur@lindeveen.nl", "communicatie@lindeveen.nl"]
VERKEER = ["wethouder.verkeer@lindeveen.nl"]
AFVAL = ["wethouder.afval@lindeveen.nl", "secretariaat@lindeveen.nl"]


def config_text(database: Path, port: int, *, security: str = "none", delivery: str | None = None) -> str:
    """A municipality with three portfolios (two with recipients), the demo source and a mail server on `port`."""
    if delivery is None:
        delivery = f"""
            [delivery]
            monthly = {MONTHLY}

            [delivery.alderman]
            verkeer = {VERKEER}
            afval = {AFVAL}
        """
    return ACCOUNTS + textwrap.dedent(f"""
        [municipality]
        name = "Lindeveen"

        [storage]
        database = "{database.as_posix()}"

        [terms]
        woonkernen = ["Oosterbroek", "Heikamp"]

        [terms.portfolios]
        verkeer = ["verkeer", "weg", "fietspad", "rotonde"]
        afval = ["afval", "container", "grofvuil"]
        wonen = ["woning", "nieuwbouw"]

        [[sources]]
        kind = "demo"
        months = 1
        until = 2026-10-31
    """) + textwrap.dedent(delivery) + textwrap.dedent(f"""
        [delivery.smtp]
        host = "127.0.0.1"
        port = {port}
        security = "{security}"
        username = "luisterpost"
        password_secret = "lindeveen-smtp"
        from = "luisterpost@lindeveen.nl"
        attempts = 3
        retry_seconds = 0
        timeout_seconds = 5
    """)


def write(folder: Path, text: str, name: str = "gemeente.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def smtp_password(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, PASSWORD)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """October 2026 of the demo municipality harvested and enriched into a database file, and its monthly report
    and the alderman report on 'verkeer' and 'afval' written (HTML and PDF); the file is closed again."""
    folder = tmp_path_factory.mktemp("delivery")
    database = folder / "lindeveen.duckdb"
    config = load_config(write(folder, config_text(database, free_port())))
    con = open_db(database)
    harvest_source(con, build_source(config, config.sources[0], now=datetime(2026, 11, 1, 3, tzinfo=UTC)))
    enrich_pending(con, matcher_for(config))
    period = Period.month(2026, 10, config.municipality.tz)
    out = folder / "out"
    monthly = render_report(con, config, period, out)
    aldermen = [report for theme in ("verkeer", "afval")
                for report in render_report(con, config, period, out, kind="alderman", filters=Filters(theme=theme))]
    con.close()
    return folder, database, monthly, aldermen


def sending_config(written, port: int, **changes) -> object:
    folder, database, *_ = written
    return load_config(write(folder, config_text(database, port, **changes), name=f"mail-{port}.toml"))


def tile_values(html: str) -> dict[str, str]:
    """The summary tiles of a written HTML report: label → value."""
    return dict(re.findall(r'<div class="tile-label">([^<]*)</div>\s*<div class="tile-value">([^<]*)</div>', html))


# --- the settings -------------------------------------------------------------------------------------------

def test_delivery_settings_load_with_the_port_of_the_security_asked_for(tmp_path):
    config = load_config(write(tmp_path, config_text(tmp_path / "db.duckdb", 2525)))
    assert config.delivery.monthly == MONTHLY
    assert config.delivery.alderman == {"verkeer": VERKEER, "afval": AFVAL}
    smtp = config.delivery.smtp
    assert (smtp.host, smtp.port_number, smtp.sender, smtp.username) == (
        "127.0.0.1", 2525, "luisterpost@lindeveen.nl", "luisterpost")
    assert smtp.model_copy(update={"port": None, "security": "ssl"}).port_number == 465
    assert smtp.model_copy(update={"port": None, "security": "starttls"}).port_number == 587


@pytest.mark.parametrize(("change", "message"), [
    ('[delivery]\nmonthly = ["bestuur@lindeveen.nl", "bestuur lindeveen.nl"]\n',
     "delivery.monthly[1]: 'bestuur lindeveen.nl' is not an e-mail address like 'naam@gemeente.nl'"),
    ('[delivery]\nmonthly = ["Bestuur <bestuur@lindeveen>"]\n',
     "delivery.monthly[0]: 'Bestuur <bestuur@lindeveen>' is not an e-mail address"),
    ('[delivery.alderman]\nverkeer = ["wethouder@lindeveen"]\n',
     "delivery.alderman.verkeer[0]: 'wethouder@lindeveen' is not an e-mail address"),
    ('[delivery.alderman]\nsport = ["wethouder@lindeveen.nl"]\n',
     "delivery.alderman.sport: not a portfolio in [terms.portfolios] (known: verkeer, afval, wonen)"),
    ('[delivery]\nmonthly = ["bestuur@lindeveen.nl"]\n',
     "delivery: smtp.host is required to send reports to the recipients: add [delivery.smtp] host"),
])
def test_a_mistake_in_delivery_names_the_key(tmp_path, change, message):
    text = config_text(tmp_path / "db.duckdb", 25, delivery=change)
    if "smtp.host" in message:
        text = text.split("[delivery.smtp]")[0]  # recipients, but no mail server
    with pytest.raises(UserError) as error:
        load_config(write(tmp_path, text))
    assert f"gemeente.toml: {message}" in str(error.value)


@pytest.mark.parametrize(("smtp", "message"), [
    ('[delivery.smtp]\nhost = "mail.lindeveen.nl"\nfrom = "luisterpost@lindeveen.nl"\nusername = "lp"\n',
     "delivery.smtp: username is set but password_secret is not"),
    ('[delivery.smtp]\nhost = "mail.lindeveen.nl"\nfrom = "luisterpost@lindeveen.nl"\npassword = "geheim"\n',
     "delivery.smtp.password: unknown key (check the spelling)"),
    ('[delivery.smtp]\nhost = "mail.lindeveen.nl"\nfrom = "luisterpost@lindeveen.nl"\nsecurity = "tls"\n',
     "delivery.smtp.security: Input should be 'starttls', 'ssl' or 'none'"),
    ('[delivery.smtp]\nhost = "mail.lindeveen.nl"\nfrom = "luisterpost"\n',
     "delivery.smtp.from: 'luisterpost' is not an e-mail address"),
])
def test_a_mistake_in_the_smtp_settings_names_the_key(tmp_path, smtp, message):
    text = config_text(tmp_path / "db.duckdb", 25).split("[delivery.smtp]")[0] + smtp
    with pytest.raises(UserError) as error:
        load_config(write(tmp_path, text))
    assert message in str(error.value)


@pytest.mark.parametrize(("metrics", "expected"), [
    ({"mentions": 3030, "net_sentiment": -0.054, "response": {"reason": None, "rate": 0.7834}},
     ("3.030", "−0,05", "78%")),
    ({"mentions": 7, "net_sentiment": 0.1, "response": {"reason": None, "rate": 1.0}}, ("7", "+0,10", "100%")),
    # No thread information: the rate is not measured, as the tile shows it; no posts: no net sentiment.
    ({"mentions": 0, "net_sentiment": None, "response": {"reason": "no threads", "rate": None}}, ("0", "–", "–")),
])
def test_the_headline_figures_in_dutch_formats(metrics, expected):
    figures = headline(metrics)
    assert (figures.mentions, figures.net_sentiment, figures.response_rate) == expected


# --- the mail ------------------------------------------------------------------------------------------------

def test_the_monthly_report_arrives_with_its_pdf_figures_and_html_location(written, caplog):
    caplog.set_level(logging.DEBUG)
    _, _, monthly, _ = written
    with MailServer(login=("luisterpost", PASSWORD)) as server:
        outcomes = deliver(sending_config(written, server.port), "monthly", monthly)
    assert [(o.sent, o.failed, o.error) for o in outcomes] == [(tuple(MONTHLY), (), None)]
    [mail] = server.handler.received
    assert server.handler.logins == [(b"luisterpost", PASSWORD.encode())]
    assert mail.sender == "luisterpost@lindeveen.nl" and mail.recipients == MONTHLY
    message = mail.message
    assert message["Subject"] == "Maandrapportage online luisteren – oktober 2026 – Lindeveen"
    assert message["To"] == ", ".join(MONTHLY)
    [attachment] = list(message.iter_attachments())
    report = monthly[0]
    assert attachment.get_filename() == report.pdf.name
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == report.pdf.read_bytes()
    # The three headline figures as the report's summary tiles show them, in Dutch formats.
    tiles = tile_values(report.html.read_text(encoding="utf-8"))
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    for label in ("Vermeldingen", "Net sentiment", "Reactiepercentage"):
        assert f"{label}: {tiles[label]}" in text and f"<li>{label}: {tiles[label]}</li>" in page
    figures = headline(report.data.metrics)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", figures.mentions)  # Dutch thousands separator
    assert re.fullmatch(r"[+−]\d+,\d\d", figures.net_sentiment)
    assert re.fullmatch(r"\d+%", figures.response_rate)
    assert f"Het interactieve rapport (HTML) staat op: {report.html}" in text
    # The password went to the login only: not in the mail, not in any log line.
    assert PASSWORD.encode() not in mail.raw
    assert PASSWORD not in caplog.text


def test_each_alderman_report_goes_to_its_portfolios_recipients_only(written):
    _, _, _, aldermen = written
    with MailServer(login=("luisterpost", PASSWORD)) as server:
        outcomes = deliver(sending_config(written, server.port), "alderman", aldermen)
    assert [o.ok for o in outcomes] == [True, True]
    by_subject = {m.message["Subject"]: m for m in server.handler.received}
    assert set(by_subject) == {"Portefeuille-rapportage verkeer – oktober 2026 – Lindeveen",
                               "Portefeuille-rapportage afval – oktober 2026 – Lindeveen"}
    verkeer = by_subject["Portefeuille-rapportage verkeer – oktober 2026 – Lindeveen"]
    afval = by_subject["Portefeuille-rapportage afval – oktober 2026 – Lindeveen"]
    assert verkeer.recipients == VERKEER and afval.recipients == AFVAL
    [attachment] = list(verkeer.message.iter_attachments())
    assert attachment.get_content() == aldermen[0].pdf.read_bytes() and "verkeer" in aldermen[0].pdf.name
    # An alderman report's headline figures are its portfolio's, as its own tiles show them.
    tiles = tile_values(aldermen[1].html.read_text(encoding="utf-8"))
    assert f"Vermeldingen: {tiles['Vermeldingen']}" in afval.message.get_body(("plain",)).get_content()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")
def test_starttls_checks_the_servers_certificate(written, tmp_path, monkeypatch):
    _, _, monthly, _ = written
    context, certificate = self_signed(tmp_path)
    with MailServer(login=("luisterpost", PASSWORD), starttls=context) as server:
        config = sending_config(written, server.port, security="starttls")
        # A certificate no authority of the system vouches for: no mail, not tried again.
        [untrusted] = deliver(config, "monthly", monthly)
        assert untrusted.failed == tuple(MONTHLY) and untrusted.attempts == 1
        assert untrusted.error.startswith(f"no secure connection with the mail server 127.0.0.1:{server.port}: "
                                          "CERTIFICATE_VERIFY_FAILED")
        assert server.handler.received == []
        monkeypatch.setenv("SSL_CERT_FILE", certificate)  # the system's authorities: this one
        [trusted] = deliver(config, "monthly", monthly)
    assert trusted.ok and [m.recipients for m in server.handler.received] == [MONTHLY]


def test_a_wrong_password_is_named_as_a_refused_login_without_the_password(written):
    _, _, monthly, _ = written
    with MailServer(login=("luisterpost", "een ander wachtwoord")) as server:
        [outcome] = deliver(sending_config(written, server.port), "monthly", monthly)
    assert server.handler.received == []
    assert outcome.failed == tuple(MONTHLY) and outcome.attempts == 1  # a refused login is not tried again
    assert outcome.error.startswith(f"the mail server 127.0.0.1:{server.port} refused the login of 'luisterpost' (535")
    assert "check [delivery.smtp] username and the secret 'lindeveen-smtp'" in outcome.error
    message = failure_message([outcome])
    assert message.startswith(f"{monthly[0].pdf.name} not delivered to bestuur@lindeveen.nl, communicatie@lindeveen.nl:")
    assert PASSWORD not in message


def test_a_refused_recipient_is_named_and_the_others_get_the_mail(written):
    _, _, monthly, _ = written
    with MailServer(login=("luisterpost", PASSWORD), refuse=("communicatie@lindeveen.nl",)) as server:
        [outcome] = deliver(sending_config(written, server.port), "monthly", monthly)
    assert [m.recipients for m in server.handler.received] == [["bestuur@lindeveen.nl"]]
    assert outcome.sent == ("bestuur@lindeveen.nl",) and outcome.failed == ("communicatie@lindeveen.nl",)
    assert outcome.error == "recipient refused (communicatie@lindeveen.nl: 550 5.1.1 mailbox unavailable)"


def test_try_again_later_is_tried_again_with_growing_waits(written):
    _, _, monthly, _ = written
    waits = []
    with MailServer(login=("luisterpost", PASSWORD), busy=2) as server:
        config = sending_config(written, server.port)
        smtp = config.delivery.smtp.model_copy(update={"retry_seconds": 1.5})
        config = config.model_copy(update={"delivery": config.delivery.model_copy(update={"smtp": smtp})})
        [outcome] = deliver(config, "monthly", monthly, sleep=waits.append)
    assert outcome.ok and outcome.attempts == 3 and waits == [1.5, 3.0]
    assert len(server.handler.received) == 1


def test_a_server_that_is_not_there_is_tried_then_named(written):
    _, _, monthly, _ = written
    port = free_port()  # nothing listens here
    waits = []
    [outcome] = deliver(sending_config(written, port), "monthly", monthly, sleep=waits.append)
    assert outcome.failed == tuple(MONTHLY) and outcome.attempts == 3 and len(waits) == 2
    assert outcome.error == (f"the mail server 127.0.0.1:{port} refused the connection (is it running, is the port "
                             "right?) (after 3 attempts)")


def test_a_password_secret_that_is_not_set_says_where_to_put_it(written, monkeypatch):
    _, _, monthly, _ = written
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(UserError) as error:
        deliver(sending_config(written, free_port()), "monthly", monthly, lambda name: None)
    assert str(error.value) == ("[delivery.smtp]: password_secret: the secret 'lindeveen-smtp' is not set: set the "
                                "environment variable LINDEVEEN_SMTP or create a Prefect Secret block named "
                                "'lindeveen-smtp'")


def test_a_report_nobody_is_to_receive_sends_nothing(written):
    _, _, monthly, aldermen = written
    config = sending_config(written, free_port(), delivery='[delivery.alderman]\nwonen = ["wonen@lindeveen.nl"]\n')
    assert deliver(config, "monthly", monthly) == [] and deliver(config, "alderman", aldermen) == []


# --- the flow and the command line -----------------------------------------------------------------------------

def run_log(state) -> str:
    """The log lines the flow run sent to the Prefect server."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)  # the lines still on their way to the server
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(
            any_=[state.state_details.flow_run_id])))
    return "\n".join(log.message for log in logs)


@pytest.mark.slow
def test_the_monthly_flow_sends_the_monthly_and_alderman_reports(written, prefect_home):
    from prefect.artifacts import Artifact

    from flows.monthly_report import monthly_report

    folder = written[0]
    with MailServer(login=("luisterpost", PASSWORD)) as server:
        config = sending_config(written, server.port)
        state = monthly_report(config_path=str(folder / f"mail-{server.port}.toml"), month="2026-10",
                               out_dir=str(folder / "flow-out"), return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    by_recipients = {tuple(m.recipients): m.message for m in server.handler.received}
    assert set(by_recipients) == {tuple(MONTHLY), tuple(VERKEER), tuple(AFVAL)}  # 'wonen' has no recipients
    assert by_recipients[tuple(MONTHLY)]["Subject"] == "Maandrapportage online luisteren – oktober 2026 – Lindeveen"
    assert by_recipients[tuple(VERKEER)]["Subject"].startswith("Portefeuille-rapportage verkeer –")
    [pdf] = list(by_recipients[tuple(AFVAL)].iter_attachments())
    assert pdf.get_content() == Path(summary["alderman"][1]["pdf"]).read_bytes()
    assert [row["sent to"] for row in summary["deliveries"]] == [", ".join(MONTHLY), ", ".join(VERKEER),
                                                                 ", ".join(AFVAL)]
    artifact = Artifact.get(f"delivery-{config.municipality.slug}")
    assert artifact is not None and "wethouder.verkeer@lindeveen.nl" in str(artifact.data)
    # The run's log says who got what, and never the password.
    logged = run_log(state)
    assert f"sent to {', '.join(VERKEER)}" in logged and PASSWORD not in logged


@pytest.mark.slow
def test_a_mail_server_that_is_down_ends_the_flow_failed_with_the_reports_written(written, prefect_home):
    from flows.monthly_report import monthly_report

    folder, database, *_ = written
    port = free_port()  # nothing listens here
    path = write(folder, config_text(database, port, delivery=f"[delivery]\nmonthly = {MONTHLY}\n"), "down.toml")
    state = monthly_report(config_path=str(path), month="2026-10", out_dir=str(folder / "down-out"),
                           formats=["pdf"], return_state=True)
    assert state.is_failed()
    assert state.message == (f"luisterpost-lindeveen-2026-10-nl.pdf not delivered to {', '.join(MONTHLY)}: the mail "
                             f"server 127.0.0.1:{port} refused the connection (is it running, is the port right?) "
                             "(after 3 attempts)")
    summary = state.result(raise_on_failure=False)
    assert Path(summary["pdf"]).stat().st_size > 10_000  # the report stays written
    assert summary["deliveries"][0]["failed for"] == ", ".join(MONTHLY)


@pytest.mark.slow
def test_a_password_secret_that_is_not_set_ends_the_flow_failed_saying_where_to_put_it(written, prefect_home,
                                                                                      monkeypatch):
    from flows.monthly_report import monthly_report

    folder, database, *_ = written
    monkeypatch.delenv(SECRET_ENV)
    path = write(folder, config_text(database, free_port(), delivery=f"[delivery]\nmonthly = {MONTHLY}\n"),
                 "no-secret.toml")
    state = monthly_report(config_path=str(path), month="2026-10", out_dir=str(folder / "no-secret-out"),
                           formats=["pdf"], return_state=True)
    assert state.is_failed()
    assert state.message.startswith("[delivery.smtp]: password_secret: the secret 'lindeveen-smtp' is not set")
    assert Path(state.result(raise_on_failure=False)["pdf"]).exists()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, SECRET_ENV: PASSWORD}
    return subprocess.run([sys.executable, "-m", "luisterpost", *args], capture_output=True, text=True, env=env,
                          timeout=600)


@pytest.mark.slow
def test_report_send_mails_an_alderman_report_and_names_a_refused_recipient(written):
    folder = written[0]
    with MailServer(login=("luisterpost", PASSWORD), refuse=("secretariaat@lindeveen.nl",)) as server:
        sending_config(written, server.port)
        result = run_cli("--config", str(folder / f"mail-{server.port}.toml"), "report", "--month", "2026-10",
                         "--kind", "alderman", "--theme", "afval", "--out", str(folder / "cli-out"), "--send")
    assert result.returncode == 1, result.stderr
    pdf = folder / "cli-out" / "luisterpost-lindeveen-alderman-afval-2026-10-nl.pdf"
    assert f"{pdf.name} sent to wethouder.afval@lindeveen.nl" in result.stdout and pdf.exists()
    assert (f"not delivered: {pdf.name} not delivered to secretariaat@lindeveen.nl: recipient refused "
            "(secretariaat@lindeveen.nl: 550 5.1.1 mailbox unavailable)") in result.stderr
    assert [m.recipients for m in server.handler.received] == [["wethouder.afval@lindeveen.nl"]]
    assert PASSWORD not in result.stdout + result.stderr


def test_report_send_refuses_before_rendering_without_a_pdf_or_recipients(written):
    folder = written[0]
    path = sending_config(written, free_port())
    config_file = folder / f"mail-{path.delivery.smtp.port}.toml"
    no_pdf = run_cli("--config", str(config_file), "report", "--month", "2026-10", "--format", "html", "--send")
    assert no_pdf.returncode == 2 and "--send: the report is sent as PDF; add pdf to --format" in no_pdf.stderr
    nobody = run_cli("--config", str(config_file), "report", "--month", "2026-10", "--kind", "alderman",
                     "--theme", "wonen", "--send")
    assert nobody.returncode == 2
    assert "--send: no recipients for this alderman report: add them to [delivery.alderman]" in nobody.stderr

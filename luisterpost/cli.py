"""The `luisterpost` command line."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from .config import CONFIG_ENV, Config, load_config
from .errors import UserError
from .paths import resource_dir

if TYPE_CHECKING:
    import duckdb

    from .enrich.run import Scorer
    from .metrics.compute import Filters
    from .store.access import SharedFile

app = typer.Typer(
    help="Luisterpost: hear what residents say about their municipality online, and report on it monthly.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
# Soft wrap: a line a user may grep or copy (file:line: reason) is never broken by the terminal width.
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
if not out.is_terminal:
    # Written to a file or a pipe: wide enough that tables keep every cell whole (the default is 80 columns).
    out.width = 200

ConfigOption = Annotated[Optional[Path], typer.Option("--config", "-c", envvar=CONFIG_ENV,
                                                      help="The municipality's TOML config file.")]


def _prefect_environment() -> None:
    """Run Prefect offline and self-contained: its state in ./.prefect, no telemetry."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # the flows' log lines are the progress shown
    # A cold start (new PREFECT_HOME, database migrations) on a busy 2-core machine can pass 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _print_version(value: bool) -> None:
    if value:
        from . import __version__

        out.print(f"luisterpost {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(ctx: typer.Context, config: ConfigOption = None,
                 version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                                       help="Print the version and stop.")] = False) -> None:
    """Luisterpost: hear what residents say about their municipality online, and report on it monthly."""
    ctx.obj = config


def _config(ctx: typer.Context) -> Config:
    return load_config(ctx.obj)


def _prefect_secret(name: str) -> str | None:
    """A Prefect Secret block's value; Prefect is loaded only when a secret is not in the environment."""
    _prefect_environment()
    from flows.runtime import prefect_secret

    return prefect_secret(name)


def _open(ctx: typer.Context, config: Config, *, write: bool = False) -> duckdb.DuckDBPyConnection:
    """The municipality's database for this command, with its encryption key when the config asks for one:
    read-only unless `write` (other commands may read at the same time), closed when the command ends. While a
    harvest or another command holds the file, it waits its turn (at most `[storage] wait_seconds`) and says so."""
    shared = _shared(config)
    if write and shared.path.exists():
        # Read in full first (seconds on a large file): nothing is written into a damaged file. A command that
        # only reads is told when it reads a damaged block (failures.explain); what it reads intact is right.
        _refuse_damaged(shared)
    con = shared.connect(read_only=not write)
    ctx.call_on_close(con.close)
    return con


def _shared(config: Config) -> SharedFile:
    """The municipality's database file as this command shares it with other processes."""
    from .store.access import SharedFile, database_opener
    from .store.encryption import database_key

    path = config.database_path
    _opened.append(path)
    return SharedFile(path, database_opener(path, database_key(config, _prefect_secret)),
                      wait=config.storage.wait_seconds, on_wait=_say_waiting)


# The databases this run opened: named in the message when DuckDB's own error names no file.
_opened: list[Path] = []


def _refuse_damaged(shared: SharedFile, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """UserError when a block of the existing database file does not read back (a checksum that does not
    match), read through `con` or a read-only connection of its own: a command that writes stops before it
    writes anything into a damaged file, one that reads says so whatever part it reads."""
    from .store.integrity import damage

    own = con is None
    con = shared.connect(read_only=True) if con is None else con
    try:
        found = damage(con)
    finally:
        if own:
            con.close()
    if found:
        raise UserError(f"{shared.path}: the database file is damaged ({found}): restore it from the last backup "
                        "(docs/operations.md, Controle); nothing was written to it")


def _say_waiting(message: str) -> None:
    """Tell the user, once, that the command waits for the database."""
    console.print(f"[yellow]{escape(message)}[/]", highlight=False)


def _config_path(ctx: typer.Context) -> str:
    path = ctx.obj or os.environ.get(CONFIG_ENV)
    if not path:
        raise UserError(f"no config given: pass --config FILE or set {CONFIG_ENV}")
    return str(Path(path).resolve())


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A Mentions JSONL v1 or CSV file.")],
    format: Annotated[Optional[str], typer.Option("--format", help="jsonl or csv (default: from the extension).")] = None,
    encoding: Annotated[Optional[str], typer.Option(
        "--encoding", help="The file's text encoding, e.g. cp1252 (default: detected; see docs/mentions-jsonl.md).")] = None,
) -> None:
    """Import mentions from a file, then enrich them; bad rows are reported as file:line and skipped."""
    from .enrich.run import enrich_pending, matcher_for, scorer_for
    from .importer import ImportStopped, import_file
    from .store.suppression import suppressor_of

    config = _config(ctx)
    con = _open(ctx, config, write=True)

    def skipped(problems: list[str], count: int) -> None:
        for problem in problems[:50]:
            console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False, markup=True)
        if count > 50:
            console.print(f"… and {count - 50:,} more skipped rows")

    def enrich() -> None:
        # Metrics and reports read enrichments: what was imported counts there straight away, not after a harvest.
        enriched = enrich_pending(con, matcher_for(config), scorer_for(config))
        out.print(f"{enriched:,} mentions enriched", highlight=False)

    try:
        result = import_file(con, file, format, encoding=encoding, suppressor=suppressor_of(config, con))
    except ImportStopped as stopped:
        # A file that cannot be read on keeps what came before the problem: name its skipped rows, enrich it.
        skipped(stopped.result.problems, stopped.result.skipped)
        enrich()
        raise
    skipped(result.problems, result.skipped)
    read_as = f" (read as {result.encoding})" if result.encoding not in (None, "UTF-8") else ""
    out.print(f"{file}: {result.read:,} rows read{read_as}, {result.new:,} new, {result.updated:,} updated, "
              f"{result.skipped:,} skipped{_removed(suppressed=result.suppressed)}", highlight=False)
    enrich()
    if result.skipped:
        raise typer.Exit(1)


@app.command()
def harvest(ctx: typer.Context) -> None:
    """Run the nightly flow once: harvest every source, enrich, purge what is past retention. Exits 1 when a source or
    one of its queries failed, or items were skipped (the output names them)."""
    _prefect_environment()
    path = _config_path(ctx)
    config = load_config(path)  # report config errors before Prefect starts
    from .store.access import sole_run

    with sole_run(config.database_path, "harvest"):  # another harvest running: said now, not after Prefect starts
        pass
    shared = _shared(config)
    if shared.path.exists():  # a damaged file is said now, and the harvest writes nothing into it
        _refuse_damaged(shared)
    console.print("Harvesting (the first Prefect run in a process starts a temporary local server)…")
    result = _run_nightly(path)
    failed = _print_harvest(result)
    _stop_on_disk_failure(result, config.database_path)
    if failed:
        raise typer.Exit(1)


def _stop_on_disk_failure(result: dict, database: Path) -> None:
    """UserError (exit 2) when a source of the run failed because the disk is full or cannot be written: not
    the source's problem, and every later run would fail the same way until it is fixed."""
    from .failures import explain_text

    for s in result["sources"]:
        message = explain_text(s["error"] or "", database)
        if message:
            raise UserError(message)


def _run_nightly(path: str) -> dict:
    """Run the nightly flow once and return its summary, also when it ended Failed because a source failed."""
    from flows.nightly import nightly
    from flows.server import start_temporary_server

    start_temporary_server()  # from this thread: a CLI run killed with kill -9 leaves no server behind
    _one_line_failures("prefect.flow_runs", "prefect.task_runs")
    result = nightly(config_path=path, return_state=True).result(raise_on_failure=False)
    if isinstance(result, BaseException):  # the flow itself stopped (a config error, a broken database)
        raise result
    return result


class _OneLine(logging.Filter):
    """Drops the traceback from a log record about a failure the user can act on (a UserError, a full disk, a
    damaged database): Prefect logs a flow's exception in full, and the command then says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .failures import explain

        failure = record.exc_info[1] if record.exc_info else None
        if failure is not None and (isinstance(failure, UserError) or explain(failure) is not None):
            record.exc_info, record.exc_text = None, None
        return True


def _one_line_failures(*loggers: str) -> None:
    """Add `_OneLine` to these loggers (once)."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(each, _OneLine) for each in logger.filters):
            logger.addFilter(_OneLine())


def _removed(deleted: int = 0, suppressed: int = 0) -> str:
    """After a run's counts: ", N deleted at the source" when posts were deleted because the platform says they
    were, ", N suppressed" when the suppression list left posts out; nothing for a zero."""
    return (f", {deleted:,} deleted at the source" if deleted else "") + (f", {suppressed:,} suppressed" if suppressed else "")


def _print_harvest(result: dict) -> bool:
    """Print each source's outcome, its failed queries and what is left to read; return whether any failed."""
    failed = False
    for s in result["sources"]:
        colour = {"ok": "green", "partial": "yellow"}.get(s["status"], "red")
        out.print(f"[{colour}]{s['status']:>7}[/] {escape(s['source'])}: {s['fetched']:,} fetched, {s['new']:,} new, "
                  f"{s['updated']:,} updated, {s['skipped']:,} skipped{_removed(s.get('deleted', 0), s.get('suppressed', 0))}",
                  highlight=False)
        lines = (s["error"] or "").splitlines()
        for line in lines[:8]:
            out.print(f"         {line}", highlight=False, markup=False)
        if len(lines) > 8:
            out.print(f"         … and {len(lines) - 8:,} more", highlight=False, markup=False)
        behind = s.get("behind") or []
        if behind:
            out.print(f"         behind: {len(behind)} quer{'y' if len(behind) == 1 else 'ies'} still to read "
                      "(the next runs continue):", highlight=False, markup=False)
            for line in behind[:8]:
                out.print(f"           {line}", highlight=False, markup=False)
        failed |= s["status"] in {"failed", "partial"}
    return failed


@app.command("renormalise")
def renormalise_command(
    ctx: typer.Context,
    source: Annotated[Optional[str], typer.Option("--source", help="Only this source (its name in the config).")] = None,
    since: Annotated[Optional[str], typer.Option(
        "--since", help="Only raw payloads fetched on or after this day, YYYY-MM-DD (local time).")] = None,
) -> None:
    """Normalise the stored raw payloads again with today's normalisers and update the mentions in place:
    changed fields replaced, items that could not be normalised before added, nothing duplicated; what changed
    is enriched again. Nothing is fetched. Items that still do not normalise are reported as ref: reason."""
    from .renormalise import renormalise, sources_named

    config = _config(ctx)
    day = _day(since) if since else None
    sources_named(config, source)  # a misspelt name is reported before the database is opened
    result = renormalise(_open(ctx, config, write=True), config, source=source, since=day)
    for done in result.sources:
        for problem in done.problems[:50]:
            console.print(f"[yellow]skipped[/] {escape(problem)}", highlight=False, markup=True)
        if len(done.problems) > 50:
            console.print(f"… and {len(done.problems) - 50:,} more skipped")
        note = f" ({done.note})" if done.note else ""
        out.print(f"{done.source}: {done.read:,} read, {done.updated:,} updated, {done.inserted:,} inserted, "
                  f"{done.unchanged:,} unchanged, {len(done.problems):,} skipped{note}", highlight=False, markup=False)
    out.print(f"{result.enriched:,} mentions enriched again", highlight=False)
    if any(done.problems or done.failed for done in result.sources):
        raise typer.Exit(1)


PlatformOption = Annotated[Optional[str], typer.Option(
    help="Only this platform, any case (e.g. mastodon, x, bluesky).")]
ThemeOption = Annotated[Optional[str], typer.Option(help="Only this theme (portfolio), any case.")]
WoonkernOption = Annotated[Optional[str], typer.Option(help="Only this woonkern, any case.")]
LanguageOption = Annotated[Optional[str], typer.Option(help="Only posts in this language (ISO code, e.g. nl).")]
MonthOption = Annotated[Optional[str], typer.Option(help="The month, YYYY-MM (default: the last full month).")]
FromOption = Annotated[Optional[str], typer.Option("--from", help="First day, YYYY-MM-DD (instead of --month).")]
ToOption = Annotated[Optional[str], typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")]
ReportFromOption = Annotated[Optional[str], typer.Option(
    "--from", help="First day, YYYY-MM-DD (instead of --month); for --kind crisis a local moment, 2026-10-08T06:00.")]
ReportToOption = Annotated[Optional[str], typer.Option(
    "--to", help="Last day, YYYY-MM-DD (inclusive); for --kind crisis the moment the window ends, 2026-10-09T12:00.")]


def _checked_filters(config: Config, con: duckdb.DuckDBPyConnection, platform: str | None, theme: str | None,
                     woonkern: str | None, language: str | None) -> Filters:
    """The filters with their canonical values; the platforms the database holds count as known too."""
    from . import filters as checks

    stored = checks.stored_platforms(con) if platform else ()
    return checks.filters(config, platform, theme, woonkern, language, stored_platforms=stored)


def _today(config: Config) -> date:
    """Today in the municipality's time zone (what "the last full month" is counted from)."""
    return datetime.now(config.municipality.tz).date()


@app.command()
def report(
    ctx: typer.Context,
    month: MonthOption = None,
    from_day: ReportFromOption = None,
    to_day: ReportToOption = None,
    kind: Annotated[str, typer.Option(
        help="monthly (management), alderman (one portfolio's trends) or crisis (a brief on a window of hours).")] = "monthly",
    theme: Annotated[Optional[str], typer.Option(
        help="Only this theme (portfolio), any case; for alderman: the portfolio.")] = None,
    woonkern: WoonkernOption = None,
    platform: PlatformOption = None,
    language: LanguageOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")] = Path("out"),
    format: Annotated[str, typer.Option("--format", help="pdf, html or both: pdf,html")] = "html,pdf",
    lang: Annotated[str, typer.Option(help="nl (default) or en.")] = "nl",
    send: Annotated[bool, typer.Option("--send", help="Mail each report to its recipients in [delivery].")] = False,
) -> None:
    """Render a report as HTML and/or PDF: the monthly management report, an alderman's portfolio report
    (one per portfolio without --theme), for a month or any period, optionally filtered, or a crisis brief on
    a window of hours (--kind crisis --from 2026-10-08T06:00 --to 2026-10-09T12:00, local time, at most 14
    days). The file name carries the kind, every filter, the period and the language. With --send, each report
    goes by e-mail to its recipients (the monthly report to [delivery] monthly, an alderman report to its
    portfolio's addresses)."""
    from .report.browser import chart_browser

    # A PDF's chart browser starts first: Chromium's two seconds to start pass while the rest loads and the
    # figures are gathered (an invalid --format is still refused below; the browser then closes).
    with chart_browser() if "pdf" in format.lower() else contextlib.nullcontext():
        from . import filters as checks
        from .report.render import render_report

        config = _config(ctx)
        formats = checks.formats(format)
        lang = checks.report_language(lang)
        kind = checks.kind(kind, allowed=checks.COMMAND_REPORT_KINDS)
        if kind == "crisis":
            if send:
                raise UserError("--send: a crisis brief is not mailed (alerts say where it is)")
            written = [_crisis_brief(ctx, config, month, from_day, to_day, (theme, woonkern, platform, language),
                                     out_dir, formats, lang)]
        else:
            period = checks.period(config, _today(config), month, from_day, to_day)
            con = _open(ctx, config)
            wanted = _checked_filters(config, con, platform, theme, woonkern, language)
            if send:
                _check_sendable(config, kind, wanted, formats)
            written = render_report(con, config, period, out_dir, kind=kind, filters=wanted, formats=formats,
                                    lang=lang)
    for rendered in written:
        for path in (rendered.html, rendered.pdf):
            if path:
                out.print(str(path), highlight=False)
    if send:
        _send(config, kind, written)


def _check_sendable(config: Config, kind: str, wanted: Filters, formats: tuple[str, ...]) -> None:
    """Before rendering: --send needs the PDF, and someone to send this kind of report to."""
    from .delivery import recipients_of

    if "pdf" not in formats:
        raise UserError("--send: the report is sent as PDF; add pdf to --format")
    if kind not in ("monthly", "alderman"):
        raise UserError(f"--send: the monthly and alderman reports are sent by e-mail, not a {kind} report")
    themes = [wanted.theme] if wanted.theme else list(config.terms.portfolios)
    if kind == "alderman" and not any(recipients_of(config, kind, theme) for theme in themes):
        raise UserError("--send: no recipients for this alderman report: add them to [delivery.alderman]")
    if kind == "monthly" and not recipients_of(config, kind, None):
        raise UserError("--send: no recipients for the monthly report: add them to [delivery] monthly")


def _send(config: Config, kind: str, written: list) -> None:
    """Mail the written reports; a delivery that failed is named with its reason (exit code 1)."""
    from .delivery import deliver, failure_message

    outcomes = deliver(config, kind, written, _prefect_secret)
    for outcome in outcomes:
        if outcome.sent:
            out.print(f"{outcome.report} sent to {', '.join(outcome.sent)}", highlight=False)
    problem = failure_message(outcomes)
    if problem:
        for line in problem.splitlines():
            console.print(f"[red]not delivered:[/] {escape(line)}", highlight=False)
        raise typer.Exit(1)


def _crisis_brief(ctx: typer.Context, config: Config, month: str | None, from_value: str | None,
                  to_value: str | None, filter_values: tuple[str | None, ...], out_dir: Path,
                  formats: tuple[str, ...], lang: str):
    """The crisis brief on the window asked for (the whole municipality: it takes no filters or month)."""
    from . import filters as checks
    from .report.crisis import render_crisis

    if month:
        raise UserError("--kind crisis takes --from and --to (moments like 2026-10-08T06:00), not --month")
    if any(filter_values):
        raise UserError("--kind crisis covers every platform, theme, woonkern and language: leave out "
                        "--theme, --woonkern, --platform and --language")
    start, end = checks.crisis_window(config, from_value, to_value)
    return render_crisis(_open(ctx, config), config, start, end, out_dir, formats=formats, lang=lang)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-10-01") from None


@app.command()
def metrics(
    ctx: typer.Context,
    from_day: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (local time).")],
    to_day: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    platform: PlatformOption = None,
    theme: ThemeOption = None,
    woonkern: WoonkernOption = None,
    language: LanguageOption = None,
) -> None:
    """Compute every metric for a period: volume, reputation, reach, webcare response, zenden vs luisteren."""
    from . import filters as checks
    from .metrics.compute import compute
    from .metrics.output import print_tables, to_json

    config = _config(ctx)
    period = checks.period(config, _today(config), None, from_day, to_day)
    con = _open(ctx, config)
    result = compute(con, config, period, _checked_filters(config, con, platform, theme, woonkern, language))
    if as_json:
        print(to_json(result))
    else:
        print_tables(result, out)


@app.command()
def export(
    ctx: typer.Context,
    month: MonthOption = None,
    from_day: FromOption = None,
    to_day: ToOption = None,
    platform: PlatformOption = None,
    theme: ThemeOption = None,
    woonkern: WoonkernOption = None,
    language: LanguageOption = None,
    format: Annotated[Optional[str], typer.Option(
        "--format", help="xlsx (default), csv (for Dutch Excel: ';' and UTF-8), jsonl or parquet.")] = None,
    out_path: Annotated[Optional[Path], typer.Option(
        "--out", help="The file to write (its extension gives the format), or a folder (default: out/).")] = None,
) -> None:
    """Export the rows behind the figures: one row per mention of the period that passes the filters, with
    its reference (as reports show it), local time, pseudonymised author, masked text, sentiment, themes,
    woonkernen and webcare response (docs/export.md). The default file name carries the period and every
    filter; an existing file of that name is replaced."""
    from . import filters as checks
    from .export import export_rows, write_export
    from .filenames import file_stem

    config = _config(ctx)
    period = checks.period(config, _today(config), month, from_day, to_day)
    chosen = checks.export_format(format) if format else None
    folder, name = Path("out"), None
    if out_path is not None:
        suffix = out_path.suffix.lower().lstrip(".")
        if out_path.is_dir() or not suffix:
            folder = out_path
        elif suffix in checks.EXPORT_FORMATS:
            if chosen and chosen != suffix:
                raise UserError(f"--out {out_path}: a .{suffix} file, but --format {chosen}")
            chosen, name = suffix, out_path
        else:
            raise UserError(f"--out {out_path}: name a .xlsx, .csv, .jsonl or .parquet file, or a folder")
    chosen = chosen or "xlsx"
    con = _open(ctx, config)
    wanted = _checked_filters(config, con, platform, theme, woonkern, language)
    rows = export_rows(con, config, period, wanted)
    path = write_export(rows, name or folder / f"{file_stem(config, period, 'export', wanted)}.{chosen}", chosen)
    out.print(f"{path}: {rows.height:,} mention{'' if rows.height == 1 else 's'}", highlight=False)


def _demo_config() -> Path:
    """The demo municipality's config: the example in a checkout (its data in the checkout's data/); installed
    as a package, a copy in ./luisterpost-demo/config, so its database and key land in ./luisterpost-demo/data,
    never in the package."""
    example = resource_dir("examples") / "lindeveen.toml"
    if "_resources" not in example.parts:
        return example
    target = Path.cwd() / "luisterpost-demo" / "config" / "lindeveen.toml"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example, target)
    return target


@app.command()
def demo(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")] = Path("out"),
) -> None:
    """Harvest the demo municipality through the nightly flow (13 months), then write last month's report."""
    _prefect_environment()
    path = str(Path(ctx.obj).resolve()) if ctx.obj else str(_demo_config())
    config = load_config(path)
    from flows.monthly_report import monthly_report

    console.print(f"Demo municipality [bold]{config.municipality.name}[/] → {config.database_path}")
    console.print("Harvesting 13 months of mentions through the nightly flow…")
    _print_harvest(_run_nightly(path))
    console.print("Rendering last month's report (HTML and PDF)…")
    # The demo writes the report only: it never mails, whatever [delivery] the config has.
    paths = monthly_report(config_path=path, out_dir=str(out_dir.resolve()), send=False)
    for key in ("html", "pdf"):
        if paths[key]:
            out.print(paths[key], highlight=False)


@app.command("fleet-report")
def fleet_report(
    configs: Annotated[Path, typer.Option("--configs", help="The folder of municipality configs (*.toml).")],
    month: MonthOption = None,
    region: Annotated[Optional[str], typer.Option(help="The name on the cover (default: the folder's name).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")] = Path("out"),
    format: Annotated[str, typer.Option("--format", help="pdf, html or both: html,pdf")] = "html,pdf",
    lang: Annotated[str, typer.Option(help="nl (default) or en.")] = "nl",
) -> None:
    """The regional overview: every municipality of a folder of configs side by side for a month (per 10,000
    inhabitants: volume, net sentiment, response rate and time, spikes), each read from its own database
    read-only. A municipality that cannot be read is listed with the reason. Exits 1 when one could not."""
    from . import filters as checks
    from .fleet import read_fleet
    from .metrics.regional import regional_rows
    from .report.regional import write_regional

    formats = checks.formats(format)
    lang = checks.report_language(lang)
    if month:
        year, number = checks.month(month)
    else:
        first = date.today().replace(day=1)
        year, number = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    fleet = read_fleet(configs)
    rows = regional_rows(fleet, year, number)
    for path in write_regional(rows, region or configs.resolve().name, year, number, out_dir, formats=formats,
                               lang=lang):
        out.print(str(path), highlight=False)
    unreadable = [r for r in rows if r.get("error")]
    for row in unreadable:
        console.print(f"[yellow]not read[/] {escape(str(row['config']))}: {escape(str(row['error']))}",
                      highlight=False, markup=True)
    if unreadable:
        raise typer.Exit(1)


@app.command()
def correct(
    ctx: typer.Context,
    platform: Annotated[Optional[str], typer.Argument(
        metavar="REF|PLATFORM", help="The mention's reference as reports and exports show it (p-…), or its platform, "
                                     "e.g. mastodon.")] = None,
    mention_id: Annotated[Optional[str], typer.Argument(metavar="ID", help="The mention's id on that platform.")] = None,
    sentiment: Annotated[Optional[str], typer.Option(help="negatief, neutraal or positief (or in English).")] = None,
    themes: Annotated[Optional[str], typer.Option(help="Themes, comma-separated; '-' for none.")] = None,
    woonkernen: Annotated[Optional[str], typer.Option(help="Woonkernen, comma-separated; '-' for none.")] = None,
    note: Annotated[Optional[str], typer.Option(help="Why (kept with the correction).")] = None,
    by: Annotated[Optional[str], typer.Option(help="Who corrects.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="A CSV of corrections: platform,id,sentiment,themes,woonkernen,note,by.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the mention's correction.")] = False,
) -> None:
    """Correct a mention's sentiment, themes or woonkernen by hand (or many, from a CSV file). Name the mention
    by its reference (p-…, as reports and exports show it) or by platform and id. Corrections survive
    re-enrichment and every metric and report uses them."""
    from .handles import platform_name
    from .refs import is_post_ref
    from .store.corrections import correction, import_csv, remove, store

    config = _config(ctx)
    if file is not None:
        if platform or mention_id or clear:
            raise UserError("give either --file or a platform and id, not both")
        con = _open(ctx, config, write=True)
        result = import_csv(con, config, file)
        for problem in result.problems:
            console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False, markup=True)
        out.print(f"{file}: {result.stored:,} corrections stored, {len(result.problems):,} skipped", highlight=False)
        if result.problems:
            raise typer.Exit(1)
        return
    if not platform:
        raise UserError("give the mention's reference (e.g. correct p-3f9a2c1b --sentiment negatief), or its platform "
                        "and id (correct mastodon 1234 …), or --file")
    con = _open(ctx, config, write=True)
    if not mention_id and is_post_ref(platform):
        platform, mention_id = _mention_of_ref(con, platform)
    if not mention_id:
        raise UserError(f"{platform!r} is not a reference like p-3f9a2c1b; give a reference, or a platform and id")
    platform = platform_name(platform)
    if clear:
        found = remove(con, platform, mention_id)
        out.print(f"{platform}/{mention_id}: " + ("correction removed" if found else "had no correction"), highlight=False)
        return
    try:
        wanted = correction(config, platform, mention_id, sentiment, themes, woonkernen, note, by)
    except ValueError as exc:
        raise UserError(f"{platform}/{mention_id}: {exc}") from None
    if store(con, [wanted]):
        raise UserError(f"no mention {platform}/{mention_id} is stored")
    out.print(f"{platform}/{mention_id}: corrected", highlight=False)


def _mention_of_ref(con: duckdb.DuckDBPyConnection, ref: str) -> tuple[str, str]:
    """(platform, id) of the stored mention with this reference; UserError when none or several have it."""
    from .sql import query

    ref = ref.strip().lower()
    found = con.execute(query("store/mentions_by_ref"), {"ref": ref}).fetchall()
    if not found:
        raise UserError(f"{ref}: no stored mention has this reference")
    if len(found) > 1:
        both = ", ".join(f"{p} {i}" for p, i in found)
        raise UserError(f"{ref}: {len(found)} mentions share this reference ({both}); give the platform and id")
    return found[0]


sentiment_app = typer.Typer(help="Score a text, or measure the scorer against labelled texts (no config needed).",
                            no_args_is_help=True)
app.add_typer(sentiment_app, name="sentiment")


def _scorer(ctx: typer.Context) -> Scorer:
    """The scorer a given config asks for (--config or $LUISTERPOST_CONFIG); without a config, the vocabulary."""
    from .enrich.run import LEXICON, scorer_for

    return scorer_for(_config(ctx)) if ctx.obj else LEXICON


@sentiment_app.command("score")
def sentiment_score(ctx: typer.Context, text: Annotated[str, typer.Argument(help="The text to score.")]) -> None:
    """Print the label, the score and the words and rules that decided it (with a config: its scorer)."""
    import polars as pl

    row = _scorer(ctx).score_frame(pl.Series("text", [text], pl.String)).row(0, named=True)
    out.print(f"{row['sentiment_label']} {row['sentiment_score']:+.3f}", highlight=False)
    for item in row["sentiment_evidence"]:
        out.print(f"  {item}", highlight=False, markup=False)
    if not row["sentiment_evidence"]:
        out.print("  (geen woorden met sentiment)", highlight=False)


@sentiment_app.command("eval")
def sentiment_eval(
    ctx: typer.Context,
    labels: Annotated[Path, typer.Option("--labels", help="A CSV with a text and a label per row.")],
    text_column: Annotated[str, typer.Option("--text-column", help="The column with the text.")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="The column with the label.")] = "label",
) -> None:
    """Score labelled texts and print accuracy, macro-F1, F1 per label and the confusion matrix. Labels:
    negative/neutral/positive or negatief/neutraal/positief. With a config: its scorer (e.g. a model)."""
    import polars as pl

    from .enrich.evaluate import evaluate, read_labels

    texts, gold, problems = read_labels(labels, text_column, label_column)
    for problem in problems[:20]:
        console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False, markup=True)
    if len(problems) > 20:
        console.print(f"… and {len(problems) - 20:,} more skipped rows")
    if not texts:
        raise UserError(f"{labels}: no labelled rows to evaluate")
    scorer = _scorer(ctx)
    report = evaluate(gold, scorer.score_frame(pl.Series("text", texts, pl.String))["sentiment_label"].to_list())
    out.print(f"scorer     {scorer.source}", highlight=False)
    out.print(f"texts      {report.n:,}", highlight=False)
    out.print(f"accuracy   {report.accuracy:.3f}", highlight=False)
    out.print(f"macro-F1   {report.macro_f1:.3f}  (macro average of the F1 per label)", highlight=False)
    for name, value in report.f1.items():
        out.print(f"F1 {name:<8} {value:.3f}", highlight=False)
    out.print("confusion matrix (rows: given label, columns: predicted)", highlight=False)
    out.print(f"{'':>10}" + "".join(f"{c:>10}" for c in report.confusion.columns[1:]), highlight=False)
    for row in report.confusion.rows():
        out.print(f"{row[0]:>10}" + "".join(f"{v:>10}" for v in row[1:]), highlight=False)


@app.command()
def purge(ctx: typer.Context) -> None:
    """Delete what is older than the retention periods ([privacy] retention_months for posts, their enrichments
    and corrections, and harvest runs; raw_retention_days for raw payloads), then rewrite the
    database file so their bytes are gone from it too. The nightly flow does the same after each harvest."""
    from .store.retention import purge as purge_old

    config = _config(ctx)
    con = _open(ctx, config, write=True)
    try:
        purged = purge_old(con, config)
    finally:
        con.close()
    tz = config.municipality.tz
    out.print(f"purged: {purged.mentions:,} mentions created before {purged.cutoff.astimezone(tz):%Y-%m-%d}, "
              f"{purged.enrichments:,} enrichments, {purged.corrections:,} corrections, {purged.runs:,} harvest runs; "
              f"{purged.raw_items:,} raw payloads fetched before "
              f"{purged.raw_cutoff.astimezone(tz):%Y-%m-%d}", highlight=False)
    _print_compacted(config)


def _print_compacted(config: Config) -> None:
    """Rewrite the database file (store/compact.py), encrypted as it was, and say so."""
    from .store.compact import compact
    from .store.encryption import database_key

    done = compact(config.database_path, database_key(config, _prefect_secret))
    out.print(f"database file rewritten: {done.bytes_before / 1e6:,.1f} MB → {done.bytes_after / 1e6:,.1f} MB "
              f"in {done.seconds:,.1f} s", highlight=False)


@app.command()
def forget(
    ctx: typer.Context,
    platform: Annotated[Optional[str], typer.Option(help="The person's platform (e.g. mastodon, x, bluesky).")] = None,
    handle: Annotated[Optional[str], typer.Option(help="The person's handle, with or without @ (any case).")] = None,
    post: Annotated[Optional[tuple[str, str]], typer.Option(
        metavar="PLATFORM ID", help="Instead: one post, by its platform and id.")] = None,
) -> None:
    """Erasure or objection (AVG art. 17 and 21): remove every post of a person (--platform, --handle), or one
    post (--post PLATFORM ID), with their raw payloads, enrichments and corrections; replace the person's handle
    in other stored posts by its pseudonym; and keep a keyed hash on the suppression list, so later harvests
    and imports leave them out (counted as suppressed). Then the database file is rewritten so no byte of them
    remains. Asks nothing: prints what it removed."""
    from .metrics.privacy import pseudonymiser_of
    from .store.forget import forget_person, forget_post
    from .store.suppression import load

    config = _config(ctx)
    if post and (platform or handle):
        raise UserError("give either --post PLATFORM ID, or --platform and --handle, not both")
    if not post and not (platform and handle):
        raise UserError("give --platform and --handle (a person), or --post PLATFORM ID (one post)")
    con = _open(ctx, config, write=True)
    try:
        suppressor = load(con, pseudonymiser_of(config))
        done = forget_post(con, suppressor, *post) if post else forget_person(con, suppressor, platform, handle)
    finally:
        con.close()
    out.print(f"removed: {done.posts:,} posts, {done.raw_items:,} raw payloads, {done.enrichments:,} enrichments, "
              f"{done.corrections:,} corrections", highlight=False)
    if not post:
        out.print(f"replaced by the pseudonym: in {done.texts:,} other posts' texts and {done.payloads:,} raw payloads",
                  highlight=False)
    out.print(f"on the suppression list: {done.listed:,} keyed hash{'es' if done.listed != 1 else ''} "
              "(later harvests and imports leave these out)", highlight=False)
    _print_compacted(config)


@app.command()
def encrypt(ctx: typer.Context) -> None:
    """Encrypt the existing database with the key [storage] names (encryption_key_env or encryption_key_secret);
    the unencrypted original is kept beside it until you delete it."""
    from .store.encryption import database_key, encrypt_database

    config = _config(ctx)
    key = database_key(config, _prefect_secret)
    if key is None:
        raise UserError("[storage]: no encryption key configured: set encryption_key_env or encryption_key_secret "
                        "first (docs/operations.md)")
    backup = encrypt_database(config.database_path, key)
    out.print(f"{config.database_path}: encrypted. The unencrypted original is {backup}: delete it once the "
              "commands work with the encrypted database.", highlight=False, markup=False)


@app.command()
def backup(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Where to put the backup: a folder <slug>-<UTC time>/ is made in it.")],
) -> None:
    """Copy the database (encrypted as it is), its log and the pseudonym key into a new folder with a manifest
    (versions, checksums), consistent while a harvest runs: it waits for the harvest's current write. The
    database key is never copied: keep it with the backup yourself."""
    from .store.backup import backup as make_backup
    from .store.encryption import database_key

    config = _config(ctx)
    made = make_backup(config, folder.expanduser().resolve(), database_key(config, _prefect_secret),
                       wait=config.storage.wait_seconds, on_wait=_say_waiting)
    out.print(f"backup: {made.folder}", highlight=False, markup=False)
    for file in made.files:
        out.print(f"  {file.name}: {file.size / 1e6:,.1f} MB", highlight=False, markup=False)
    out.print(f"  total {sum(f.size for f in made.files) / 1e6:,.1f} MB; schema version {made.schema_version}; "
              f"{'encrypted' if made.encrypted else 'not encrypted'}", highlight=False, markup=False)
    if made.key_source == "environment":
        out.print(f"  the pseudonym key is not in the backup: it comes from {config.privacy.key_env}; keep it "
                  "with the backup", highlight=False, markup=False)


@app.command()
def restore(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A backup folder made by `luisterpost backup`.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Restore even when the pseudonym key in use or the municipality differs from the "
                        "backup's.")] = False,
) -> None:
    """Put a backup in the place of the database and pseudonym key: checked against its manifest first; refused
    while a harvest or another command has the database. The current database is kept beside it
    (<database>.before-restore-<UTC time>). An older version's backup is migrated when it is opened."""
    from .store.backup import restore as restore_backup
    from .store.encryption import database_key

    config = _config(ctx)
    done = restore_backup(config, folder.expanduser().resolve(), database_key(config, _prefect_secret), force=force,
                          wait=config.storage.wait_seconds, on_wait=_say_waiting)
    migrated = (f"; migrated from schema version {done.schema_from} to {done.schema_now}"
                if done.schema_now != done.schema_from else "")
    out.print(f"restored {config.database_path} from {done.backup} (made {done.created_at}){migrated}",
              highlight=False, markup=False)
    status = done.last_harvest_status or ""
    last = (f"{done.last_harvest:%Y-%m-%d %H:%M} UTC ({RUN_STATUS.get(status, status)})" if done.last_harvest
            else "none")
    out.print(f"  {done.mentions:,} mention{'s' if done.mentions != 1 else ''}; last harvest {last}", highlight=False,
              markup=False)
    for kept in done.kept:
        out.print(f"  kept the replaced file as {kept}", highlight=False, markup=False)


@app.command()
def status(
    ctx: typer.Context,
    max_age: Annotated[Optional[float], typer.Option(
        "--max-age", help="Hours since a source's last good harvest before it counts as stale "
                          "(default: [monitoring] max_age_hours, 30).")] = None,
) -> None:
    """Show what is stored, each source's health (its last harvest and last good one, failures since, open gaps),
    the last runs, the queries that failed in the last harvest and the posts not read yet. Exits 1 when a source's
    last harvest failed or was partial, or its last good harvest is older than --max-age hours."""
    from .health import source_health
    from .sources.listing import open_gaps
    from .sql import query
    from .store.runs import utcnow

    config = _config(ctx)
    if max_age is not None and max_age <= 0:
        raise UserError(f"--max-age: {max_age:g} is not a number of hours above 0")
    max_age = max_age or config.monitoring.max_age_hours
    con = _open(ctx, config)
    for platform, count, first, last in con.execute(
        "SELECT platform, count(*), min(created_at), max(created_at) FROM mentions GROUP BY ALL ORDER BY 2 DESC"
    ).fetchall():
        out.print(f"{platform:>10}: {count:>9,} mentions, {first:%Y-%m-%d} .. {last:%Y-%m-%d}", highlight=False)
    health = source_health(con, config, utcnow(), max_age)
    if health:
        out.print(f"sources (a good harvest is expected every {max_age:g} h):",
                  highlight=False)
        width = max(len(h.source) for h in health)
        for h in health:
            last_ok = f"{h.last_ok:%Y-%m-%d %H:%M} UTC ({h.age_hours:.0f} h ago)" if h.last_ok else "never"
            colour = "red" if h.problem else "green"
            out.print(f"  [{colour}]{'needs attention' if h.problem else 'ok':<15}[/] {escape(h.source):<{width}}  "
                      f"last good harvest {last_ok}; {h.failed_since_ok:,} failed since; "
                      f"{h.open_gaps:,} quer{'y' if h.open_gaps == 1 else 'ies'} with posts not read yet"
                      + (f"; {escape(h.problem)}" if h.problem else ""), highlight=False)
    for run_id, kind, started, run_status, new, skipped, deleted, suppressed in con.execute(
        query("report/recent_runs"), {"limit": 5}
    ).fetchall():
        out.print(f"run {run_id} ({kind}) {started:%Y-%m-%d %H:%M} UTC: {RUN_STATUS.get(run_status, run_status)}; "
                  f"{new:,} new, {skipped:,} skipped{_removed(deleted, suppressed)}",
                  highlight=False)
    failed = con.execute(
        "SELECT source, label, status, error FROM harvest_run_queries WHERE run_id = (SELECT max(run_id)"
        " FROM harvest_runs WHERE kind = 'harvest') AND status NOT IN ('ok', 'not run') ORDER BY source, label"
    ).fetchall()
    if failed:
        out.print("last harvest, queries not read in full:", highlight=False)
        for source, label, query_status, error in failed:
            reason = (error or "").splitlines()[0] if error else ""
            out.print(f"  {source} / {label}: {query_status}: {reason}", highlight=False, markup=False)
    gaps = [(source, key, gap) for source, key, value in
            con.execute("SELECT source, query, value FROM watermarks ORDER BY source, query").fetchall()
            for gap in open_gaps(value)]
    if gaps:
        out.print("posts not read yet (the next harvests continue there):", highlight=False)
        for source, key, gap in gaps:
            out.print(f"  {source} / {key}: {gap.words()}", highlight=False, markup=False)
    troubled = [h for h in health if h.problem]
    if troubled:
        console.print(f"[red]{len(troubled)} of {len(health)} source{'s' if len(health) != 1 else ''} need"
                      f"{'s' if len(troubled) == 1 and len(health) == 1 else ''} attention:[/] "
                      + "; ".join(f"{escape(h.source)}: {escape(h.problem or '')}" for h in troubled), highlight=False)
        raise typer.Exit(1)


@app.command()
def check(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="The folder reports and exports go to.")] = Path("out"),
) -> None:
    """Check the installation: the config and every source's settings, each source's secret (set or not, never
    its value), the pseudonym key, the database (opened read-only, every table read in full: a damaged block is
    named), free disk space beside it, write permission of the data and out folders, and whether each source's
    host answers. One line per check; exits 0 when all are ok, 1 on a warning, 2 on an error."""
    from .check import ERROR, WARNING, exit_code, run_checks

    # Prefect Secret blocks are asked only of a Prefect server that is configured: a temporary one has none.
    lookup = _prefect_secret if os.environ.get("PREFECT_API_URL") else None
    findings = []
    for finding in run_checks(_config_path(ctx), out_dir, lookup):
        colour = {ERROR: "red", WARNING: "yellow"}.get(finding.level, "green")
        out.print(f"[{colour}]{finding.level:<7}[/] {escape(finding.what)}: {escape(finding.message)}",
                  highlight=False)
        findings.append(finding)
    raise typer.Exit(exit_code(findings))


@app.command()
def watch(ctx: typer.Context, once: Annotated[bool, typer.Option(
        "--once", help="One cycle, then stop (exit 1 when an alert could not be delivered).")] = False) -> None:
    """Watch between nightly harvests: every [watch] interval_minutes read the sources marked watch = true,
    enrich, find hourly episodes and alert on them ([alerts] urls); until Ctrl-C. Each cycle is a Prefect flow run."""
    import time

    _prefect_environment()
    path = _config_path(ctx)
    config = load_config(path)  # report config errors before Prefect starts
    from flows.watch import watch as watch_flow

    interval = config.watch.interval_minutes * 60
    if not once:
        console.print(f"Watching {config.municipality.name} every {config.watch.interval_minutes:g} min (Ctrl-C stops)…")
    try:
        while True:
            started = time.monotonic()
            state = watch_flow(config_path=path, return_state=True)
            result = state.result(raise_on_failure=False)
            if isinstance(result, BaseException):
                if once:
                    raise result
                console.print(f"[red]cycle stopped:[/] {escape(str(result))}", highlight=False)
                failed = True
            else:
                failed = _print_cycle(result)
            if once:
                if failed:
                    raise typer.Exit(1)
                return
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        console.print("Stopped watching.")


def _print_cycle(result: dict) -> bool:
    """Print what a watch cycle did; return whether an alert delivery failed."""
    if result.get("note"):
        out.print(result["note"], highlight=False, markup=False)
    for s in result["sources"]:
        out.print(f"{s['status']:>7} {s['source']}: {s['fetched']:,} fetched, {s['new']:,} new", highlight=False,
                  markup=False)
    out.print(f"{result['enriched']:,} enriched, {result['events']} recent episode(s), {len(result['alerts'])} alert(s)",
              highlight=False)
    failed = False
    for d in result["deliveries"]:
        if d["delivered"]:
            out.print(f"delivered to {d['label']}", highlight=False, markup=False)
        else:
            out.print(f"not delivered: {d['error']} (the next cycle tries again)", highlight=False, markup=False)
            failed = True
    return failed


# Run statuses that need words. A run still 'running' is going on now (a harvest lets readers in between its
# writes), or was stopped part-way: the next run of its kind marks it 'interrupted'.
RUN_STATUS = {
    "running": "running now, or stopped part-way (the next run of its kind tells)",
    "interrupted": "interrupted part-way (what it stored is kept; running it again completes it)",
}


def main() -> None:
    """Entry point: user errors become one clear message and exit code 2, never a traceback."""
    from .failures import explain

    try:
        app()
    except UserError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, markup=True)
        sys.exit(2)
    except Exception as exc:
        # A full disk, a read-only mount, a folder not writable, a damaged database: one line, not a traceback.
        message = explain(exc, _opened[-1] if _opened else None)
        if message is None:
            raise
        console.print(f"[red]error:[/] {escape(message)}", highlight=False, markup=True)
        sys.exit(2)

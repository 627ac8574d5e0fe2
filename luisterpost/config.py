"""The municipality's configuration: one TOML file, validated into one typed settings object.

Built once at the entry point (CLI or flow) and passed down; nothing reads config at import time."""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError
from .handles import normalise_handle, platform_name
from .labels import dutch_label
from .schedule import BusinessCalendar, WeeklySchedule, business_calendar, parse_schedule
from .sources.registry import KINDS, SourceSettings
from .strict import Strict

CONFIG_ENV = "LUISTERPOST_CONFIG"


def slugify(value: str, fallback: str) -> str:
    """`value` in lower-case ASCII with dashes, for file names (`fallback` when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback




class Municipality(Strict):
    name: str = Field(min_length=1)
    cbs_code: str | None = None
    timezone: str = "Europe/Amsterdam"
    population: int | None = Field(default=None, gt=0)

    @field_validator("cbs_code")
    @classmethod
    def _cbs(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"GM\d{4}", value):
            raise ValueError(f"{value!r} is not a CBS municipality code like 'GM0363'")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (e.g. 'Europe/Amsterdam')") from None
        return value

    @property
    def slug(self) -> str:
        """The name in lower case ASCII with dashes, for file names."""
        return slugify(self.name, "gemeente")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Storage(Strict):
    # Relative to the config file; "{slug}" is replaced by the municipality's slug.
    database: str = "data/{slug}.duckdb"
    # Encryption at rest (docs/operations.md): the key in this environment variable, and/or in this secret
    # (its environment variable, or a Prefect Secret block in the flows). Neither set: not encrypted.
    encryption_key_env: str | None = Field(default=None, min_length=1)
    encryption_key_secret: str | None = Field(default=None, min_length=1)
    # How long a command or a harvest waits its turn for the database while another process holds it.
    wait_seconds: float = Field(default=300, gt=0)


class Webcare(Strict):
    office_hours: str | list[str] = "mon-fri 08:30-17:00"
    holidays: str | None = "NL"
    closed: list[date] = []
    norm_hours: float = Field(default=4, gt=0)
    conversation_window_hours: float = Field(default=72, gt=0)

    @field_validator("office_hours")
    @classmethod
    def _hours(cls, value: str | list[str]) -> str | list[str]:
        parse_schedule("; ".join(value) if isinstance(value, list) else value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        if value:
            import holidays  # imported here: loading every country's calendar is slow

            if value.upper() not in holidays.list_supported_countries():
                raise ValueError(f"{value!r} is not a country code the holidays calendar knows (e.g. 'NL')")
            return value.upper()
        return None

    @property
    def schedule(self) -> WeeklySchedule:
        text = "; ".join(self.office_hours) if isinstance(self.office_hours, list) else self.office_hours
        return parse_schedule(text)


def _term_list(value: list[str], what: str) -> list[str]:
    """The terms without surrounding spaces; an empty term or one without a letter or digit is a mistake."""
    terms = [term.strip() for term in value]
    for number, term in enumerate(terms):
        if not re.search(r"\w", term):
            raise ValueError(f"{what}[{number}]: {value[number]!r} is not a word (a term needs a letter or digit)")
    return terms


class Portfolio(Strict):
    """An alderman's portfolio: the keywords that tag a mention with it, and exclude terms that never count."""

    keywords: list[str] = Field(min_length=1)
    exclude: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        # The short form is a plain list of keywords.
        if isinstance(value, list):
            return {"keywords": value}
        if not isinstance(value, dict):
            raise ValueError("a list of keywords, or a table { keywords = [...], exclude = [...] }")
        return value

    @model_validator(mode="after")
    def _terms(self) -> Portfolio:
        keywords = _term_list(self.keywords, "keywords")
        exclude = _term_list(self.exclude, "exclude")
        both = sorted({k.casefold() for k in keywords} & {e.casefold() for e in exclude})
        if both:
            raise ValueError(f"{both[0]!r} is both a keyword and an exclude term")
        object.__setattr__(self, "keywords", keywords)
        object.__setattr__(self, "exclude", exclude)
        return self


class Terms(Strict):
    names: list[str] = []  # the municipality's names ("gemeente Lindeveen"): never a woonkern
    hashtags: list[str] = []
    handles: list[str] = []
    woonkernen: list[str] = []
    # Per portfolio a list of keywords, or a table { keywords = [...], exclude = [...] }.
    portfolios: dict[str, Portfolio] = {}

    @field_validator("woonkernen")
    @classmethod
    def _woonkernen(cls, value: list[str]) -> list[str]:
        names = _term_list(value, "woonkernen")
        doubles = sorted({n for n in names if [m.casefold() for m in names].count(n.casefold()) > 1})
        if doubles:
            raise ValueError(f"{doubles[0]!r} is listed twice")
        return names


class Spikes(Strict):
    """The floor a spike must clear (docs/metrics.md, *Pieken en crises*): counts are residents' posts
    (negativity: their negative posts) in one bucket."""

    min_posts_day: int = Field(default=30, ge=1)  # a day with fewer posts is never a spike
    min_posts_hour: int = Field(default=20, ge=1)  # an hour with fewer posts is never a spike
    min_factor: float = Field(default=2, ge=1)  # at least this many times the baseline median
    # Confirmation: more than this many times the same bucket the day before and the week before.
    confirm_factor: float = Field(default=1.5, ge=1)


class Privacy(Strict):
    # Residents' handles in every output become "inwoner-…". Kept as a key so a config that says false is told
    # why it cannot: no output may identify a resident (docs/privacy.md).
    pseudonymise: Literal[True] = True
    public_followers: int = Field(default=10_000, ge=0)  # accounts this big (media, public figures) keep their name
    key_env: str = "LUISTERPOST_PSEUDONYM_KEY"  # environment variable holding the pseudonym key
    # Without that variable: a random key kept in this file (relative to the config), made on first use;
    # by default beside the database, with the extension .pseudonym-key.
    key_file: str | None = None
    # How long stored posts are kept: the 13-month trend plus the year-ago comparison need 25 months.
    retention_months: int = Field(default=25, gt=0)
    # How long raw payloads (kept to normalise again without fetching) are kept, by when they were fetched.
    raw_retention_days: int = Field(default=35, gt=0)

    @model_validator(mode="after")
    def _raw_within_retention(self) -> Privacy:
        if self.raw_retention_days > self.retention_months * 31:
            raise ValueError(f"raw_retention_days ({self.raw_retention_days}) is longer than retention_months "
                             f"({self.retention_months} months, at most {self.retention_months * 31} days): raw "
                             "payloads cannot outlive their posts")
        return self

    @field_validator("pseudonymise", mode="before")
    @classmethod
    def _always(cls, value: object) -> object:
        if value is False:
            raise ValueError("cannot be false: no report or output may name a resident (docs/privacy.md)")
        return value


class Monitoring(Strict):
    # `status` exits 1 when a configured source's last good harvest is older than this (the nightly runs daily:
    # a day plus a few hours of slack), so a monitoring check sees a harvest that silently stopped.
    max_age_hours: float = Field(default=30, gt=0)


class Watch(Strict):
    """The watch between nightly harvests (docs/operations.md, *Watch en meldingen*)."""

    interval_minutes: float = Field(default=15, gt=0)  # one cycle this often (Prefect deployment, `watch`)
    # Episodes still going, or ended at most this long ago, are watched; older ones are the monthly report's.
    recent_hours: float = Field(default=6, gt=0)
    # How long the nightly waits for a watch cycle that holds the harvest turn before it fails.
    nightly_wait_minutes: float = Field(default=30, ge=0)


# A credential written into an alert URL instead of a {secret:NAME} placeholder: user:password@ before the host.
_INLINE_PASSWORD = re.compile(r"^[a-z0-9+]+://[^/@{]*:[^/@{]+@", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{secret:([A-Za-z0-9_.-]+)\}")


class Alerts(Strict):
    """Where the watch sends its alerts: Apprise URLs, credentials as {secret:NAME} placeholders."""

    urls: list[str] = []
    min_severity: int = Field(default=4, ge=1, le=10)  # episodes below this severity are not alerted
    retries: int = Field(default=3, ge=0, le=10)  # after the first try, per URL and cycle
    backoff_seconds: float = Field(default=2, ge=0)  # first wait between tries; doubles each time
    # Where the crisis brief of an alerted episode is written (relative to the config file); "" writes none.
    brief_dir: str = "out"

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for number, url in enumerate(value):
            if not re.match(r"^[a-z0-9+]+://\S", url, re.IGNORECASE):
                raise ValueError(f"[{number}]: not an Apprise URL like 'json://host/path' or 'mailtos://…'")
            if "{" in _PLACEHOLDER.sub("", url) or "}" in _PLACEHOLDER.sub("", url):
                raise ValueError(f"[{number}]: only {{secret:NAME}} placeholders are allowed in an alert URL")
            if _INLINE_PASSWORD.match(url):
                raise ValueError(f"[{number}]: holds a password; write {{secret:NAME}} instead and keep the value "
                                 "in an environment variable or a Prefect Secret block")
        return value


class SentimentSettings(Strict):
    """How sentiment is scored: the vocabulary and rules (default), or a text-classification model."""

    backend: Literal["lexicon", "model"] = "lexicon"
    # A folder with a saved Hugging Face text-classification model (relative to the config file).
    model: str | None = None
    # The model's labels → negatief/neutraal/positief (English accepted). Optional when the model's own
    # label names already say it (negative/neutral/positive).
    labels: dict[str, str] = {}
    batch_size: int = Field(default=32, ge=1, le=4096)
    max_length: int = Field(default=256, ge=8, le=8192)  # tokens read per text
    threads: int | None = Field(default=None, ge=1)  # CPU threads for the model; default: what PyTorch picks

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        mapped = {}
        for model_label, label in value.items():
            try:
                mapped[model_label] = dutch_label(label)
            except ValueError as exc:
                raise ValueError(f"{model_label}: {exc}") from None
        return mapped

    @model_validator(mode="after")
    def _model_needed(self) -> SentimentSettings:
        if self.backend == "model" and not self.model:
            raise ValueError("backend 'model' needs model = \"folder of the saved model\"")
        return self


# A plain address: something@domain.tld, without spaces, display names or several addresses in one string.
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def _mail_address(value: str) -> str:
    value = value.strip()
    if not _ADDRESS.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address like 'naam@gemeente.nl'")
    return value


MailAddress = Annotated[str, AfterValidator(_mail_address)]


class Smtp(Strict):
    """The mail server reports are sent through. Its password is never in the config: `password_secret` names
    a secret (its environment variable, or a Prefect Secret block in the flows)."""

    # Written out as in the TOML ("from"), so a dumped config loads again.
    model_config = ConfigDict(**Strict.model_config, serialize_by_alias=True)

    host: str | None = Field(default=None, min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default: 465 with ssl, 587 with starttls, else 25
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = Field(default=None, min_length=1)
    password_secret: str | None = Field(default=None, min_length=1)
    sender: MailAddress | None = Field(default=None, alias="from")
    timeout_seconds: float = Field(default=30, gt=0)
    # A connection refused or a "try again later" (4xx) is tried this many times in all, waiting
    # retry_seconds, then twice that, and so on in between.
    attempts: int = Field(default=3, ge=1, le=10)
    retry_seconds: float = Field(default=10, ge=0)

    @property
    def port_number(self) -> int:
        """The port given, else the usual one for the security asked for."""
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]

    @model_validator(mode="after")
    def _login(self) -> Smtp:
        if self.username and not self.password_secret:
            raise ValueError("username is set but password_secret is not: name the secret that holds the password")
        if self.password_secret and not self.username:
            raise ValueError("password_secret is set but username is not: the login needs both")
        return self


class Delivery(Strict):
    """Who receives the reports by e-mail: the monthly report, and each alderman report per portfolio."""

    monthly: list[MailAddress] = []
    alderman: dict[str, list[MailAddress]] = {}  # portfolio (as in [terms.portfolios]) → addresses
    smtp: Smtp = Smtp()

    @property
    def has_recipients(self) -> bool:
        return bool(self.monthly) or any(self.alderman.values())

    @model_validator(mode="after")
    def _server(self) -> Delivery:
        if self.has_recipients and not self.smtp.host:
            raise ValueError("smtp.host is required to send reports to the recipients: add [delivery.smtp] host")
        if self.has_recipients and not self.smtp.sender:
            raise ValueError("smtp.from is required to send reports: the address the mail comes from")
        return self


# The kinds of [[sources]] tables and their settings live with their adapters (sources/registry.py).
SOURCE_KINDS = tuple(KINDS)


class Config(Strict):
    municipality: Municipality
    storage: Storage = Storage()
    accounts: dict[str, list[str]] = {}
    webcare: Webcare = Webcare()
    terms: Terms = Terms()
    privacy: Privacy = Privacy()
    spikes: Spikes = Spikes()
    monitoring: Monitoring = Monitoring()
    sentiment: SentimentSettings = SentimentSettings()
    watch: Watch = Watch()
    alerts: Alerts = Alerts()
    delivery: Delivery = Delivery()
    # Other municipalities' config files (relative to this one) to compare with in the peer benchmark.
    peers: list[str] = []
    sources: list[SourceSettings] = []
    # The folder of the config file: relative paths in the config are relative to it.
    base_dir: Path = Path(".")

    @property
    def database_path(self) -> Path:
        """Absolute path of the DuckDB file."""
        return (self.base_dir / self.storage.database.format(slug=self.municipality.slug)).resolve()

    @property
    def pseudonym_key_file(self) -> Path:
        if self.privacy.key_file:
            return self.resolve(self.privacy.key_file.format(slug=self.municipality.slug))
        return self.database_path.with_suffix(".pseudonym-key")

    def resolve(self, path: str) -> Path:
        """A path from the config, made absolute relative to the config file."""
        return (self.base_dir / path).resolve()

    def own_handles(self) -> dict[str, set[str]]:
        """Own handles per platform as mentions store it ("x" and "X (Twitter)" are "twitter"), normalised for
        matching (see `normalise_handle`)."""
        # Exports translate the platform names tools use with the same table, so an account listed as "x"
        # matches the posts an export calls "X".
        found: dict[str, set[str]] = {}
        for name, handles in self.accounts.items():
            platform = platform_name(name)
            found.setdefault(platform, set()).update(normalise_handle(platform, h) for h in handles)
        return found


def _key(loc: tuple[Any, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif part in SOURCE_KINDS and key.startswith("sources["):
            continue  # pydantic names the union branch; the user only wrote the table
        else:
            key += f".{part}" if key else str(part)
    return key


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check the spelling)"
    if error["type"] == "missing":
        return "is required but missing"
    if error["type"] == "union_tag_invalid":
        return f"unknown source kind {error['input'].get('kind')!r} (known kinds: {', '.join(SOURCE_KINDS)})"
    if error["type"] == "union_tag_not_found":
        return f"needs a kind (one of: {', '.join(SOURCE_KINDS)})"
    return str(error["msg"]).removeprefix("Value error, ")


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Read and validate a municipality's TOML config.

    `path` falls back to $LUISTERPOST_CONFIG. Raises UserError naming the file, key and problem."""
    if path is None:
        path = os.environ.get(CONFIG_ENV)
    if not path:
        raise UserError(f"no config given: pass --config FILE or set {CONFIG_ENV}")
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{file}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{file}: not valid TOML: {exc}") from None
    if "base_dir" in data:
        raise UserError(f"{file}: base_dir: unknown key (check the spelling)")
    try:
        config = Config.model_validate({**data, "base_dir": file.resolve().parent})
    except ValidationError as exc:
        lines = [f"{file}: {_key(e['loc'])}: {_message(e)}" for e in exc.errors()]
        raise UserError("\n".join(lines)) from None
    names = [s.source_name for s in config.sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"{file}: sources: two sources share the name {duplicates[0]!r}; give each a unique name")
    unknown = [name for name in config.delivery.alderman if name not in config.terms.portfolios]
    if unknown:
        known = ", ".join(config.terms.portfolios) or "none"
        raise UserError(f"{file}: delivery.alderman.{unknown[0]}: not a portfolio in [terms.portfolios] "
                        f"(known: {known})")
    return config


def calendar_of(config: Config) -> BusinessCalendar:
    """The municipality's webcare business calendar (office hours, holidays, closed dates)."""
    return business_calendar(
        config.webcare.schedule, config.municipality.tz, config.webcare.holidays, config.webcare.closed
    )


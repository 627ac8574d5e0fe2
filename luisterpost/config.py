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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError
from .labels import dutch_label
from .schedule import BusinessCalendar, WeeklySchedule, business_calendar, parse_schedule

CONFIG_ENV = "LUISTERPOST_CONFIG"


def slugify(value: str, fallback: str) -> str:
    """`value` in lower-case ASCII with dashes, for file names (`fallback` when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback


class _Strict(BaseModel):
    # Unknown keys are almost always typos; say so instead of silently ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Municipality(_Strict):
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


class Storage(_Strict):
    # Relative to the config file; "{slug}" is replaced by the municipality's slug.
    database: str = "data/{slug}.duckdb"


class Webcare(_Strict):
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


class Terms(_Strict):
    names: list[str] = []
    hashtags: list[str] = []
    handles: list[str] = []
    woonkernen: list[str] = []
    portfolios: dict[str, list[str]] = {}


class Privacy(_Strict):
    pseudonymise: bool = True  # residents' handles in reports and outputs become "inwoner-…"
    public_followers: int = Field(default=10_000, ge=0)  # accounts this big (media, public figures) keep their name
    key_env: str = "LUISTERPOST_PSEUDONYM_KEY"  # environment variable holding the pseudonym key
    # Without that variable: a random key kept in this file (relative to the config), made on first use;
    # by default beside the database, with the extension .pseudonym-key.
    key_file: str | None = None


class SentimentSettings(_Strict):
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


class DemoSourceSettings(_Strict):
    kind: Literal["demo"]
    name: str = "demo"
    seed: int = 2024
    months: int = Field(default=13, ge=1, le=60)
    # Generate up to this date (inclusive); default: now. Fixing it makes the data identical on every machine.
    until: date | None = None

    @property
    def source_name(self) -> str:
        return self.name


class DropFolderSettings(_Strict):
    kind: Literal["jsonl", "csv"]
    name: str | None = None
    path: str

    @property
    def source_name(self) -> str:
        return self.name or f"{self.kind}:{self.path}"


class _HttpSourceSettings(_Strict):
    """What every platform API source shares: where it is, how patient to be, how far to read."""

    name: str | None = None
    base_url: str
    timeout_seconds: float = Field(default=30, gt=0)
    retries: int = Field(default=4, ge=0, le=20)  # after the first try, for timeouts, 5xx and 429
    backoff_seconds: float = Field(default=1.0, ge=0)  # first wait between tries; doubles each time
    max_wait_seconds: float = Field(default=900, ge=0)  # longest Retry-After / rate-limit wait honoured
    max_pages: int = Field(default=20, ge=1)  # per query and run
    lookback_days: float = Field(default=7, gt=0)  # how far back the first run reads
    revisit_days: float = Field(default=3, ge=0)  # conversations of posts this young are read again
    # Name of the secret: the environment variable NAME_IN_CAPITALS, or a Prefect Secret block of this name.
    secret: str | None = None

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @property
    def source_name(self) -> str:
        return self.name or f"{self.kind}:{self._label()}"  # type: ignore[attr-defined]

    def _label(self) -> str:
        return re.sub(r"^https?://", "", self.base_url)


class MastodonSettings(_HttpSourceSettings):
    kind: Literal["mastodon"]
    hashtags: list[str] = []
    accounts: list[str] = []  # the municipality's own accounts: their posts and the conversations around them
    search: list[str] = []  # full-text search, where the instance allows it (mostly with a token)
    secret: str | None = "mastodon-token"  # optional: an access token, for search and private limits

    @model_validator(mode="after")
    def _something(self) -> MastodonSettings:
        if not (self.hashtags or self.accounts or self.search):
            raise ValueError("give hashtags, accounts or search to follow")
        return self


class BlueskySettings(_HttpSourceSettings):
    kind: Literal["bluesky"]
    base_url: str = "https://bsky.social"
    identifier: str  # the handle that logs in (with an app password)
    search: list[str] = []
    accounts: list[str] = []  # own accounts: their posts and the threads under them
    secret: str | None = "bluesky-app-password"


class RedditSettings(_HttpSourceSettings):
    kind: Literal["reddit"]
    base_url: str = "https://oauth.reddit.com"
    auth_url: str = "https://www.reddit.com"
    client_id: str
    subreddits: list[str] = Field(min_length=1)
    search: list[str] = Field(min_length=1)
    secret: str | None = "reddit-client-secret"


class YouTubeSettings(_HttpSourceSettings):
    kind: Literal["youtube"]
    base_url: str = "https://www.googleapis.com/youtube/v3"
    search: list[str] = []
    channels: list[str] = []  # channel ids (UC…) whose uploads are followed, e.g. the municipality's own
    daily_quota: int = Field(default=10_000, ge=1)  # API units this source may use per day (Pacific time)
    secret: str | None = "youtube-api-key"


class NewsSettings(_HttpSourceSettings):
    kind: Literal["news"]
    base_url: str = "https://news.invalid"  # feeds are full URLs; relative ones are read against this
    feeds: list[str] = []  # regional news and query feeds: articles naming the municipality are kept
    own_feeds: list[str] = []  # the municipality's own news: every article is kept
    match: list[str] | None = None  # words an article must contain; default: the names and woonkernen in [terms]
    secret: str | None = None

    @model_validator(mode="after")
    def _something(self) -> NewsSettings:
        if not (self.feeds or self.own_feeds):
            raise ValueError("give feeds or own_feeds to read")
        return self

    def _label(self) -> str:
        return re.sub(r"^https?://([^/]+).*", r"\1", (self.own_feeds or self.feeds)[0])


class FacebookSettings(_HttpSourceSettings):
    kind: Literal["facebook"]
    base_url: str = "https://graph.facebook.com/v21.0"
    page_id: str
    events: bool = True  # the page's events and what is posted on them
    secret: str | None = "facebook-page-token"

    def _label(self) -> str:
        return self.page_id


class InstagramSettings(_HttpSourceSettings):
    kind: Literal["instagram"]
    base_url: str = "https://graph.facebook.com/v21.0"
    account_id: str  # the Instagram professional account's id
    secret: str | None = "instagram-token"

    def _label(self) -> str:
        return self.account_id


class SnscrapeSettings(_Strict):
    kind: Literal["snscrape"]
    name: str | None = None
    scraper: Literal["telegram-channel", "mastodon-profile"]
    targets: list[str] = Field(min_length=1)  # channel names, or profiles as user@instance
    max_items: int = Field(default=500, ge=1)  # per target and run

    @property
    def source_name(self) -> str:
        return self.name or f"snscrape:{self.scraper}"


class ExportSettings(_Strict):
    kind: Literal["export"]
    name: str | None = None
    format: Literal["coosto", "spotler", "x-archive"]
    path: str  # a folder: each new or changed export file in it is read once
    # Mentions field → the export's column, to override the defaults (docs/sources.md lists them).
    columns: dict[str, str] = {}
    date_format: str | None = None  # strptime format of the date column; default: ISO and d-m-yyyy H:MM
    timezone: str | None = None  # zone of dates without one; default: the municipality's
    platform: str | None = None  # platform of every row, when the export has no column saying it

    @property
    def source_name(self) -> str:
        return self.name or f"{self.format}:{self.path}"


SourceSettings = Annotated[
    DemoSourceSettings | DropFolderSettings | MastodonSettings | BlueskySettings | RedditSettings | YouTubeSettings
    | NewsSettings | FacebookSettings | InstagramSettings | SnscrapeSettings | ExportSettings,
    Field(discriminator="kind"),
]
SOURCE_KINDS = ("demo", "jsonl", "csv", "mastodon", "bluesky", "reddit", "youtube", "news", "facebook", "instagram",
                "snscrape", "export")


class Config(_Strict):
    municipality: Municipality
    storage: Storage = Storage()
    accounts: dict[str, list[str]] = {}
    webcare: Webcare = Webcare()
    terms: Terms = Terms()
    privacy: Privacy = Privacy()
    sentiment: SentimentSettings = SentimentSettings()
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
        # Imported here: the sources import this module. Exports translate the platform names tools use with
        # the same table, so an account listed as "x" matches the posts an export calls "X".
        from .sources.exports import platform_name

        found: dict[str, set[str]] = {}
        for name, handles in self.accounts.items():
            platform = platform_name(name)
            found.setdefault(platform, set()).update(normalise_handle(platform, h) for h in handles)
        return found


def normalise_handle(platform: str, handle: str) -> str:
    """Lower-case a handle and drop a leading @; for Mastodon also drop the @instance part,
    so "@GemeenteX@social.overheid.nl" and "gemeentex" match."""
    handle = handle.strip().lstrip("@").lower()
    if platform == "mastodon":
        handle = handle.split("@", 1)[0]
    return handle


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
    return config


def calendar_of(config: Config) -> BusinessCalendar:
    """The municipality's webcare business calendar (office hours, holidays, closed dates)."""
    return business_calendar(
        config.webcare.schedule, config.municipality.tz, config.webcare.holidays, config.webcare.closed
    )


"""A seeded simulation of the online life of "Lindeveen", a fictional mid-size Dutch municipality.

Residents post about themes and woonkernen on seven platforms; the municipality broadcasts and answers
in threads at realistic delays (fast in office hours, slow at night and at weekends, sometimes never,
sometimes on another channel); a storm week every October brings a spike in volume, negativity and rumours.
Every day is generated from its own seed, so any period comes out identical on every run."""

from __future__ import annotations

import math
import random
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from ...schedule import BusinessCalendar, business_calendar, parse_schedule

TZ = ZoneInfo("Europe/Amsterdam")
WEEKDAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]

# Platform → (share of residents' posts, the municipality's own handle or None, residents' handle style).
PLATFORMS: dict[str, tuple[float, str | None, str]] = {
    "facebook": (0.27, "gemeentelindeveen", "{first}.{last}.{n}"),
    "mastodon": (0.18, "gemeentelindeveen@social.overheid.nl", "{first}{n}@mastodon.nl"),
    "bluesky": (0.12, "gemeentelindeveen.bsky.social", "{first}{last}{n}.bsky.social"),
    "instagram": (0.10, "gemeentelindeveen", "{first}_{last}{n}"),
    "youtube": (0.05, "GemeenteLindeveen", "@{First}{Last}{n}"),
    "reddit": (0.10, None, "{first}_{word}{n}"),
    "news": (0.18, None, "{First}{L}{n}"),
}
OWN_NAME = "Gemeente Lindeveen"
THEME_WEIGHTS = {"afval": 18, "verkeer": 17, "parkeren": 12, "veiligheid": 11, "groen": 10,
                 "wonen": 11, "zorg": 9, "evenementen": 12}
INTENTS = {"klacht": 0.36, "vraag": 0.24, "lof": 0.13, "praat": 0.27}
# Chance that a resident addresses the municipality directly (mentions its handle).
ADDRESSED = {"klacht": 0.45, "vraag": 0.75, "lof": 0.35, "praat": 0.05, "gerucht": 0.35, "steun": 0.2}
REPLY_DELAY_CAP = timedelta(days=6)  # the demo never answers later; harvest looks back 7 days


@cache
def texts() -> dict:
    """The demo's text templates (texts.toml beside this module)."""
    return tomllib.loads((Path(__file__).with_name("texts.toml")).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    followers: int
    uid: str


@dataclass
class Post:
    platform: str
    id: str
    created_at: datetime
    author: Person
    text: str
    reply_to: str | None = None
    thread: str | None = None
    likes: int = 0
    shares: int = 0
    comments: int = 0
    title: str | None = None

    def payload(self) -> dict:
        """The post in the demo platform's own (raw) format."""
        return {
            "id": self.id,
            "platform": self.platform,
            "posted_at": self.created_at.isoformat(),
            "author": {"id": self.author.uid, "handle": self.author.handle, "name": self.author.name,
                       "followers": self.author.followers},
            "title": self.title,
            "body": self.text,
            "reply_to": self.reply_to,
            "thread": self.thread or self.id,
            "url": f"https://demo.luisterpost.invalid/{self.platform}/{self.id}",
            "stats": {"likes": self.likes, "shares": self.shares, "comments": self.comments},
            "lang": "nl",
        }


@dataclass
class World:
    """Everything that is the same on every day: people, own accounts, office hours."""

    seed: int
    calendar: BusinessCalendar
    residents: list[dict[str, str | int]] = field(default_factory=list)

    def own(self, platform: str) -> Person | None:
        handle = PLATFORMS[platform][1]
        if handle is None:
            return None
        return Person(handle, OWN_NAME, {"facebook": 8400, "mastodon": 2100, "bluesky": 1300,
                                         "instagram": 5200, "youtube": 900}[platform], f"own-{platform}")

    def person(self, index: int, platform: str) -> Person:
        r = self.residents[index]
        first, last = str(r["first"]), str(r["last"])
        compact = last.replace(" ", "").lower()
        handle = PLATFORMS[platform][2].format(
            first=first.lower(), last=compact, First=first, Last=compact.capitalize(), L=compact[0].upper(),
            n=r["n"], word=r["word"],
        )
        # A mild platform-dependent spread, heavy-tailed underneath.
        followers = int(int(r["followers"]) * {"facebook": 1.0, "mastodon": 0.5, "bluesky": 0.7,
                                                "instagram": 1.4, "youtube": 0.2, "reddit": 0.3,
                                                "news": 0.0}[platform])
        return Person(handle, f"{first} {last}", followers, f"{platform}-{index}")


STORM_WEEK = (10, 8)  # (month, day): an autumn storm every year, so any 13 months hold one crisis week


def make_world(seed: int) -> World:
    """The people of Lindeveen; the same for every day and every harvest window."""
    rng = random.Random(f"{seed}/people")
    words = ["fietser", "buurman", "veenbewoner", "koffie", "molen", "polder", "tulp", "kade"]
    residents = []
    for _ in range(2600):
        residents.append({
            "first": rng.choice(texts()["voornamen"]), "last": rng.choice(texts()["achternamen"]),
            "n": rng.randrange(1, 99), "word": rng.choice(words),
            # Pareto(α≈1.2): most residents have tens of followers, a few have thousands.
            "followers": min(int(35 * rng.paretovariate(1.2)), 150_000),
        })
    calendar = business_calendar(parse_schedule("mon-fri 08:30-17:00"), TZ, "NL", [])
    return World(seed, calendar, residents)


class Day:
    """The posts that start on one day (their replies may fall on later days)."""

    def __init__(self, world: World, day: date):
        self.world = world
        self.day = day
        self.rng = random.Random(f"{world.seed}/{day.isoformat()}")
        self.posts: list[Post] = []
        self._counter = 0
        storm_day = (day - date(day.year, *STORM_WEEK)).days
        self.storm = 0 <= storm_day < 7
        # Volume: a rising trend, quieter weekends, summer dip, and the storm's peak and decay.
        trend = 1 + 0.15 * ((day.toordinal() % 3650) / 3650)
        weekend = 0.7 if day.weekday() >= 5 else 1.0
        summer = 0.8 if day.month in (7, 8) else 1.0
        self.volume = 34 * trend * weekend * summer * (1 + 6 * math.exp(-storm_day / 1.6) if self.storm else 1)

    # -- building blocks ------------------------------------------------------------------------------
    def _id(self) -> str:
        self._counter += 1
        return f"{self.day:%Y%m%d}{self._counter:05d}"

    def _moment(self) -> datetime:
        # Residents post from morning to late evening, with peaks at breakfast, lunch and after dinner.
        hour = self.rng.choices(range(24), weights=[1, 1, 0, 0, 0, 1, 3, 6, 8, 7, 6, 6, 8, 7, 6, 6, 7, 7,
                                                     8, 9, 10, 9, 6, 3])[0]
        local = datetime.combine(self.day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), TZ)
        return local.astimezone(UTC)

    def _fill(self, template: str, platform: str, first_name: str = "") -> str:
        t = texts()
        return template.format(kern=self.rng.choice(t["woonkernen"]), straat=self.rng.choice(t["straten"]),
                               own="@" + (PLATFORMS[platform][1] or "gemeente").split("@")[0],
                               naam=first_name, dag=self.rng.choice(WEEKDAYS_NL[:5]), thema="{thema}")

    def _engage(self, post: Post, boost: float = 1.0) -> None:
        reach = max(post.author.followers, 20)
        post.likes = int(self.rng.paretovariate(1.5) * math.log10(reach) * boost) - 1
        post.likes = max(post.likes, 0)
        post.shares = max(int(post.likes * self.rng.random() * 0.3), 0)

    def _add(self, post: Post) -> Post:
        post.created_at = post.created_at.replace(microsecond=0)
        self.posts.append(post)
        return post

    def _resident(self, platform: str) -> Person:
        return self.world.person(self.rng.randrange(len(self.world.residents)), platform)

    # -- the municipality answering -------------------------------------------------------------------
    def _answer_time(self, asked: datetime) -> datetime | None:
        """When the webcare team answers a message sent at `asked`, or None if it never does."""
        rng, calendar = self.rng, self.world.calendar
        if rng.random() < (0.3 if self.storm else 0.12):
            return None
        if calendar.is_open(asked):
            answered = asked + timedelta(minutes=rng.lognormvariate(math.log(45), 0.9))
            if not calendar.is_open(answered):
                answered = calendar.next_opening(answered) + timedelta(minutes=rng.lognormvariate(math.log(40), 0.8))
        elif rng.random() < (0.5 if self.storm else 0.2):
            # Evening and weekend duty: some messages get a reply within a few hours.
            answered = asked + timedelta(minutes=rng.lognormvariate(math.log(90), 0.7))
        else:
            answered = calendar.next_opening(asked) + timedelta(minutes=rng.lognormvariate(math.log(60), 0.9))
        return min(answered, asked + REPLY_DELAY_CAP)

    def _maybe_answer(self, message: Post, resident: Person) -> None:
        own = self.world.own(message.platform)
        if own is None:
            return
        answered = self._answer_time(message.created_at)
        if answered is None:
            return
        first = resident.name.split()[0]
        if self.rng.random() < 0.05:
            # Answered, but on another channel: the resident asked here, the reply lands elsewhere.
            other = self.rng.choice([p for p, spec in PLATFORMS.items() if spec[1] and p != message.platform])
            text = self._fill("Hoi {naam}, we hebben je bericht gezien en sturen je een privébericht.", other, first)
            self._add(Post(other, self._id(), answered, self.world.own(other), text))
            return
        handle = "@" + resident.handle.split("@")[0] if message.platform in {"mastodon", "bluesky"} else ""
        template = self.rng.choice(texts()["own"]["antwoord"][4:5] if "top" in message.text.lower()
                                   or "dank" in message.text.lower() else texts()["own"]["antwoord"])
        text = (handle + " " if handle else "") + self._fill(template, message.platform, first)
        reply = self._add(Post(message.platform, self._id(), answered, own, text, reply_to=message.id,
                               thread=message.thread or message.id))
        self._engage(reply, 0.3)
        if self.rng.random() < 0.25:
            thanks = Post(message.platform, self._id(), answered + timedelta(minutes=self.rng.randrange(5, 240)),
                          resident, self.rng.choice(texts()["own"]["bedankt"]), reply_to=reply.id,
                          thread=reply.thread)
            self._add(thanks)

    # -- what happens in a day ------------------------------------------------------------------------
    def resident_posts(self) -> None:
        rng, t = self.rng, texts()
        platforms = list(PLATFORMS)
        weights = [PLATFORMS[p][0] for p in platforms]
        count = int(rng.gauss(self.volume, math.sqrt(self.volume)))
        for _ in range(max(count, 0)):
            platform = rng.choices(platforms, weights)[0]
            if self.storm and rng.random() < 0.6:
                intent = rng.choices(["klacht", "gerucht", "steun"], [0.55, 0.3, 0.15])[0]
                template = rng.choice(t["crisis"][intent])
            else:
                theme = rng.choices(list(THEME_WEIGHTS), list(THEME_WEIGHTS.values()))[0]
                intent = rng.choices(list(INTENTS), list(INTENTS.values()))[0]
                template = rng.choice(t["themes"][theme][intent])
            author = self._resident(platform)
            text = self._fill(template, platform)
            own = self.world.own(platform)
            addressed = own is not None and rng.random() < ADDRESSED[intent]
            if addressed:
                tag = "@" + own.handle.split("@")[0]
                text = f"{tag} {text}" if rng.random() < 0.6 else f"{text} {tag}"
            if platform == "news":
                continue  # news comments are made under articles below
            post = self._add(Post(platform, self._id(), self._moment(), author, text))
            self._engage(post, 2.0 if intent in {"klacht", "gerucht"} else 1.0)
            if addressed:
                self._maybe_answer(post, author)
            for _ in range(rng.choices([0, 1, 2, 3], [0.55, 0.25, 0.12, 0.08])[0]):
                other = self._resident(platform)
                reaction = self._fill(rng.choice(t["themes"][rng.choice(list(THEME_WEIGHTS))]["praat"]), platform)
                when = post.created_at + timedelta(minutes=rng.lognormvariate(math.log(50), 1.0))
                opener = rng.choice(["Herkenbaar.", "Eens.", "Klopt,", "Ja!", "Hier ook.", ""])
                self._add(Post(platform, self._id(), when, other, f"{opener} {reaction}".strip(),
                               reply_to=post.id, thread=post.id))

    def own_broadcasts(self) -> None:
        rng, t = self.rng, texts()
        if self.day.weekday() >= 5 and not self.storm:
            return
        count = rng.choice([1, 2, 2, 3]) + (5 if self.storm else 0)
        for _ in range(count):
            platform = rng.choice([p for p, spec in PLATFORMS.items() if spec[1]])
            own = self.world.own(platform)
            template = rng.choice(t["own"]["crisis"] if self.storm else t["own"]["zenden"])
            local = datetime.combine(self.day, time(rng.randrange(8, 17), rng.randrange(60)), TZ)
            post = self._add(Post(platform, self._id(), local.astimezone(UTC), own, self._fill(template, platform)))
            self._engage(post, 3.0)
            # Residents react under the municipality's post: questions and complaints the team should answer.
            for _ in range(rng.choices([0, 1, 2, 3, 5], [0.3, 0.3, 0.2, 0.12, 0.08])[0]):
                resident = self._resident(platform)
                theme = rng.choices(list(THEME_WEIGHTS), list(THEME_WEIGHTS.values()))[0]
                intent = rng.choice(["vraag", "klacht", "lof", "praat"])
                when = post.created_at + timedelta(minutes=rng.lognormvariate(math.log(80), 1.1))
                comment = self._add(Post(platform, self._id(), when, resident,
                                         self._fill(rng.choice(t["themes"][theme][intent]), platform),
                                         reply_to=post.id, thread=post.id))
                if intent in {"vraag", "klacht"}:
                    self._maybe_answer(comment, resident)

    def news(self) -> None:
        rng, t = self.rng, texts()
        for _ in range(rng.choice([0, 1, 1, 2]) + (4 if self.storm else 0)):
            handle, name, followers = rng.choice(t["news"]["bronnen"])
            outlet = Person(handle, name, followers, f"news-{handle}")
            theme = rng.choice(list(THEME_WEIGHTS))
            title = self._fill(rng.choice(t["news"]["koppen"]), "news").format(thema=theme)
            if self.storm:
                title = f"Ravage in {rng.choice(t['woonkernen'])} na {t['crisis']['naam']}"
            local = datetime.combine(self.day, time(rng.randrange(6, 22), rng.randrange(60)), TZ)
            article = self._add(Post("news", self._id(), local.astimezone(UTC), outlet, title, title=title))
            self._engage(article, 4.0)
            for _ in range(rng.choices([0, 2, 4, 8, 15], [0.3, 0.3, 0.2, 0.15, 0.05])[0]):
                resident = self._resident("news")
                pool = t["crisis"]["klacht"] + t["crisis"]["gerucht"] if self.storm else t["themes"][theme]["klacht"] + t["themes"][theme]["praat"]
                when = article.created_at + timedelta(minutes=rng.lognormvariate(math.log(120), 1.0))
                self._add(Post("news", self._id(), when, resident, self._fill(rng.choice(pool), "news"),
                               reply_to=article.id, thread=article.id))


def simulate(seed: int, first_day: date, last_day: date) -> list[Post]:
    """Return every post started on days first_day..last_day (inclusive), sorted by time."""
    world = make_world(seed)
    posts: list[Post] = []
    day = first_day
    while day <= last_day:
        d = Day(world, day)
        d.resident_posts()
        d.own_broadcasts()
        d.news()
        posts += d.posts
        day += timedelta(days=1)
    # Every reply is generated on its thread's start day, so these counts are the same in any window.
    replies = Counter(p.reply_to for p in posts if p.reply_to)
    for post in posts:
        post.comments = replies.get(post.id, 0)
    posts.sort(key=lambda p: (p.created_at, p.id))
    return posts

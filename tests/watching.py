"""What the watch's tests and benchmark share: a Mastodon hashtag that publishes posts with given texts, a webhook
receiver on 127.0.0.1, and a municipality config that watches the hashtag and alerts the receiver."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakeapi import FakeApi
from tests.replay import Mastodon

TOKEN_ENV = "HOOK_TOKEN"
TOKEN = "hook-token-7f3a9c1e-do-not-show"  # the receiver's credential: never in a message, a log or the database


class Burst(Mastodon):
    """A Mastodon hashtag whose residents post the texts a test gives."""

    def serve(self, api: FakeApi) -> None:
        self.api = api  # to count what the platform was asked
        super().serve(api)

    def asked(self) -> int:
        """How many times the hashtag was read."""
        return len(self.api.hits(self.tag_path(self.MAIN[4:])))

    def say(self, text: str, at: datetime, author: str = "anouk") -> str:
        item_id = self.post(self.MAIN, at)
        self.authors[item_id] = author
        self.payloads[item_id] = self.make_post(item_id, at, author, text)
        return item_id


class Receiver:
    """A webhook on 127.0.0.1 that keeps every JSON body posted to it, with the request's headers."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.arrived: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(json.loads(body))
                receiver.headers.append(dict(self.headers))
                receiver.arrived.append(time.monotonic())
                self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook?+X-Token={{secret:hook-token}}"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (a receiver that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def watch_config(api_url: str, alert_url: str, *, interval: float = 15, database: str = "data/{slug}.duckdb") -> str:
    """A municipality watching #lindeveen on `api_url` and alerting `alert_url`; spikes from 5 posts an hour."""
    return f'''
[municipality]
name = "Lindeveen"

[storage]
database = "{database}"

[accounts]
mastodon = ["gemeentelindeveen@social.overheid.nl"]

[terms]
names = ["Lindeveen", "gemeente Lindeveen"]
hashtags = ["#lindeveen"]
woonkernen = ["Heikamp", "Zandhoek", "Molenwijk"]

[terms.portfolios]
verkeer = ["verkeer", "fietspad", "rotonde", "afgesloten"]
afval = ["afval", "container"]

[spikes]
min_posts_hour = 5

[watch]
interval_minutes = {interval}

[alerts]
urls = ["{alert_url}"]
min_severity = 3
retries = 1
backoff_seconds = 0.05

[[sources]]
kind = "mastodon"
name = "mastodon"
base_url = "{api_url}"
hashtags = ["lindeveen"]
lookback_days = 2
retries = 0
watch = true
'''


ANGRY = ["Het fietspad in {p} is weer afgesloten, echt schandalig en gevaarlijk voor de kinderen!",
         "Waarom is het fietspad bij {p} afgesloten? Slecht geregeld, gevaarlijk en onveilig.",
         "Boos: fietspad {p} afgesloten zonder omleiding, gevaarlijk en schandalig. Bel mij op 06-12345678.",
         "Weer dat afgesloten fietspad in {p}, gevaarlijk druk op de weg, slecht nieuws voor scholieren."]


def angry(n: int, place: str) -> list[str]:
    """`n` negative posts about a closed cycle path in `place`."""
    return [ANGRY[i % len(ANGRY)].format(p=place) for i in range(n)]

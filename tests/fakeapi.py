"""A platform API on 127.0.0.1 for tests and benchmarks: replays recorded responses, injects faults.

Routes match on method, path and (optionally) some query parameters; each route has a default reply and
a queue of one-shot replies served first (429 with Retry-After, 5xx, a timeout, malformed JSON, …). A reply's
body may be a function of the request that returns the Reply to send: a synthetic platform pages through its
posts that way (tests/replay.py).
"{base}" in a reply body or header is replaced by the server's URL, so Link headers and `next` URLs
recorded from the documentation point back at it. Every request is kept in `requests`."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "data" / "api"


def recorded(name: str) -> Any:
    """A recorded response from tests/data/api (JSON files are decoded, others returned as text)."""
    path = RECORDED / name
    return json.loads(path.read_text(encoding="utf-8")) if path.suffix == ".json" else path.read_text(encoding="utf-8")


@dataclass
class Reply:
    body: Any = None  # dict/list → JSON; str/bytes → as is; a callable: called with the Request, returns a Reply
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (more than the client's timeout: a timeout)
    content_type: str = "application/json"


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class _Route:
    method: str
    path: str
    params: dict[str, str]
    default: Reply
    queue: list[Reply] = field(default_factory=list)


class FakeApi:
    """Start with `with FakeApi() as api:`; `api.url` is its base URL."""

    def __init__(self, latency: float = 0.0):
        self.latency = latency
        self.routes: list[_Route] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, as from a real server

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                api._handle(self)

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, path: str, body: Any = None, *, method: str = "GET", params: dict[str, str] | None = None,
            status: int = 200, headers: dict[str, str] | None = None, content_type: str = "application/json") -> None:
        """Answer `method path` (with these query parameters, when given) with this reply from now on."""
        reply = Reply(body, status, headers or {}, content_type=content_type)
        for route in self.routes:
            if (route.method, route.path, route.params) == (method, path, params or {}):
                route.default = reply
                return
        self.routes.append(_Route(method, path, params or {}, reply))
        # Routes with more parameters are more specific: try them first.
        self.routes.sort(key=lambda r: -len(r.params))

    def inject(self, path: str, *replies: Reply, method: str = "GET", params: dict[str, str] | None = None) -> None:
        """Serve these replies, once each, before the route's default reply."""
        route = self._route(method, path, params or {}, exact=True)
        route.queue.extend(replies)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _route(self, method: str, path: str, params: dict[str, Any], exact: bool = False) -> _Route:
        for route in self.routes:
            if route.method != method or route.path != path:
                continue
            if exact and route.params == params:
                return route
            if not exact and all(params.get(k, [None])[0] == v for k, v in route.params.items()):
                return route
        raise LookupError(f"{method} {path} {params}")

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = parse_qs(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(handler.command, parts.path, params, dict(handler.headers), body, time.monotonic())
        with self._lock:
            self.requests.append(request)
            try:
                route = self._route(handler.command, parts.path, params)
                reply = route.queue.pop(0) if route.queue else route.default
            except LookupError:
                reply = Reply({"error": f"no route for {parts.path}"}, 404)
        if callable(reply.body):
            reply = reply.body(request)
        if self.latency or reply.delay:
            time.sleep(self.latency + reply.delay)
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif isinstance(reply.body, str):
            payload = reply.body.replace("{base}", self.url).encode()
        else:
            payload = json.dumps(reply.body).replace("{base}", self.url).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                handler.send_header(name, value.replace("{base}", self.url))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

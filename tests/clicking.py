"""Open a report page in headless Chromium over the DevTools protocol, click every link on it, and tell what
happened: dialogs, navigations, requests, Content-Security-Policy violations, charts drawn.

The page's requests never leave the machine: every http(s) request is answered here with "204 No Content",
which a browser does not navigate to, so the page stays and the next link can be clicked."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Installed before the page's own scripts run: counts policy violations (the browser fires the event for
# every blocked script, style or load) and takes the title the page started with.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));
"""


@dataclass
class Visit:
    """What the page did while loading and while every link was clicked."""

    links: list[str]  # the href of every <a>, as written in the page
    title_before: str = ""
    title_after: str = ""
    pwned: object = None  # window.pwned after the clicks: a hostile script would set it
    charts: int = 0  # plot divs in the page
    drawn: int = 0  # of those, the ones plotly.js drew an SVG in
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt messages
    requested: list[str] = field(default_factory=list)  # URLs the page asked for (links followed, loads)
    navigations: list[str] = field(default_factory=list)  # navigations the browser started, any scheme
    violations: list[str] = field(default_factory=list)  # CSP violations the page reported
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Chromium is missing: make installs Debian's chromium package")
    return path


def click_every_link(page: Path, timeout: float = 60) -> Visit:
    """Load `page`, wait until its charts are drawn, click each <a> in turn, and report (see `Visit`)."""
    return asyncio.run(asyncio.wait_for(_visit(page, _click_every_link), timeout))


def run_in_page(page: Path, expression: str, timeout: float = 60) -> Any:
    """Load `page`, wait until its charts are drawn, and give the value of the JavaScript `expression` there
    (run by the browser's DevTools, which the page's policy does not cover, as a user clicking does not)."""
    async def run(evaluate: Callable[[str], Awaitable[Any]], visit: Visit) -> Any:
        return await evaluate(expression)

    return asyncio.run(asyncio.wait_for(_visit(page, run), timeout))


async def _click_every_link(evaluate: Callable[[str], Awaitable[Any]], visit: Visit) -> Visit:
    for index in range(len(visit.links)):
        await evaluate(f"document.querySelectorAll('a')[{index}].click()")
        await asyncio.sleep(0.2)  # a javascript: URL runs, and a navigation starts, after the click returns
    visit.title_after = await evaluate("document.title")
    visit.pwned = await evaluate("window.pwned === undefined ? null : String(window.pwned)")
    visit.violations = await evaluate("window.__violations")
    return visit


async def _visit(page: Path, then: Callable[[Callable[[str], Awaitable[Any]], Visit], Awaitable[Any]]) -> Any:
    """Open `page` with every event of interest recorded, wait for its charts, and return `then(evaluate,
    visit)`: `visit` holds what was seen so far and keeps filling in while `then` runs."""
    import choreographer  # the DevTools client kaleido drives Chromium with

    visit = Visit(links=[])
    async with choreographer.Browser(path=chromium(), headless=True) as browser:
        tab = await browser.create_tab("about:blank")

        async def on_request(event: dict[str, Any]) -> None:
            params = event["params"]
            visit.requested.append(params["request"]["url"])
            await tab.send_command("Fetch.fulfillRequest", params={"requestId": params["requestId"], "responseCode": 204})

        async def on_dialog(event: dict[str, Any]) -> None:
            visit.dialogs.append(event["params"]["message"])
            await tab.send_command("Page.handleJavaScriptDialog", params={"accept": False})

        async def on_navigation(event: dict[str, Any]) -> None:
            visit.navigations.append(event["params"]["url"])

        async def on_console(event: dict[str, Any]) -> None:
            if event["params"]["type"] == "error":
                visit.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in event["params"]["args"]))

        async def on_log(event: dict[str, Any]) -> None:
            if event["params"]["entry"]["level"] == "error":
                visit.errors.append(event["params"]["entry"]["text"])

        async def on_exception(event: dict[str, Any]) -> None:
            visit.errors.append(str(event["params"]["exceptionDetails"].get("exception", {}).get("description")))

        for name, callback in (("Fetch.requestPaused", on_request), ("Page.javascriptDialogOpening", on_dialog),
                               ("Page.frameRequestedNavigation", on_navigation), ("Runtime.consoleAPICalled", on_console),
                               ("Log.entryAdded", on_log), ("Runtime.exceptionThrown", on_exception)):
            tab.subscribe(name, callback)
        for domain in ("Page", "Runtime", "Log"):
            await tab.send_command(f"{domain}.enable")
        await tab.send_command("Fetch.enable", params={"patterns": [{"urlPattern": "http*"}]})
        await tab.send_command("Page.addScriptToEvaluateOnNewDocument", params={"source": WATCH})
        loaded = tab.subscribe_once("Page.loadEventFired")
        await tab.send_command("Page.navigate", params={"url": page.as_uri()})
        await loaded

        async def evaluate(expression: str) -> Any:
            answer = await tab.send_command("Runtime.evaluate", params={"expression": expression, "returnByValue": True})
            return answer["result"]["result"].get("value")

        visit.charts = await evaluate("document.querySelectorAll('.plotly-graph-div').length")
        drawn = ("Array.from(document.querySelectorAll('.plotly-graph-div'))"
                 ".filter(d => d.querySelector('svg.main-svg')).length")
        deadline = time.monotonic() + 20
        visit.drawn = await evaluate(drawn)
        while visit.drawn < visit.charts and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            visit.drawn = await evaluate(drawn)
        visit.links = await evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
        visit.title_before = await evaluate("document.title")
        return await then(evaluate, visit)

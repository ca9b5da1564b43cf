"""Shared fixtures of the browser tests: the built site served on 127.0.0.1, headless Debian chromium.

The site directory is ``_build/html`` (``make book``); the environment variable ``LOSSBOOK_SITE``
points elsewhere. Without a site or without ``/usr/bin/chromium`` the browser tests are skipped
with the reason -- unless ``CI`` is set, where they fail instead.

Every request to a host other than 127.0.0.1 fails (no host name resolves) and is recorded as a
problem (the site must work offline and load nothing from a CDN), and so are console errors,
uncaught page errors, failed requests and HTTP error responses (``open_page``; the
``browser_page`` fixture is one such page, ``page_opener`` opens more with other context options).
Lines a test appends to ``site_report`` are printed at the end of the run.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from _book import site_dir, toc_pages

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # no host name resolves: the site must load nothing from elsewhere (each such request
                 # is recorded as a problem by open_page). Blocking here rather than by intercepting every
                 # request in Playwright keeps page loads as fast as a reader's (interception added
                 # 0.1-0.4 s to a chapter's DOMContentLoaded)
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
EXPLORER = "lossutils-explorer"  # CSS class of every static widget fragment


def site_pages() -> list[Path]:
    """Every content page of the site (not Sphinx's own folders such as _static or _sources)."""
    root = site_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.html")
                  if not any(part.startswith((".", "_")) for part in p.relative_to(root).parts[:-1]))


def unavailable(reason: str):
    """Skip with ``reason``; with CI set, fail: there the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="session")
def site() -> Path:
    root = site_dir()
    if not (root / "index.html").is_file():
        unavailable(f"no built site at {root}: run `make book` first, or set LOSSBOOK_SITE to a built site")
    return root


@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # port 0: a free port
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@dataclass
class BrowserPage:
    """A fresh page with everything that went wrong on it recorded."""

    page: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)  # (url, HTTP status) of each response

    def goto(self, path: str):
        url = f"{self.base_url}/{path.lstrip('/')}"
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(100)  # let late scripts log their errors
        return self.page

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"failed request: {m}" for m in self.failed_requests]
                + [f"request to another host (blocked): {m}" for m in self.external_requests])


def open_page(browser, base_url: str, **context_options):
    """A new browser context and page that record every problem (see BrowserPage); returns both.

    ``context_options`` go to ``browser.new_context`` (default: a 1280 x 900 viewport).
    Close the context when done.
    """
    context_options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(service_workers="block", **context_options)
    page = context.new_page()
    bp = BrowserPage(page=page, base_url=base_url)

    def on_request(req):
        url = urlparse(req.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
            bp.external_requests.append(req.url)  # it fails: no host name resolves (CHROMIUM_ARGS)

    def on_console(msg):
        if msg.type == "error":
            where = (msg.location or {}).get("url", "")
            bp.console_errors.append(f"{msg.text} [{where}]" if where else msg.text)

    def on_request_failed(req):
        if urlparse(req.url).hostname == "127.0.0.1":  # external ones are recorded by on_request
            bp.failed_requests.append(f"{req.url}: {req.failure}")

    def on_response(resp):
        bp.responses.append((resp.url, resp.status))
        if resp.status >= 400:
            bp.failed_requests.append(f"{resp.url}: HTTP {resp.status}")

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: bp.page_errors.append(str(exc)))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    return context, bp


@pytest.fixture
def browser_page(site, base_url, browser):
    context, bp = open_page(browser, base_url)
    yield bp
    context.close()


@pytest.fixture(scope="session")
def page_opener(site, base_url, browser):
    """``page_opener(**context_options)`` -> (context, BrowserPage), as ``open_page`` on the served site."""
    return functools.partial(open_page, browser, base_url)


@pytest.fixture
def site_report(request) -> list[str]:
    """Lines a test wants shown at the end of the run (page weights, timings). They travel with the
    test's report, so they reach the end of the run from pytest-xdist workers too."""
    lines: list[str] = []
    yield lines
    request.node.user_properties.extend(("site_report", line) for line in lines)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = [value for reports in terminalreporter.stats.values() for r in reports
             if getattr(r, "when", None) == "teardown" for key, value in getattr(r, "user_properties", ())
             if key == "site_report"]
    if lines:
        terminalreporter.section("built site")
        for line in sorted(lines):
            terminalreporter.write_line(line)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # a page removed while the site is being rebuilt
        return ""


def pytest_generate_tests(metafunc):
    """``widget_page``: each page with a static widget; ``site_page``: each page that is not in the
    table of contents (search, index ...: test_site.py visits the pages of _toc.yml) (relative paths)."""
    for name, only_widgets in (("widget_page", True), ("site_page", False)):
        if name not in metafunc.fixturenames:
            continue
        root = site_dir()
        pages = [p for p in site_pages() if not only_widgets or f'class="{EXPLORER}"' in _text(p)]
        rel = [p.relative_to(root).as_posix() for p in pages]
        if not only_widgets:
            in_toc = set(toc_pages())
            rel = [p for p in rel if p not in in_toc]
        # no site, or no widget on it: one placeholder that skips (or fails under CI) with the reason
        metafunc.parametrize(name, rel or [None], ids=rel or ["no-pages"])

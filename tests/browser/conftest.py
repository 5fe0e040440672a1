"""The built website, served on 127.0.0.1 and opened in Debian's Chromium.

Everything here is started and stopped by the tests themselves: a static HTTP server on a free
port serving ``_build/html``, and one headless Chromium driven by Playwright. Playwright's own
browser download is never used (it cannot reach its servers here); the browser is Debian's
``/usr/bin/chromium`` (``make test`` installs it), or the one named by ``DERIVLAB_CHROMIUM``.

The tests skip, saying why, only when the book has not been built; ``make test`` builds it
(strictly) first. Any other missing piece fails, so a green run means the site was checked.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from book_pages import ROOT, SITE, toc_pages

LOAD_TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("DERIVLAB_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Flags that keep a headless Chromium quiet and offline-friendly in a container: no sandbox
# (we run as root in CI), no GPU, no background calls home. Playwright adds --headless and a
# fresh temporary --user-data-dir of its own on every launch.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ---- the built site ----
@pytest.fixture(scope="session")
def site() -> Path:
    """The built website; skips the browser tests, with the reason, when it is not there."""
    missing = [p.html for p in toc_pages() if not (SITE / p.html).is_file()]
    if not (SITE / "index.html").is_file() or missing:
        what = "no site at all" if not (SITE / "index.html").is_file() else f"no {missing[0]}"
        pytest.skip(
            f"the book has not been built ({what} in {SITE}): run `make book` first "
            "(`make test` builds it strictly, then runs these tests)"
        )
    return SITE


# ---- a static HTTP server on 127.0.0.1 ----
@dataclass
class Server:
    """The running server: its base URL and every path it answered with an error."""

    url: str
    errors: list[str] = field(default_factory=list)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site; remembers failures instead of printing every request."""

    failures: list[str]

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        self.failures.append(f"{code} {self.path}")
        super().send_error(code, message, explain)


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[Server]:
    """``site`` over HTTP on 127.0.0.1 at a free port, for the whole session."""
    failures: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"failures": failures})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}/", failures)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# ---- one headless Chromium ----
@pytest.fixture(scope="session")
def browser(site: Path) -> Iterator[object]:
    """Debian's Chromium under Playwright, launched once and closed at the end."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make test does it), "
            "or point DERIVLAB_CHROMIUM at a Chromium binary",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the screenshots go (gitignored): artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# ---- opening a page ----
MATHJAX_DONE = """async () => {
  if (!window.MathJax || !window.MathJax.startup) return false;
  await window.MathJax.startup.promise;
  return true;
}"""


class Visit:
    """One page opened in a fresh browser context, with everything that went wrong on the way."""

    def __init__(self, browser, server: Server, path: str, phone: bool = False) -> None:
        if phone:  # a 390 px wide touch screen at 3x, as a current phone
            self.context = browser.new_context(
                viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
            )
        else:
            self.context = browser.new_context(viewport=DESKTOP)
        self.server = server
        self.first_error = len(server.errors)  # the server's errors from here on are ours
        self.closed = False
        self.console: list[str] = []
        self.external: list[str] = []
        # The site must read offline: a request to any other host is refused and remembered.
        self.context.route(lambda url: not url.startswith(server.url), self._refuse)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(f"uncaught: {e}"))
        self.response = self.page.goto(
            server.url + path, wait_until="load", timeout=LOAD_TIMEOUT_MS
        )
        self.page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
        self.mathjax = bool(self.page.evaluate(MATHJAX_DONE))

    def _refuse(self, route) -> None:
        self.external.append(route.request.url)
        route.abort()

    @property
    def server_errors(self) -> list[str]:
        return self.server.errors[self.first_error :]

    def close(self) -> None:
        if not self.closed:
            self.context.close()
            self.closed = True


@pytest.fixture
def visit(browser, server):
    """Open a site path (relative to the root) in a fresh context; closed after the test."""
    opened: list[Visit] = []

    def open_path(path: str, phone: bool = False) -> Visit:
        opened.append(Visit(browser, server, path, phone))
        return opened[-1]

    yield open_path
    for v in opened:
        v.close()

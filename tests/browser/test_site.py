"""The website as a reader meets it, in a real browser (see conftest.py for the setup).

Every page of _toc.yml: loads with no console error and no request leaving 127.0.0.1, its math
typeset by the MathJax the site ships, its images decoded, its links pointing at pages and
anchors that exist. Chapter pages: Binder and Colab buttons that open this notebook of this
repository. Search finds a chapter for "Hessian". Screenshots of three pages, on a desktop and on
a phone, go to artifacts/screenshots/.
The reference pages: every public derivlab name in the API reference, every cited work in the
bibliography, every chapter in the execution-status table.
"""

from __future__ import annotations

import importlib
import re
import types
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from book_pages import ROOT, Page, repository, toc_pages
from conftest import LOAD_TIMEOUT_MS, Server

PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.is_notebook]

# ---- in-page checks, run by the browser ----
# Math: Sphinx marks every formula with class "math"; MathJax replaces its TeX by an
# <mjx-container>. A formula without one, an <mjx-merror>, or TeX delimiters left in the text
# outside code means the reader sees raw LaTeX.
MATH_REPORT = r"""() => {
  const formulas = [...document.querySelectorAll('.math')];
  const unrendered = formulas.filter(m => !m.querySelector('mjx-container'))
    .map(m => m.textContent.trim().slice(0, 80));
  const errors = [...document.querySelectorAll('mjx-merror')]
    .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80));
  const raw = [];
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest('pre, code, script, style, textarea, mjx-container')) continue;
    const text = node.textContent;
    if (/\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\$[^\s$][^$]*[^\s$\\]\$/.test(text)) {
      raw.push(text.trim().slice(0, 80));
    }
  }
  return {formulas: formulas.length, rendered: document.querySelectorAll('mjx-container').length,
          unrendered, errors, raw};
}"""

# Images: every <img> finished loading and decoded to a picture with a width.
IMAGES_LOADED = """async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.complete ? null
    : new Promise(done => { img.onload = img.onerror = done; })));
  return {count: images.length,
          broken: images.filter(img => !(img.complete && img.naturalWidth > 0))
                        .map(img => img.getAttribute('src'))};
}"""


# ---- every page ----
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_loads_cleanly(page: Page, visit) -> None:
    """No console error, nothing fetched from outside, no HTTP error, math typeset, images drawn."""
    v = visit(page.html)
    assert v.response is not None and v.response.ok, f"{page.html}: HTTP {v.response.status}"
    assert not v.external, f"{page.html} reached outside the site: {v.external}"
    assert not v.console, f"{page.html} console errors: {v.console}"
    assert not v.server_errors, f"{page.html}: the server answered {v.server_errors}"

    math = v.page.evaluate(MATH_REPORT)
    if math["formulas"]:
        assert v.mathjax, f"{page.html} has {math['formulas']} formulas but MathJax did not run"
        assert math["rendered"] >= math["formulas"], f"{page.html}: {math}"
    assert not math["unrendered"], f"{page.html}: formulas left as TeX: {math['unrendered']}"
    assert not math["errors"], f"{page.html}: MathJax errors: {math['errors']}"
    assert not math["raw"], f"{page.html}: raw TeX in the text: {math['raw']}"

    images = v.page.evaluate(IMAGES_LOADED)
    assert not images["broken"], f"{page.html}: broken images {images['broken']}"
    assert not v.server_errors, f"{page.html}: the server answered {v.server_errors}"


def test_math_is_rendered_offline(visit) -> None:
    """The site's own MathJax typesets math: the script is served from _static/, not a CDN."""
    with_math = [p for p in CHAPTERS if "$" in p.source.read_text()]
    assert with_math, "no chapter has math to check"
    v = visit(with_math[0].html)
    sources = v.page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    mathjax = [s for s in sources if "mathjax" in s.lower()]
    assert mathjax and all("/_static/mathjax/" in s for s in mathjax), mathjax
    report = v.page.evaluate(MATH_REPORT)
    assert v.mathjax and report["rendered"] > 0, report
    # the CHTML fonts are the site's too: a formula's glyphs come from a woff served here
    fonts = v.page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.endsWith('.woff'))"
    )
    assert fonts and all("/_static/mathjax/output/chtml/fonts/" in f for f in fonts), fonts


# ---- links ----
def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            kind = response.headers.get_content_type()
            return response.status, body.decode("utf-8", "replace") if "html" in kind else ""
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_internal_links_resolve(visit, server: Server) -> None:
    """Every link on every page that stays on the site reaches a page, and its #anchor exists."""
    targets: dict[str, set[str]] = {}  # url -> pages linking to it
    for page in PAGES:
        v = visit(page.html)
        hrefs = v.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        for href in hrefs:
            if href.endswith(".pdf"):
                continue  # the PDF edition, made by `make pdf`: test_reading.py checks it
            if href.startswith(server.url):
                targets.setdefault(href, set()).add(page.html)
        v.close()

    bodies: dict[str, tuple[int, str]] = {}
    broken = []
    for href, sources in sorted(targets.items()):
        url, fragment = urldefrag(href)
        url = url.split("?")[0]
        if url not in bodies:
            bodies[url] = _fetch(url)
        status, body = bodies[url]
        where = f"{href} (linked from {sorted(sources)[0]})"
        if status != 200:
            broken.append(f"HTTP {status}: {where}")
        elif fragment and body and not re.search(rf'id="{re.escape(unquote(fragment))}"', body):
            broken.append(f"no #{fragment}: {where}")
    assert not broken, "\n".join(broken)
    assert len(targets) > 20, f"only {len(targets)} internal links found; is the site complete?"


# ---- launch buttons ----
@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_launch_buttons_open_this_notebook(page: Page, visit) -> None:
    """The rocket menu shows Binder and Colab, both pointing at this notebook in the repository."""
    repo = repository()
    owner_repo = urlsplit(repo["url"]).path.strip("/")
    branch = repo.get("branch", "main")
    notebook = page.source.relative_to(ROOT).as_posix()
    assert (ROOT / notebook).is_file()

    v = visit(page.html)
    v.page.click("button[aria-label='Launch interactive content']")
    # (Bootstrap moves each link's title into its tooltip, so find them by their text)
    binder = v.page.locator(".dropdown-launch-buttons a", has_text="Binder")
    colab = v.page.locator(".dropdown-launch-buttons a", has_text="Colab")
    binder.wait_for(state="visible", timeout=5_000)
    colab.wait_for(state="visible", timeout=5_000)
    assert binder.get_attribute("href") == (
        f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{notebook}"
    )
    assert colab.get_attribute("href") == (
        f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{notebook}"
    )


def test_colab_install_cell_matches_repository() -> None:
    """Colab gets derivlab from the first cell of each chapter: the same repository URL."""
    url = repository()["url"].rstrip("/")
    for page in CHAPTERS:
        text = page.source.read_text()
        assert f"derivlab @ git+{url}" in text, f"{page.source.name}: install cell not for {url}"


# ---- search ----
def test_search_finds_a_chapter_for_hessian(visit) -> None:
    """Sphinx's client-side search, run by the browser, lists a chapter for "Hessian"."""
    v = visit("search.html?q=Hessian")
    v.page.wait_for_selector("#search-results ul.search li a", timeout=LOAD_TIMEOUT_MS)
    hits = v.page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href'))"
    )
    chapters = {p.html for p in CHAPTERS if p.name != "preface"}
    found = [h for h in hits if h.split("?")[0].split("#")[0] in chapters]
    assert found, f"search for Hessian found no chapter, only {hits}"
    assert not v.console, v.console


# ---- screenshots for a person to look at ----
def _representative() -> list[Page]:
    """The first page, the chapter with the most formulas and plots, and the API reference."""
    chapters = [p for p in CHAPTERS if p.name != "preface"] or CHAPTERS

    def richness(p: Page) -> int:
        text = p.source.read_text()
        return text.count("$") + 20 * (text.count("dl.plot.") + text.count("plt."))

    picks = [PAGES[0], max(chapters, key=richness)]
    picks += [p for p in PAGES if p.name == "api"][:1]
    return picks


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
@pytest.mark.parametrize("page", _representative(), ids=lambda p: p.name)
def test_screenshot(page: Page, phone: bool, visit, screenshots: Path) -> None:
    """The top of the page and its first figure, as PNGs in artifacts/screenshots/."""
    v = visit(page.html, phone=phone)
    v.page.evaluate(IMAGES_LOADED)
    name = page.name + ("-phone" if phone else "")
    top = screenshots / f"{name}.png"
    v.page.screenshot(path=str(top))
    assert top.stat().st_size > 10_000, "a near-empty screenshot: is the page blank?"
    figure = v.page.locator("main img:not([alt$='logo'])").first
    if figure.count():
        figure.scroll_into_view_if_needed()
        v.page.wait_for_timeout(200)
        v.page.screenshot(path=str(screenshots / f"{name}-figure.png"))


# ---- the reference pages ----
MODULES = ["derivlab"] + [
    f"derivlab.{m}"
    for m in ("numeric", "symbolic", "scalar", "optim", "nn", "plot", "data", "exercises")
]


def _inventory(site: Path) -> set[str]:
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as stream:
        inventory = InventoryFile.load(stream, "", lambda base, uri: uri)
    return {
        name for kind, entries in inventory.items() if kind.startswith("py:") for name in entries
    }


@pytest.mark.parametrize("module", MODULES)
def test_api_reference_documents_every_public_name(module: str, site: Path) -> None:
    """Each name in a module's __all__ has an entry, with a docstring, in the API reference."""
    documented = _inventory(site)
    mod = importlib.import_module(module)
    public = [n for n in mod.__all__ if not isinstance(getattr(mod, n), types.ModuleType)]
    missing = [n for n in public if f"{module}.{n}" not in documented]
    assert not missing, f"not in book/api: {missing}"
    undocumented = [n for n in public if not (getattr(mod, n).__doc__ or "").strip()]
    assert not undocumented, f"{module}: no docstring for {undocumented}"
    assert (site / "book" / "api.html").read_text().count(f'id="{module}.') >= len(public)


def test_bibliography_lists_every_source(site: Path) -> None:
    """Every entry of book/references.bib is on the bibliography page."""
    keys = re.findall(r"^@\w+\{([^,]+),", (ROOT / "book/references.bib").read_text(), re.M)
    html = (site / "book" / "bibliography.html").read_text()
    entries = html.count('role="doc-biblioentry"')
    assert len(keys) >= 20 and entries == len(keys), (len(keys), entries)


def test_glossary_defines_the_core_terms(site: Path) -> None:
    """The words the issue lists, and the ones the preface links, are glossary terms."""
    html = (site / "book" / "glossary.html").read_text()
    terms = set(re.findall(r'id="term-([^"]+)"', html))
    wanted = set(
        "primal tangent cotangent JVP VJP Jacobian Hessian gradient learning-rate loss "
        "directional-derivative dual-number tape adjoint truncation-error round-off-error "
        "condition-number step-size stencil".split()
    )
    assert wanted <= terms, sorted(wanted - terms)


def test_status_page_lists_every_chapter(site: Path) -> None:
    """The execution-status table has a row, a run time and a pass mark for every notebook."""
    html = (site / "book" / "status.html").read_text()
    table = html[html.index("<table") : html.index("</table>")]
    rows = re.findall(r"<tr.*?</tr>", table, re.S)[1:]
    text = {re.sub(r"<[^>]+>|\s+", " ", r) for r in rows}
    for page in CHAPTERS:
        docname = page.html.removesuffix(".html")
        row = [r for r in text if f" {docname} " in r]
        assert row, f"{docname} missing from the status table"
        assert "✅" in row[0] and re.search(r" \d+(\.\d+)? ", row[0]), row[0]

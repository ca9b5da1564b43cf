"""The built website, page by page, in headless chromium, offline.

Every page of the table of contents (_toc.yml) is opened once, at desktop width (1366 px), with
every request to another host blocked and recorded (fixtures in conftest.py). From that one visit:

* the page answers HTTP 200 and logs no console error, no failed request, no request elsewhere;
* maths is rendered by KaTeX: no raw ``$$``, ``\\(``, ``\\[`` or ``\\begin{`` left in the text, no
  KaTeX error, KaTeX's fonts in use, and at least as many formulas as the page's source has;
* every ``<img>`` has loaded and has alt text;
* every link to the site itself points to an existing file, and its ``#fragment`` to an existing id;
* chapter pages (notebooks) have the Binder and Colab launch links, the ``.ipynb`` download and the
  repository link, all pointing to the chapter's notebook; every other page (the instructor guide,
  a MyST text notebook, included) has no launch link: Colab and Binder cannot open a ``.md``;
* the API reference documents every name of ``lossutils.__all__``, with its formula rendered;
* nothing of a solution is visible until it is opened, and opening one shows its code;
* in dark mode, figures keep a light background (matplotlib draws black on white);
* at phone width (390 px) nothing makes the page scroll sideways and no image is cut;
* chapter page weight (HTML + everything the browser loaded, widgets included) is reported and
  stays under 0.6 MB as transferred by a host that gzips text (tools/page_weight.py); the static
  count of tools/page_weight.py must include every file the browser actually loaded.

Screenshots (phone and desktop, and a dark-mode view of the first figure) are written to
``screenshots/`` next to the site under test (``_build/screenshots/`` for ``make test``): the first
screen of each page, or the whole page with ``LOSSBOOK_SCREENSHOTS=full`` (``make screenshots``;
a 30 000 px chapter takes seconds to capture, so ``make test`` does not).
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import inspect
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from _book import scroll_to, site_dir, source_dir, toc_pages

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
BUDGET_BYTES = 600_000  # per chapter page, as transferred

_spec = importlib.util.spec_from_file_location("page_weight", ROOT / "tools" / "page_weight.py")
page_weight = sys.modules.setdefault("page_weight", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(page_weight)


# ----------------------------------------------------------------------------------------------
# Which pages: the table of contents of the book the site was built from


def _book_config() -> dict:
    return yaml.safe_load((source_dir() / "_config.yml").read_text(encoding="utf-8"))


def _is_chapter(site: Path, page: str) -> bool:
    """A chapter is a page built from a stored notebook (.ipynb) of the book; MyST text notebooks
    (the instructor guide) are executed too, but are not chapters and have no launch buttons."""
    stem = page[: -len(".html")]
    return (source_dir() / f"{stem}.ipynb").is_file() and (site / "_sources" / f"{stem}.ipynb").is_file()


def pytest_generate_tests(metafunc):
    if "toc_page" in metafunc.fixturenames:
        pages = toc_pages()
        metafunc.parametrize("toc_page", pages, ids=pages)
    if "chapter_page" in metafunc.fixturenames:
        site = site_dir()
        pages = [p for p in toc_pages() if _is_chapter(site, p)] if site.is_dir() else []
        metafunc.parametrize("chapter_page", pages or [None], ids=pages or ["no-built-chapters"])
    if "other_page" in metafunc.fixturenames:  # every page of the book that is not a chapter
        site = site_dir()
        pages = [p for p in toc_pages() if not (site.is_dir() and _is_chapter(site, p))]
        metafunc.parametrize("other_page", pages, ids=pages)


# ----------------------------------------------------------------------------------------------
# One visit per page, shared by the tests


SCAN_JS = r"""() => {
  const main = document.querySelector('main') || document.body;
  const skip = 'pre, code, script, style, textarea, noscript, .katex, .highlight';
  const texts = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && !el.closest(skip)) texts.push(walker.currentNode.data);
  }
  const katex = Array.from(document.querySelectorAll('.katex')).filter(e => !e.parentElement.closest('.katex'));
  const katexFont = katex.length ? getComputedStyle(katex[0].querySelector('.katex-html') || katex[0]).fontFamily : '';
  return {
    text: texts.join(' '),
    katex: katex.length,
    katexErrors: Array.from(document.querySelectorAll('.katex-error'), e => e.getAttribute('title') || e.textContent),
    katexFont,
    katexFontLoaded: Array.from(document.fonts).some(f => f.family.replace(/["']/g, '') === 'KaTeX_Main' && f.status === 'loaded'),
    images: Array.from(document.images, img => ({
      src: img.currentSrc || img.src, alt: (img.getAttribute('alt') || '').trim(),
      complete: img.complete, width: img.naturalWidth,
    })),
    links: Array.from(document.querySelectorAll('a[href]'), a => ({href: a.href, raw: a.getAttribute('href'),
                                                                text: a.textContent.trim().slice(0, 60)})),
    ids: Array.from(document.querySelectorAll('[id]'), e => e.id)
          .concat(Array.from(document.querySelectorAll('a[name]'), e => e.getAttribute('name'))),
  };
}"""

DARK_JS = r"""() => {
  const lum = c => { const m = c.match(/[\d.]+/g); if (!m) return null;
    const [r, g, b, a] = m.map(Number); if (a === 0) return null; return (0.2126*r + 0.7152*g + 0.0722*b) / 255; };
  const backdrop = el => { for (let e = el; e; e = e.parentElement) {
      const l = lum(getComputedStyle(e).backgroundColor); if (l !== null) return l; } return null; };
  return Array.from(document.querySelectorAll('main .cell_output img, main figure img'), img => {
    const cs = getComputedStyle(img);
    const f = cs.filter.match(/brightness\(([\d.]+)\)/);
    return {src: img.currentSrc, backdrop: backdrop(img), brightness: f ? +f[1] : 1};
  });
}"""

PHONE_JS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const clipped = el => { for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true; }
    return false; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const wide = [];
  // which elements stick out: only asked when the page does scroll sideways (a walk over 15 000 elements)
  if (document.documentElement.scrollWidth > vw + 1) for (const e of document.querySelectorAll('main *')) {
    const r = e.getBoundingClientRect();
    if (r.width && r.right > vw + 1 && !clipped(e) && getComputedStyle(e).position !== 'fixed') wide.push(name(e) + ` (right edge ${Math.round(r.right)} px)`);
    if (wide.length >= 5) break;
  }
  // an image wider than the screen is cut unless it sits in a box that scrolls sideways (wide figures)
  const scrolls = el => { for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const cut = Array.from(document.querySelectorAll('main img'))
    .filter(img => img.getBoundingClientRect().width > vw + 1 && !scrolls(img)).map(img => img.currentSrc);
  return {scrollWidth: document.documentElement.scrollWidth, viewport: vw, wide, cut};
}"""


# The site writes plain names and punctuation of code as text, without Pygments' spans ("n", "p"),
# because the styles draw them in the code's text colour (_ext/lossbook_highlight.py): check that
# spans of those classes would indeed look like the text around them
CODE_COLOURS_JS = """() => {
  const pre = document.querySelector('.highlight pre');
  if (!pre) return null;
  const out = {text: getComputedStyle(pre).color, spans: document.querySelectorAll(['ipython3', 'python', 'pycon'].map(
    lang => `.highlight-${lang} span.n, .highlight-${lang} span.p`).join(', ')).length};
  for (const k of ['n', 'p']) {
    const s = document.createElement('span'); s.className = k; s.textContent = 'x'; pre.appendChild(s);
    out[k] = getComputedStyle(s).color; s.remove();
  }
  return out;
}"""

# A character no font on the machine has is drawn as a box ("tofu"), which a reader cannot read. Every
# distinct character of the page's text (hidden text too: closed solutions, other modes) is drawn on a
# canvas in its element's font and compared with a code point no font has (U+10FFFD, private use).
MISSING_GLYPHS_JS = r"""async () => {
  const seen = new Map();  // font + character -> where it occurs
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style, noscript, template')) continue;
    const cs = getComputedStyle(el);
    const font = `${cs.fontStyle} ${cs.fontWeight} 32px ${cs.fontFamily}`;
    for (const ch of n.data) {
      if (ch.codePointAt(0) < 128 || seen.has(font + ch)) continue;
      const cls = (el.getAttribute('class') || '').split(' ')[0];
      seen.set(font + ch, {font, ch, where: el.tagName.toLowerCase() + (cls ? '.' + cls : '')});
    }
  }
  const canvas = document.createElement('canvas'); canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (font, ch) => { ctx.clearRect(0, 0, 64, 64); ctx.font = font; ctx.textBaseline = 'top';
                               ctx.fillText(ch, 4, 4); return ctx.getImageData(0, 0, 64, 64).data.join(); };
  const fonts = new Map();  // font -> the characters drawn in it
  for (const {font, ch} of seen.values()) fonts.set(font, (fonts.get(font) || '') + ch);
  // a web font (KaTeX's) loads on first use
  await Promise.all(Array.from(fonts, ([font, chars]) => document.fonts.load(font, chars).catch(() => null)));
  const tofu = new Map(Array.from(fonts.keys(), font => [font, draw(font, '\u{10FFFD}')]));
  const boxes = [];
  for (const {font, ch, where} of seen.values())
    if (draw(font, ch) === tofu.get(font))
      boxes.push(`${ch} (U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}) in ${where}`);
  return {checked: seen.size, boxes};
}"""

SOLUTIONS_JS = """() => {
  const vis = e => e.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const sols = Array.from(document.querySelectorAll('div.solution'));
  const leaks = [];
  for (const s of sols) {
    for (const e of s.querySelectorAll('section, .cell, .cell_input, .cell_output, p, pre, img'))
      if (!e.closest('.admonition-title') && vis(e)) { leaks.push((s.id || 'solution') + ': ' + (e.textContent || e.tagName).trim().slice(0, 80)); break; }
  }
  const outside = Array.from(document.querySelectorAll('.tag_solution')).filter(e => !e.closest('div.solution'))
                       .map(e => e.textContent.trim().slice(0, 80));
  return {n: sols.length, exercises: document.querySelectorAll('div.exercise').length, leaks, outside};
}"""


@dataclass
class Visit:
    page: str
    status: int | None = None
    problems: list[str] = field(default_factory=list)
    scan: dict = field(default_factory=dict)
    dark: list[dict] = field(default_factory=list)
    dark_cards: list[str] = field(default_factory=list)  # background of the box of each quiz and widget, dark mode
    phone: dict = field(default_factory=dict)
    loaded: list[str] = field(default_factory=list)  # site-relative files the browser loaded
    solutions: dict = field(default_factory=dict)  # SOLUTIONS_JS, and whether opening one showed its code
    code_colours: dict = field(default_factory=dict)  # CODE_COLOURS_JS in light and dark mode
    glyphs: dict = field(default_factory=dict)  # MISSING_GLYPHS_JS
    screenshots: list[Path] = field(default_factory=list)


def screenshot_dir(site: Path) -> Path:
    out = site.parent / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _full_page_screenshot(page, path: Path) -> None:
    """A full-page PNG. Chromium's own capture with optimizeForSpeed is about twice as fast as
    Playwright's full_page screenshot on our 30 000 px chapters (the suite takes ~20 of them)."""
    try:
        width, height = page.evaluate("[Math.max(document.documentElement.scrollWidth, innerWidth), "
                                      "document.documentElement.scrollHeight]")
        cdp = page.context.new_cdp_session(page)
        try:
            shot = cdp.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True, "optimizeForSpeed": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        finally:
            cdp.detach()
        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception:  # not chromium, or an older protocol: Playwright's way
        page.screenshot(path=path, full_page=True)


def _visit(site: Path, page_opener, page: str) -> Visit:
    visit = Visit(page)
    shots = screenshot_dir(site)
    stem = page[: -len(".html")].replace("/", "__")
    context, bp = page_opener(viewport=DESKTOP, color_scheme="light")
    full = os.environ.get("LOSSBOOK_SCREENSHOTS") == "full"
    try:
        response = bp.page.goto(f"{bp.base_url}/{page}", wait_until="load")
        visit.status = response.status if response else None
        p = bp.page
        p.evaluate("document.fonts.ready.then(() => true)")
        # figures load lazily (when scrolled near); ask for all of them, so every one is checked
        p.evaluate("""() => Promise.all(Array.from(document.images, img => {
                        img.loading = 'eager'; return img.decode().catch(() => null); }))""")
        p.wait_for_timeout(100)  # let late scripts log their errors
        visit.scan = p.evaluate(SCAN_JS)
        visit.solutions = p.evaluate(SOLUTIONS_JS)
        visit.code_colours["light"] = p.evaluate(CODE_COLOURS_JS)
        visit.glyphs = p.evaluate(MISSING_GLYPHS_JS)
        if visit.solutions["n"]:  # open the first solution: its code cell shows
            sol = p.locator("div.solution").first
            sol.locator("button.toggle-button, .admonition-title").first.click()
            p.wait_for_timeout(250)
            visit.solutions["opened_shows_code"] = sol.locator(".cell_input").first.is_visible()
        path = shots / f"{stem}--desktop.png"
        _full_page_screenshot(p, path) if full else p.screenshot(path=path)
        visit.screenshots.append(path)
        # dark mode, as the theme's switch sets it
        p.evaluate("""() => { document.documentElement.dataset.mode = 'dark';
                              document.documentElement.dataset.theme = 'dark'; }""")
        visit.dark = p.evaluate(DARK_JS)
        visit.code_colours["dark"] = p.evaluate(CODE_COLOURS_JS)
        # quizzes and widgets have their own dark look: the box they sit in must not stay light
        visit.dark_cards = p.evaluate("""() => Array.from(document.querySelectorAll('.lq-quiz, .lossutils-explorer'),
            e => getComputedStyle(e.parentElement).backgroundColor)""")
        if visit.dark:
            scroll_to(p, "main .cell_output img, main figure img")
            path = shots / f"{stem}--dark.png"
            p.screenshot(path=path)
            visit.screenshots.append(path)
        p.evaluate("""() => { document.documentElement.dataset.mode = 'light';
                              document.documentElement.dataset.theme = 'light'; window.scrollTo(0, 0); }""")
        # phone width
        p.set_viewport_size(PHONE)
        p.wait_for_timeout(150)
        visit.phone = p.evaluate(PHONE_JS)
        path = shots / f"{stem}--phone.png"
        _full_page_screenshot(p, path) if full else p.screenshot(path=path)
        visit.screenshots.append(path)
        visit.problems = bp.problems()
        for url, status in bp.responses:
            f = _local_file(bp.base_url, url)
            if f is not None and status < 400 and f not in visit.loaded:
                visit.loaded.append(f)
    finally:
        context.close()
    return visit


def _local_file(base_url: str, url: str) -> str | None:
    if not url.startswith(base_url + "/"):
        return None
    rel = unquote(urlparse(url).path).lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return rel


@pytest.fixture(scope="session")
def visits(site, page_opener):
    """visits(page): the page's Visit, made once per page (per pytest-xdist worker)."""
    return functools.lru_cache(maxsize=None)(functools.partial(_visit, site, page_opener))


# ----------------------------------------------------------------------------------------------
# Helpers on the site's files


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if (k == "id" or (k == "name" and tag == "a")) and v:
                self.ids.add(v)


@lru_cache(maxsize=None)
def _ids_in(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def _expected_math(site: Path, page: str) -> int:
    """How many formulas the page's source has (a lower bound: math inside nested directives
    is counted, math that code outputs print is not)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.colon_fence import colon_fence_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    stem = site / "_sources" / page[: -len(".html")]
    if stem.with_suffix(".ipynb").is_file():
        nb = json.loads(stem.with_suffix(".ipynb").read_text(encoding="utf-8"))
        texts = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                 for c in nb["cells"] if c["cell_type"] == "markdown"]
    elif stem.with_suffix(".md").is_file():
        texts = [stem.with_suffix(".md").read_text(encoding="utf-8")]
    else:
        return 0
    md = MarkdownIt("commonmark").use(dollarmath_plugin).use(amsmath_plugin).use(colon_fence_plugin)
    literal = {"code-cell", "code-block", "code", "sourcecode", "eval-rst", "raw", "literalinclude"}

    def count(text: str) -> int:
        n = 0
        for tok in md.parse(text):
            if tok.type in ("math_block", "math_block_label", "amsmath"):
                n += 1
            elif tok.type in ("fence", "colon_fence"):
                name = tok.info.strip().split()[0] if tok.info.strip() else ""
                if name.startswith("{") and name.strip("{}") == "math":
                    n += 1
                elif name.startswith("{") and name.strip("{}") not in literal:
                    body = "\n".join(line for line in tok.content.splitlines() if not re.match(r"\s*:\w[\w-]*:", line))
                    n += count(body)
            for child in tok.children or []:
                if child.type in ("math_inline", "math_inline_double"):
                    n += 1
        return n

    return sum(count(t) for t in texts)


RAW_TEX = [
    (re.compile(r"\$\$"), "$$"),
    (re.compile(r"\\\(|\\\)"), "\\( \\)"),
    (re.compile(r"\\\[|\\\]"), "\\[ \\]"),
    (re.compile(r"\\begin\{"), "\\begin{"),
    (re.compile(r"(?<![\w$])\$[^$\s][^$]{0,200}?\\[a-zA-Z]+[^$]{0,200}?\$"), "$...\\command...$"),
]


def _context(text: str, m: re.Match) -> str:
    return text[max(0, m.start() - 40): m.end() + 40].replace("\n", " ")


# ----------------------------------------------------------------------------------------------
# Tests


def test_page_loads_cleanly(toc_page, site, visits):
    """HTTP 200, no console error, no failed request, no request to another host."""
    assert (site / toc_page).is_file(), f"{toc_page} is in _toc.yml but was not built"
    v = visits(toc_page)
    assert v.status == 200, f"{toc_page}: HTTP {v.status}"
    assert v.problems == [], f"{toc_page}:\n  " + "\n  ".join(v.problems)


def test_maths_rendered(toc_page, site, visits):
    v = visits(toc_page)
    text = v.scan["text"]
    raw = [f"{what} in ...{_context(text, m)}..." for rx, what in RAW_TEX for m in rx.finditer(text)]
    assert raw == [], f"{toc_page}: raw TeX in the text:\n  " + "\n  ".join(raw[:10])
    assert v.scan["katexErrors"] == [], f"{toc_page}: KaTeX could not render: {v.scan['katexErrors'][:5]}"
    expected = _expected_math(site, toc_page)
    assert v.scan["katex"] >= expected, \
        f"{toc_page}: {v.scan['katex']} rendered formulas, but its source has {expected}"
    if v.scan["katex"]:
        assert "KaTeX_Main" in v.scan["katexFont"], f"{toc_page}: KaTeX's CSS is not applied ({v.scan['katexFont']})"
        assert v.scan["katexFontLoaded"], f"{toc_page}: KaTeX's fonts did not load"


def test_images_load_and_have_alt_text(toc_page, visits):
    v = visits(toc_page)
    problems = [f"did not load: {i['src']}" for i in v.scan["images"] if not (i["complete"] and i["width"] > 0)]
    problems += [f"no alt text (figures: set mystnb.image.alt in the cell's metadata): {i['src']}"
                 for i in v.scan["images"] if not i["alt"]]
    assert problems == [], f"{toc_page}: images:\n  " + "\n  ".join(problems)


def test_internal_links_and_anchors_resolve(toc_page, site, base_url, visits):
    v = visits(toc_page)
    bad = []
    for link in v.scan["links"]:
        href = link["href"]
        if not href.startswith(base_url + "/"):
            continue  # another host, mailto: ... (no request is made; launch links are checked below)
        rel = _local_file(base_url, href.split("#", 1)[0])
        target = site / rel
        if not target.is_file():
            bad.append(f"{link['raw']!r} ({link['text']!r}): no file {rel}")
            continue
        fragment = unquote(href.split("#", 1)[1]) if "#" in href else ""
        if not fragment:
            continue
        ids = set(_ids_in(target.resolve()))
        if rel == toc_page:
            ids |= set(v.scan["ids"])  # ids set by scripts count on the page itself
        if fragment not in ids:
            bad.append(f"{link['raw']!r} ({link['text']!r}): no id {fragment!r} in {rel}")
    assert bad == [], f"{toc_page}: broken links:\n  " + "\n  ".join(sorted(set(bad)))


def _no_chapters():
    if os.environ.get("CI"):
        pytest.fail("the built site has no chapter (notebook) page", pytrace=False)
    pytest.skip("no chapter (notebook) page in the built site")


def test_chapter_has_launch_download_and_repository_links(chapter_page, site, visits):
    if chapter_page is None:
        _no_chapters()
    cfg = _book_config()
    repo = cfg["repository"]["url"].rstrip("/")
    branch = cfg["repository"].get("branch", "main")
    org_repo = urlparse(repo).path.strip("/")
    binder = cfg.get("launch_buttons", {}).get("binderhub_url", "https://mybinder.org").rstrip("/")
    colab = cfg.get("launch_buttons", {}).get("colab_url", "https://colab.research.google.com").rstrip("/")
    notebook = chapter_page[: -len(".html")] + ".ipynb"
    assert (source_dir() / notebook).is_file(), f"launch links would point to a missing notebook {notebook}"
    v = visits(chapter_page)
    hrefs = [link["href"] for link in v.scan["links"]]
    raws = [link["raw"] for link in v.scan["links"]]
    binder_links = [h for h in hrefs if h.startswith(f"{binder}/v2/gh/{org_repo}/{branch}?") and h.endswith(notebook)]
    colab_links = [h for h in hrefs if h == f"{colab}/github/{org_repo}/blob/{branch}/{notebook}"]
    download = [h for h in hrefs if urlparse(h).path.endswith(f"/_sources/{notebook}")]
    missing = [what for what, found in (("Binder launch link", binder_links), ("Colab launch link", colab_links),
                                        (".ipynb download link", download),
                                        ("repository link", [r for r in raws if r.rstrip("/") == repo]))
               if not found]
    assert missing == [], f"{chapter_page}: missing {', '.join(missing)}"
    nb = json.loads((site / "_sources" / notebook).read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4 and nb.get("cells"), f"the download of {chapter_page} is not a notebook"
    binder_dir = source_dir() / "binder"
    assert any((binder_dir / f).is_file() for f in ("requirements.txt", "environment.yml")), \
        "Binder needs binder/requirements.txt or binder/environment.yml"


def test_solutions_hidden_until_opened(chapter_page, visits):
    """Nothing of a solution (prose, code, output) is visible until its dropdown is opened; every
    solution-tagged cell sits inside a solution; opening one shows its code."""
    if chapter_page is None:
        _no_chapters()
    state = visits(chapter_page).solutions
    assert state["n"] >= state["exercises"] > 0, f"{chapter_page}: {state['exercises']} exercises but {state['n']} solutions"
    assert state["outside"] == [], f"{chapter_page}: solution cells outside any solution: {state['outside']}"
    assert state["leaks"] == [], f"{chapter_page}: visible before opening: {state['leaks']}"
    assert state["opened_shows_code"], f"{chapter_page}: opening a solution does not show its code"


def test_only_chapters_have_launch_links(other_page, site, visits):
    """Launch buttons open the page's source in Binder or Colab, which can open only a stored .ipynb:
    the instructor guide, a MyST .md notebook, has none (_ext/lossbook_assets.py drops them)."""
    launch = _book_config().get("launch_buttons", {})
    hosts = {urlparse(launch.get(key) or default).netloc for key, default in
             (("binderhub_url", "https://mybinder.org"), ("colab_url", "https://colab.research.google.com"))}
    found = [link["href"] for link in visits(other_page).scan["links"] if urlparse(link["href"]).netloc in hosts]
    assert found == [], f"{other_page} is not built from a stored notebook but has launch links: {found}"


def test_api_reference_documents_every_function(site, visits):
    import lossutils

    page = "api.html"
    if page not in toc_pages():
        pytest.fail("api is not in _toc.yml")
    v = visits(page)
    ids = set(v.scan["ids"])
    missing = [n for n in lossutils.__all__ if f"lossutils.{n}" not in ids]
    assert missing == [], f"api.html does not document: {missing}"
    # every docstring with a formula shows it rendered
    html = (site / page).read_text(encoding="utf-8")
    no_math = []
    for name in lossutils.__all__:
        doc = inspect.getdoc(getattr(lossutils, name)) or ""
        if ":math:" in doc or "math::" in doc:
            start = html.find(f'id="lossutils.{name}"')
            entry = html[start: html.find("</dd>", start)]
            if 'class="katex' not in entry:
                no_math.append(name)
    assert no_math == [], f"api.html: formulas of these docstrings are not rendered: {no_math}"


def test_figures_keep_a_light_background_in_dark_mode(toc_page, visits):
    v = visits(toc_page)
    dark = [f"{d['src']} (backdrop luminance {d['backdrop']}, brightness {d['brightness']})" for d in v.dark
            if d["backdrop"] is None or d["backdrop"] < 0.75 or d["brightness"] < 0.9]
    assert dark == [], f"{toc_page}: figures hard to read in dark mode:\n  " + "\n  ".join(dark)


def test_quizzes_and_widgets_are_not_framed_in_light_grey_in_dark_mode(toc_page, visits):
    light = [c for c in visits(toc_page).dark_cards
             if (m := re.findall(r"[\d.]+", c)) and (len(m) < 4 or float(m[3]) > 0)
             and (0.2126 * float(m[0]) + 0.7152 * float(m[1]) + 0.0722 * float(m[2])) / 255 > 0.5]
    assert light == [], f"{toc_page}: quizzes or widgets sit on a light box in dark mode: {light}"


def test_code_names_and_punctuation_have_the_text_colour(toc_page, visits):
    """Python code blocks carry no spans for plain names and punctuation (other languages keep
    them), which is right only while the code styles draw them in the text colour (light, dark)."""
    for mode, c in visits(toc_page).code_colours.items():
        if c is not None:
            assert c["spans"] == 0, (f"{toc_page}: {c['spans']} code spans of plain names or punctuation "
                                     "(is _ext/lossbook_highlight.py loaded?)")
            assert c["n"] == c["p"] == c["text"], (
                f"{toc_page}, {mode} mode: code text is {c['text']}, names {c['n']}, punctuation {c['p']}: the "
                "code style colours them, so _ext/lossbook_highlight.py must keep their spans")


def test_every_character_has_a_glyph(toc_page, visits):
    """No character of the page is drawn as a missing-glyph box by this machine's chromium, which has
    no colour-emoji font, like many readers' computers: emoji markers (✅, ⬜) were such boxes."""
    g = visits(toc_page).glyphs
    assert g["checked"] > 0, f"{toc_page}: no non-ASCII character found (is the check broken?)"
    assert g["boxes"] == [], f"{toc_page}: drawn as a box (no font has them): " + "; ".join(g["boxes"])


def test_phone_width(toc_page, visits):
    v = visits(toc_page)
    ph = v.phone
    assert ph["cut"] == [], f"{toc_page}: images wider than a {PHONE['width']} px screen: {ph['cut']}"
    assert ph["scrollWidth"] <= ph["viewport"] + 1, (
        f"{toc_page}: at {PHONE['width']} px the page is {ph['scrollWidth']} px wide (scrolls sideways); "
        f"too wide: {ph['wide']}")


def test_chapter_page_weight(chapter_page, site, visits, site_report):
    if chapter_page is None:
        _no_chapters()
    static = page_weight.page_weight(site, chapter_page)
    v = visits(chapter_page)
    loaded = [f for f in v.loaded if f != chapter_page]
    uncounted = [f for f in loaded if f not in static.resources]
    raw = static.html_bytes + sum(page_weight.file_sizes(site / f)[0] for f in loaded)
    wire = static.html_transfer + sum(page_weight.file_sizes(site / f)[1] for f in loaded)
    site_report.append(f"page weight {chapter_page}: {wire / 1e6:.2f} MB transferred ({raw / 1e6:.2f} MB raw, "
                       f"{len(loaded)} files; html {static.html_bytes / 1e6:.2f} MB); "
                       f"static bound {static.transfer_total / 1e6:.2f} MB")
    problems = []
    if wire >= BUDGET_BYTES:
        problems.append(f"weighs {wire / 1e6:.2f} MB as transferred (budget {BUDGET_BYTES / 1e6} MB): "
                        f"see python tools/page_weight.py {site} --page {chapter_page} --detail")
    problems += [f"tools/page_weight.py misses a file the browser loaded: {f}" for f in uncounted]
    problems += [f"refers to another host: {u}" for u in static.external]
    problems += [f"refers to a missing file: {m}" for m in static.missing]
    assert problems == [], f"{chapter_page}:\n  " + "\n  ".join(problems)


def test_page_weight_counts_what_a_page_loads(tmp_path):
    """tools/page_weight.py on a tiny site (no browser needed): what counts, what does not."""
    (tmp_path / "_static" / "fonts").mkdir(parents=True)
    (tmp_path / "img").mkdir()
    files = {
        "_static/a.css": '@import "b.css"; body { background: url(../img/bg.png) }\n'
                         '@font-face { src: url(fonts/f.woff2) format("woff2"), url(fonts/f.ttf) format("truetype") }',
        "_static/b.css": "p { color: red } /* url(not-loaded.png) */",
        "_static/fonts/f.woff2": "W" * 500,
        "_static/fonts/f.ttf": "T" * 9000,  # a fallback the browser never fetches
        "_static/s.js": "var x = 1;\n" * 200,
        "img/bg.png": "P" * 300,
        "img/one.png": "1" * 1000,
        "img/two.png": "2" * 2000,
        "other.html": "<p>only linked, not loaded</p>",
        "index.html": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    page = """<html><head>
      <link rel="stylesheet" href="_static/a.css?v=1"><link rel="preload" as="script" href="_static/s.js">
      <link rel="next" href="other.html"><script src="_static/s.js?digest=2"></script>
      <script src="https://cdn.example.com/lib.js"></script></head>
      <body><a href="other.html">a link</a><img src="img/one.png" srcset="img/one.png 1x, img/two.png 2x">
      <img src="img/missing.png"><div style="background: url('img/bg.png')"></div></body></html>"""
    (tmp_path / "page.html").write_text(page)
    w = page_weight.page_weight(tmp_path, "page.html")
    assert sorted(w.resources) == ["_static/a.css", "_static/b.css", "_static/fonts/f.woff2", "_static/s.js",
                                   "img/bg.png", "img/one.png", "img/two.png"]
    assert w.external == ["https://cdn.example.com/lib.js"]
    assert w.missing == ["img/missing.png"]
    assert w.html_bytes == len(page.encode())
    assert w.raw_total == w.html_bytes + sum(len(files[r].encode()) for r in w.resources)
    # text is gzipped on the wire, images and fonts are not
    assert w.transfer["_static/s.js"] < w.resources["_static/s.js"] / 5
    assert w.transfer["img/one.png"] == w.resources["img/one.png"]
    assert page_weight.main([str(tmp_path), "--page", "page.html", "--json"]) == 1  # the CDN reference

"""Every static widget of the built site responds to its controls, from the keyboard, offline.

For each page with explorer fragments (``lossutils.widgets``): the page script redraws the same
figure Python drew; every control is labelled and moves with the arrow keys; moving it changes the
plotted data and the readout, and leaves the paths that did not change alone; the fragment stays
within its size budget; the page logs no console error and requests nothing from another host.
"""

from __future__ import annotations

import os
import re

import pytest

from lossutils.widgets import MAX_HTML_BYTES

EXPLORER = "lossutils-explorer"

STATE_JS = """root => ({
  ds: Array.from(root.querySelectorAll('path.lx-d'), p => p.getAttribute('d')),
  readout: root.querySelector('.lx-readout').textContent,
  error: root.querySelector('.lx-readout').classList.contains('lx-err'),
})"""

CONTROL_JS = """c => ({
  tag: c.tagName.toLowerCase(),
  value: c.value,
  index: c.tagName === 'SELECT' ? c.selectedIndex : +c.value,
  last: c.tagName === 'SELECT' ? c.options.length - 1 : +c.max,
  label: c.labels && c.labels.length ? (c.labels[0].querySelector('span') || c.labels[0]).textContent.trim() : '',
})"""


# counts, on the widget root, the data paths the page script set to the drawing they already had:
# each such write makes the browser repaint a path that did not change
WATCH_JS = """root => { root.lxRewrites = 0;
  new MutationObserver(records => { for (const r of records)
    if (r.oldValue === r.target.getAttribute('d')) root.lxRewrites++; })
  .observe(root, {subtree: true, attributeFilter: ['d'], attributeOldValue: true}); }"""


def _python_ds(source: str) -> list[list[str]]:
    """The data paths as Python wrote them into the page, per fragment (before any script ran)."""
    parts = source.split(f'<div class="{EXPLORER}"')[1:]
    return [re.findall(r'class="lx-d" d="([^"]*)"', part.split("<script>", 1)[0]) for part in parts]


def test_widgets_respond(site, widget_page, browser_page):
    if widget_page is None:
        if os.environ.get("CI") and (site / "index.html").is_file():
            pytest.fail("the built site has no lossutils widget at all", pytrace=False)
        pytest.skip("no page of the site has a lossutils widget")
    source = (site / widget_page).read_text(encoding="utf-8")
    page = browser_page.goto(widget_page)
    roots = page.locator(f".{EXPLORER}")
    n = roots.count()
    python_ds = _python_ds(source)
    assert n == len(python_ds) > 0
    for i in range(n):
        root = roots.nth(i)
        where = f"{widget_page}, widget {i + 1}"
        size = root.evaluate("e => new Blob([e.outerHTML]).size")
        assert size <= MAX_HTML_BYTES * 1.05, f"{where}: {size} bytes, over the budget"
        root.evaluate(WATCH_JS)
        # the page shows what Python drew; the script, asked to redraw the same frame, draws it identically
        root.evaluate("r => { const c = r.querySelector('.lx-ctl input, .lx-ctl select'); "
                      "c.dispatchEvent(new Event('input', {bubbles: true})); }")
        state = root.evaluate(STATE_JS)
        assert state["ds"] == python_ds[i], f"{where}: the page script draws another figure than Python"
        assert any(state["ds"]), f"{where}: nothing is drawn"
        controls = root.locator(".lx-ctl input, .lx-ctl select")
        assert controls.count() > 0, f"{where}: no controls"
        for j in range(controls.count()):
            ctl = controls.nth(j)
            info = ctl.evaluate(CONTROL_JS)
            what = f"{where}, control {info['label']!r}"
            assert info["label"], f"{where}, control {j + 1}: no label"
            if info["last"] == 0:
                continue  # a single value: nothing to move
            forward = info["index"] < info["last"]
            key = ("ArrowRight" if forward else "ArrowLeft") if info["tag"] == "input" else \
                  ("ArrowDown" if forward else "ArrowUp")
            steps = info["last"] - info["index"] if forward else info["index"]
            before = root.evaluate(STATE_JS)
            ctl.focus()
            moved = False
            for step in range(steps):
                page.keyboard.press(key)
                now = ctl.evaluate(CONTROL_JS)
                assert now["index"] == info["index"] + (step + 1) * (1 if forward else -1), \
                    f"{what}: {key} did not move the control"
                after = root.evaluate(STATE_JS)
                assert after["readout"] != before["readout"], f"{what}: the readout did not change"
                if after["error"]:
                    assert after["readout"].startswith("\u26a0"), f"{what}: error state without a message"
                    before = {**before, "readout": after["readout"]}
                    continue  # a parameter value the compute function rejects; try the next one
                assert after["ds"] != before["ds"], f"{what}: the plotted data did not change"
                moved = True
                break
            assert moved, f"{what}: every further value is an error"
        rewrites = root.evaluate("r => r.lxRewrites")
        assert rewrites == 0, f"{where}: the page script rewrote {rewrites} unchanged paths (the browser repaints each)"
    assert browser_page.problems() == [], f"{widget_page}: " + "; ".join(browser_page.problems())


def test_page_loads_cleanly(site, site_page, browser_page):
    """No console error, failed request or request to another host on the site's other pages
    (search, general index ...; the book's own pages are checked by test_site.py)."""
    if site_page is None:
        pytest.skip("the site has no pages")
    browser_page.goto(site_page)
    assert browser_page.problems() == [], f"{site_page}: " + "; ".join(browser_page.problems())


def test_requests_to_other_hosts_fail_and_are_recorded(site, base_url, browser_page):
    """The harness itself: a page that asks another host for something gets nothing and is reported."""
    browser_page.goto("intro.html")  # not index.html: its redirect could replace the page mid-test
    page = browser_page.page
    ok = page.evaluate("""() => new Promise(done => { const img = new Image();
        img.onload = () => done(true); img.onerror = () => done(false);
        img.src = 'https://cdn.example.com/x.png?' + Date.now(); })""")
    assert ok is False, "an image from another host loaded"
    assert any(u.startswith("https://cdn.example.com/x.png") for u in browser_page.external_requests), \
        browser_page.external_requests

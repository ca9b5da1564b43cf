"""Small Sphinx extension of the course site.

1. Pages carry no ipywidgets machinery: every widget of the course renders as its self-contained
   HTML version on the site (see lossutils.widgets), so the saved widget state that myst-nb embeds
   in pages whose notebook had widgets is dead weight. Drop it.
2. Lighter head: the search scripts (110 KB) only on the search page, every other external script
   deferred (parsing does not wait for it), and each inline script once: Sphinx 7.4 adds an inline script (``add_js_file(None, body=...)``) that an
   extension registers after the builder was initialised (sphinx-thebe's ``THEBE_JS_URL`` config,
   sphinx-togglebutton's selector) a second time in ``prepare_writing`` (once as filename ``None``,
   once as ``''``, which compare unequal). Every page then threw "Identifier 'THEBE_JS_URL' has
   already been declared". Keep the first copy of each script.
3. Copy the vendored KaTeX CSS and fonts (installed from the npm registry into _vendor/ by `make vendor`) into
   the built site, next to (not inside) _static: Jupyter Book adds every .js under _static to every page.
4. No 1.5 MB icon script: pydata-sphinx-theme loads Font Awesome's SVG+JS kit
   (``_static/scripts/fontawesome.js``, 1.45 MB, "so that users can add custom icons") on every
   page, although its CSS already draws every icon of the theme with the Font Awesome webfonts.
   That one script was more than the whole budget of a chapter page (1.5 MB). The built copy is
   replaced by a one-line script (the theme's template still links it).
5. Chapters link to the API reference: the first mention of each documented ``lossutils`` function
   in a page's text, written as inline code ```lossutils.huber_loss``` (or ``...()``), becomes a link
   to its entry in the API reference; authors need no cross-reference markup. A bare name
   (```hinge_loss```, ```info_nce_loss```, ```huber_loss_grad```) is linked too when it can only mean
   the ``lossutils`` function: not when torch (``torch``, ``torch.nn.functional``) or torchvision
   (``torchvision.ops``) has a function of that name (:data:`TORCH_TWINS`; a bare ```softmax``` or
   ```multi_margin_loss``` in the text is as often torch's, so write ```lossutils.softmax``` to
   link it). Headings, code cells and their outputs are left alone.
6. A reliable KaTeX pre-render server start: sphinxcontrib-katex 0.9 connects to the node server's
   unix socket as soon as the socket file exists, but node creates the file (bind) just before it
   listens, so the connection is sometimes refused and the whole build fails with
   ``ConnectionRefusedError`` (half of the builds of a one-page book on a busy 2-core machine). Retry
   the connection until the server listens, as sphinxcontrib-katex already does for TCP sockets.
7. Launch buttons (Binder, Colab) only where they open a notebook: sphinx-book-theme gives every
   executed page one, MyST text notebooks such as the instructor guide (``instructor_guide.md``)
   included, but Colab opens only ``.ipynb`` files from GitHub and the Binder environment has no
   jupytext, so both would open the ``.md`` as plain text or fail. A page keeps its launch buttons
   only if its source is an ``.ipynb`` (or has an ``.ipynb`` twin, which the theme then links).
   The ``.ipynb`` download of such a page stays.
8. Quizzes (``lossutils.course.quiz``) share one script and one style sheet: a quiz output carries
   its own ``<script>`` and ``<style>`` (marked ``data-lq-asset``) so that it works in a notebook;
   on the site they are cut from the page and served once as ``_static/lossquiz.js`` and
   ``_static/lossquiz.css``, written from the same Python constants.
9. Exercises numbered per chapter: Sphinx numbers enumerable nodes (sphinx-exercise's exercises) of
   unnumbered documents with one counter across the whole book, so chapter 5's first exercise was
   "Exercise 21" while its self-check is ``margin-and-contrastive-ex1``. After Sphinx assigns the
   numbers, each document's exercises are numbered 1, 2, ... in document order, which matches the
   ``<slug>-ex<n>`` labels (tests/browser/test_reader.py checks the built pages).
10. The "show code" toggle of cells tagged ``hide-input`` (myst-nb) has no ``aria-label``: its label
    "Toggle hidden content" differed from its visible text ("Show code cell source"), which fails
    WCAG 2.5.3 (axe: label-content-name-mismatch). The visible text is the name now.
11. The repository URL is set once (``repository.url`` in _config.yml, tools/set_repository.py):
    ``@REPOSITORY_URL@`` in the text of a MyST page (code blocks included) becomes that URL.
12. ``{chapter-map}``: a table of the chapters, one body line each (``chapters/01_x: what you
    learn``), the chapter's title linked to its page. A line for a page this build does not have is
    left out (a chapter still being written); tests/browser/test_reader.py checks that every chapter
    of the table of contents is linked from the landing page.
13. The PDF of the whole book (``make pdf``: tools/make_pdf.py writes ``_build/pdf/<name>.pdf``), when
    it exists at build time, is copied into the site and offered in every page's download menu
    ("Whole book (.pdf)"), next to the theme's "print this page".
14. Icon fonts cut to the icons the site uses: the theme ships Font Awesome's full solid, regular
    and brands webfonts (153 + 25 + 115 KB, woff2) for a dozen icons; every chapter page loaded
    about 270 KB of them, more than a third of its weight. After the build, each font is subset
    (fontTools, a matplotlib dependency) to the icons named in the built pages' ``fa-*`` classes
    and the glyphs the theme's CSS draws itself (``content: "\fxxx"`` outside the icon classes),
    saved as WOFF, and the theme's ``@font-face`` rules point to the subsets.
15. Wide figures (multi-panel, at least :data:`WIDE_FIGURE_PX` CSS pixels wide) become a link to the
    image itself (tap to open it full size) with the class ``wide-figure``; on a phone they keep a
    readable width and scroll sideways in their own box (_static/custom.css) instead of shrinking
    their text to a few pixels.
"""

from __future__ import annotations

import html
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _script_key(js) -> tuple:
    attributes = getattr(js, "attributes", {}) or {}
    return (getattr(js, "filename", js) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))


# Scripts only the search page uses: 110 KB (searchindex.js alone 86 KB) parsed on every page before.
SEARCH_ONLY = ("searchindex.js", "_static/searchtools.js", "_static/language_data.js")
# Scripts that inline scripts of the page use at once (DOCUMENTATION_OPTIONS.pagename = ...): not deferred
KEEP_BLOCKING = ("_static/documentation_options.js",)


def _defer(js):
    """``js`` as a deferred script (a new object: the same script is shared by every page)."""
    from sphinx.builders.html._assets import _JavaScript

    attributes = dict(getattr(js, "attributes", {}) or {})
    attributes["defer"] = "defer"
    return _JavaScript(js.filename, priority=getattr(js, "priority", 500), **attributes)


def _clean_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for js in scripts:
        attributes = getattr(js, "attributes", {}) or {}
        if attributes.get("type") == WIDGET_STATE:
            continue
        filename = str(getattr(js, "filename", js) or "")
        if pagename != "search" and filename.split("?", 1)[0] in SEARCH_ONLY:
            continue
        key = _script_key(js)
        if key in seen:
            continue
        seen.add(key)
        # external scripts do not block parsing (they run in order, after it), except on the search
        # page, whose body calls the search scripts as soon as it is parsed
        if (filename and pagename != "search" and filename not in KEEP_BLOCKING
                and not {"defer", "async"} & set(attributes) and hasattr(js, "filename")):
            js = _defer(js)
        kept.append(js)
    scripts[:] = kept


API_PACKAGE = "lossutils"
# lossutils functions whose name torch (torch, torch.nn.functional) or torchvision.ops also uses: a
# bare mention may mean either, so only ``lossutils.<name>`` is linked (tests/test_site_extension.py
# checks this list against torch.)
TORCH_TWINS = frozenset({
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "gaussian_nll_loss",
    "huber_loss", "kl_div", "l1_loss", "log_softmax", "margin_ranking_loss", "mse_loss",
    "multi_margin_loss", "nll_loss", "poisson_nll_loss", "sigmoid", "smooth_l1_loss", "softmax",
    "triplet_margin_loss",
    "sigmoid_focal_loss",  # torchvision.ops
})


def api_name(text: str) -> str | None:
    """The ``lossutils`` name an inline-code mention may link to, or None (not a candidate).

    >>> api_name("lossutils.softmax()"), api_name("hinge_loss"), api_name("softmax"), api_name("F.mse_loss")
    ('lossutils.softmax', 'lossutils.hinge_loss', None, None)
    """
    name = text.strip()
    name = name[:-2] if name.endswith("()") else name
    if name.startswith(API_PACKAGE + "."):
        return name
    if name.isidentifier() and name not in TORCH_TWINS:
        return f"{API_PACKAGE}.{name}"  # linked only if it is a documented lossutils function
    return None


def _in_code_cell(node) -> bool:
    """Inside a notebook code cell (its source or its outputs), as myst-nb marks them."""
    from docutils import nodes

    return any(isinstance(a, nodes.container) and a.get("nb_element", "").startswith("cell_code")
               for a in _ancestors(node))


def _link_api_mentions(app, doctree, docname):
    """Link the first inline-code mention of each documented lossutils function to its API entry."""
    from docutils import nodes

    objects = app.env.get_domain("py").objects
    linked: set[str] = set()
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, (nodes.reference, nodes.title, nodes.FixedTextElement)) or \
                any(isinstance(a, (nodes.reference, nodes.title)) for a in _ancestors(literal)):
            continue
        full = api_name(literal.astext())
        if full is None:
            continue
        entry = objects.get(full)
        if entry is None or entry.objtype != "function" or entry.docname == docname or full in linked \
                or _in_code_cell(literal):
            continue
        linked.add(full)
        uri = app.builder.get_relative_uri(docname, entry.docname) + "#" + entry.node_id
        ref = nodes.reference("", "", internal=True, refuri=uri, reftitle=f"{full} in the API reference")
        literal.replace_self(ref)
        ref.append(literal)


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


LAUNCH_BUTTONS = "launch-buttons"  # label of the theme's dropdown of launch links


def _launch_only_notebooks(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons")
    if not buttons:
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix == ".ipynb" or source.with_suffix(".ipynb").exists():
        return
    buttons[:] = [b for b in buttons if b.get("label") != LAUNCH_BUTTONS]


def _copy_vendor(app, exception):
    if exception or app.builder.format != "html":
        return
    src = Path(app.srcdir) / "_vendor"
    if not src.is_dir():
        raise RuntimeError(
            "_vendor/ is missing: the site needs its local KaTeX CSS and fonts. Run `make vendor` (or `make book`)."
        )
    shutil.copytree(src, Path(app.outdir) / "_vendor", dirs_exist_ok=True)


FONTAWESOME_JS = ("_static", "scripts", "fontawesome.js")
FONTAWESOME_STUB = ("/* Font Awesome's SVG+JS kit is not shipped: the theme's CSS draws every icon with the "
                    "Font Awesome webfonts (see _ext/lossbook_assets.py). */\n")


def _drop_fontawesome_js(app, exception):
    if exception or app.builder.format != "html":
        return
    js = Path(app.outdir).joinpath(*FONTAWESOME_JS)
    if js.is_file() and js.stat().st_size > len(FONTAWESOME_STUB):
        js.write_text(FONTAWESOME_STUB, encoding="utf-8")
    js.with_name(js.name + ".map").unlink(missing_ok=True)


FA_DIR = ("_static", "vendor", "fontawesome", "webfonts")
FA_FONTS = ("fa-solid-900", "fa-regular-400", "fa-brands-400")
_FA_ICON_RULE = re.compile(r'([^{}]+)\{\s*content\s*:\s*"\\([0-9a-fA-F]{4,5})"\s*;?\s*\}')
_FA_CLASS = re.compile(r"\bfa-([a-z0-9-]+)")
_CSS_GLYPH = re.compile(r'"\\([0-9a-fA-F]{4,5})"')


def icon_codepoints(css: str, pages_html) -> set[int]:
    r"""Code points of the Font Awesome icons the pages use, plus every glyph the CSS draws by itself.

    >>> css = '.fa-rocket:before{content:"\\f135"}.fa-a:before,.fa-b:before{content:"\\f000"}.x:after{content:"\\f107"}'
    >>> sorted(hex(c) for c in icon_codepoints(css, ['<i class="fa-solid fa-rocket"></i>']))
    ['0xf107', '0xf135']
    """
    by_name, icon_rules = {}, set()
    for m in _FA_ICON_RULE.finditer(css):
        names = re.findall(r"\.fa-([a-z0-9-]+):{1,2}before", m[1])
        if names:
            icon_rules.add(m.start())
            for name in names:
                by_name[name] = int(m[2], 16)
    own = _FA_ICON_RULE.sub(lambda m: "" if re.search(r"\.fa-[a-z0-9-]+:{1,2}before", m[1]) else m[0], css)
    points = {int(h, 16) for h in _CSS_GLYPH.findall(own)}
    for html_text in pages_html:
        points |= {by_name[n] for n in _FA_CLASS.findall(html_text) if n in by_name}
    return points


def _subset_icon_fonts(app, exception):
    if exception or app.builder.format != "html":
        return
    out = Path(app.outdir)
    css_path = out / "_static" / "styles" / "pydata-sphinx-theme.css"
    fonts = out.joinpath(*FA_DIR)
    if not css_path.is_file() or not (fonts / f"{FA_FONTS[0]}.woff2").is_file():
        return
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:
        return
    css = css_path.read_text(encoding="utf-8")
    pages = (p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.html"))
    points = icon_codepoints(css, pages)
    for name in FA_FONTS:
        source = fonts / f"{name}.ttf"
        if not source.is_file():
            continue
        font = TTFont(source)
        keep = points & set(font.getBestCmap())
        options = subset.Options()
        options.flavor, options.layout_features, options.name_IDs = "woff", ["*"], ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(keep) or [0x20])
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(fonts / f"{name}.subset.woff")
        css = re.sub(rf'url\(([^)]*?){name}\.woff2\) format\("woff2"\),url\([^)]*?{name}\.ttf\) format\("truetype"\)',
                     rf'url(\1{name}.subset.woff) format("woff")', css)
    css_path.write_text(css, encoding="utf-8")


def _patch_katex_server_start():
    try:
        from sphinxcontrib import katex
    except ImportError:  # KaTeX not used: nothing to fix
        return
    server = getattr(katex, "KaTeXServer", None)
    if server is None or getattr(server, "_lossbook_retry", False) or not hasattr(server, "start_server_process"):
        return

    def start_server_process(cls, rundir, timeout):
        """Start the node KaTeX server on a unix socket; connect once it listens (not merely binds)."""
        socket_path = Path(rundir) / "katex.sock"
        process = subprocess.Popen(cls.build_command(socket=socket_path), stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, cwd=rundir)
        start = time.monotonic()
        while True:
            remaining = start + timeout - time.monotonic()
            if remaining <= 0:
                process.kill()
                raise cls.timeout_error(timeout)
            if process.poll() is not None:
                raise katex.KaTeXError(f"the KaTeX server (node) exited with code {process.returncode} at start")
            if socket_path.is_socket():
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    with katex.socket_timeout(sock, remaining):
                        sock.connect(str(socket_path))
                    return process, sock
                except ConnectionRefusedError:  # bound, not listening yet
                    sock.close()
                except socket.timeout:
                    sock.close()
                    process.kill()
                    raise cls.timeout_error(timeout)
            time.sleep(0.001)

    server.start_server_process = classmethod(start_server_process)
    server._lossbook_retry = True


QUIZ_ASSET = re.compile(r"<(script|style) data-lq-asset>.*?</\1>", re.S)
QUIZ_FILES = {"lossquiz.js": "QUIZ_JS", "lossquiz.css": "QUIZ_CSS"}


def _quiz_assets_once(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and "data-lq-asset" in body:
        context["body"] = QUIZ_ASSET.sub("", body)


WIDE_FIGURE_PX = 800
_OUTPUT_IMG = re.compile(r'<img (?P<attrs>[^>]*?src="(?P<src>[^"]+)"[^>]*?style="width: (?P<w>\d+)px;[^"]*"[^>]*)/?>')


def wrap_wide_figures(body: str) -> str:
    """Wide figure images as links to themselves, marked ``wide-figure``.

    >>> wrap_wide_figures('<img alt="a" src="x.png" style="width: 912px; height: 5px;" />')
    '<a class="wide-figure" href="x.png"><img alt="a" src="x.png" style="width: 912px; height: 5px;" /></a>'
    >>> wrap_wide_figures('<img alt="b" src="y.png" style="width: 700px; height: 5px;" />')
    '<img alt="b" src="y.png" style="width: 700px; height: 5px;" />'
    """
    def wrap(m):
        if int(m["w"]) < WIDE_FIGURE_PX:
            return m[0]
        return f'<a class="wide-figure" href="{m["src"]}">{m[0]}</a>'
    return _OUTPUT_IMG.sub(wrap, body)


def lazy_images(body: str) -> str:
    """Output figures load when the reader scrolls near them (``loading="lazy"``), so a chapter's
    twenty figures do not hold up its first screen. Their size is in their style, so nothing moves
    when they arrive.

    >>> lazy_images('<img alt="a" src="../_images/x.svg" style="width: 90px; height: 5px;" />')
    '<img loading="lazy" decoding="async" alt="a" src="../_images/x.svg" style="width: 90px; height: 5px;" />'
    """
    return _OUTPUT_IMG.sub(lambda m: m[0].replace("<img ", '<img loading="lazy" decoding="async" ', 1)
                           if "_images/" in m["src"] else m[0], body)


def _figures(app, pagename, templatename, context, doctree):
    """Wide figures open full size; on the website (not the single page the PDF is printed from,
    where every image must be there when chromium prints) figures load lazily."""
    body = context.get("body")
    if body and "_images/" in body:
        body = wrap_wide_figures(body)
        context["body"] = lazy_images(body) if app.builder.name == "html" else body


def _write_quiz_assets(app, exception):
    if exception or app.builder.format != "html":
        return
    from lossutils.course import quiz

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    for name, constant in QUIZ_FILES.items():
        (static / name).write_text(getattr(quiz, constant) + "\n", encoding="utf-8")


def renumber_per_document(fignumbers: dict, figtype: str = "exercise") -> list[str]:
    """Number the ``figtype`` nodes of each document 1, 2, ... in their current order; returns the
    documents whose numbers changed. ``fignumbers`` is Sphinx's ``env.toc_fignumbers``
    (docname -> figtype -> node id -> number tuple), changed in place.

    >>> nums = {"a": {"exercise": {"x": (1,), "y": (2,)}}, "b": {"exercise": {"z": (3,), "w": (4,)}}}
    >>> renumber_per_document(nums), nums["b"]["exercise"]
    (['b'], {'z': (1,), 'w': (2,)})
    """
    changed = []
    for docname, types in fignumbers.items():
        numbers = types.get(figtype)
        if not numbers:
            continue
        order = sorted(numbers, key=lambda node_id: numbers[node_id])
        new = {node_id: (i,) for i, node_id in enumerate(order, 1)}
        if new != numbers:
            types[figtype] = new
            changed.append(docname)
    return changed


def _exercises_per_chapter(app, env):
    return renumber_per_document(env.toc_fignumbers)


def _visit_hide_input(self, node):
    from html import escape

    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def _hide_input_toggle_without_label(app):
    try:
        from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput
    except ImportError:
        return
    # singlehtml too (make pdf): myst-nb registers the node for the html builder only
    handlers = (_visit_hide_input, depart_HideCellInput)
    app.add_node(HideCodeCellNode, override=True, html=handlers, singlehtml=handlers)


PDF_NAME = "loss-functions-hands-on.pdf"


def _built_pdf(app) -> Path:
    return Path(app.srcdir) / "_build" / "pdf" / PDF_NAME


def _pdf_in_download_menu(app, pagename, templatename, context, doctree):
    if app.builder.name != "html" or not app.config.lossbook_pdf_link or not _built_pdf(app).is_file():
        return
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons":
            group["buttons"].append({
                "type": "link", "url": context["pathto"](PDF_NAME, 1), "text": "Whole book (.pdf)",
                "tooltip": "Download the whole book as one PDF", "icon": "fas fa-book",
                "label": "download-book-pdf-button",
            })


def _copy_pdf(app, exception):
    if exception or app.builder.name != "html" or not app.config.lossbook_pdf_link or not _built_pdf(app).is_file():
        return
    shutil.copy2(_built_pdf(app), Path(app.outdir) / PDF_NAME)


REPOSITORY_TOKEN = "@REPOSITORY_URL@"


def _repository_url(app) -> str:
    return (app.config.html_theme_options or {}).get("repository_url", "").rstrip("/")


def _substitute_repository(app, docname, source):
    if REPOSITORY_TOKEN in source[0] and not str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = source[0].replace(REPOSITORY_TOKEN, _repository_url(app))


def _chapter_map_directive():
    from docutils import nodes
    from sphinx import addnodes
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    logger = logging.getLogger(__name__)

    class ChapterMap(SphinxDirective):
        """Body lines ``chapters/01_x: what you learn (MyST inline markup)``, in book order."""

        has_content = True

        def run(self):
            table = nodes.table(classes=["chapter-map"])
            group = nodes.tgroup(cols=2)
            table += group
            group += [nodes.colspec(colwidth=35), nodes.colspec(colwidth=65)]
            head = nodes.thead()
            group += head
            head += nodes.row("", *[nodes.entry("", nodes.paragraph(text=t)) for t in ("Chapter", "You will learn")])
            body = nodes.tbody()
            group += body
            for offset, line in enumerate(self.content):
                if not line.strip():
                    continue
                doc, _, text = line.partition(":")
                doc = doc.strip().removesuffix(".ipynb").removesuffix(".md")
                if doc not in self.env.found_docs:
                    logger.info(f"chapter-map: {doc} is not in this book; row left out",
                                location=(self.env.docname, self.lineno))
                    continue
                ref = addnodes.pending_xref("", nodes.inline(text=doc), refdomain="std", reftype="doc",
                                            reftarget="/" + doc, refexplicit=False, refwarn=True)
                learned, _ = self.state.inline_text(text.strip(), self.lineno + offset + 1)
                body += nodes.row("", nodes.entry("", nodes.paragraph("", "", ref)),
                                  nodes.entry("", nodes.paragraph("", "", *learned)))
            return [table]

    return ChapterMap


_BARE_REDIRECT = re.compile(r'\A<meta http-equiv="Refresh" content="0; url=(?P<url>[^"]+)" />\s*\Z')


def redirect_page(bare: str, title: str) -> str | None:
    """The site's root index.html as a small page: sphinx-external-toc writes only a bare
    ``<meta http-equiv="Refresh">`` line there, so a browser asked for /favicon.ico (a 404 before
    the redirect) and a reader whose browser does not follow the refresh saw an empty page without a
    title. The page leaves at once, so its icon is empty (``data:,``: nothing is requested).

    >>> print(redirect_page('<meta http-equiv="Refresh" content="0; url=intro.html" />\\n', "Book"))
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>Book</title><link rel="icon" href="data:,">
    <meta http-equiv="Refresh" content="0; url=intro.html"></head>
    <body><p><a href="intro.html">Book</a></p></body></html>
    >>> redirect_page("<html>a real page</html>", "Book") is None
    True
    """
    m = _BARE_REDIRECT.match(bare)
    if not m:
        return None
    url, title = html.escape(m["url"]), html.escape(title)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="icon" href="data:,">\n<meta http-equiv="Refresh" content="0; url={url}"></head>\n'
            f'<body><p><a href="{url}">{title}</a></p></body></html>')


def _index_redirect_page(app, exception):
    index = Path(app.outdir) / "index.html"
    if exception or app.builder.format != "html" or not index.is_file():
        return
    page = redirect_page(index.read_text(encoding="utf-8"), app.config.html_title or app.config.project)
    if page:
        index.write_text(page, encoding="utf-8")


def setup(app):
    _patch_katex_server_start()
    app.add_directive("chapter-map", _chapter_map_directive())
    app.connect("source-read", _substitute_repository)
    # after sphinx-book-theme's add_header_buttons (501)
    app.connect("html-page-context", _pdf_in_download_menu, priority=520)
    app.connect("build-finished", _copy_pdf)
    app.add_config_value("lossbook_pdf_link", True, "html")  # the student site sets it False
    app.setup_extension("myst_nb")
    _hide_input_toggle_without_label(app)
    app.add_js_file("lossquiz.js", defer="defer")
    app.add_css_file("lossquiz.css")
    app.connect("html-page-context", _quiz_assets_once)
    app.connect("html-page-context", _figures)
    app.connect("build-finished", _write_quiz_assets)
    app.connect("env-get-updated", _exercises_per_chapter, priority=900)
    app.connect("html-page-context", _clean_scripts, priority=900)
    # after sphinx-book-theme's add_launch_buttons (501), before the page template renders the buttons
    app.connect("html-page-context", _launch_only_notebooks, priority=510)
    app.connect("doctree-resolved", _link_api_mentions)
    app.connect("build-finished", _copy_vendor)
    app.connect("build-finished", _drop_fontawesome_js)
    app.connect("build-finished", _subset_icon_fonts)
    # after sphinx-external-toc's ensure_index_file (500) has written the bare redirect
    app.connect("build-finished", _index_redirect_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

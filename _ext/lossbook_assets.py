"""Small Sphinx extension of the course site.

1. Pages carry no ipywidgets machinery: every widget of the course renders as its self-contained
   HTML version on the site (see lossutils.widgets), so the saved widget state that myst-nb embeds
   in pages whose notebook had widgets is dead weight. Drop it.
2. Copy the vendored KaTeX CSS and fonts (installed from the npm registry into _vendor/ by `make vendor`) into
   the built site, next to (not inside) _static: Jupyter Book adds every .js under _static to every page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _drop_widget_state(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    scripts[:] = [js for js in scripts if getattr(js, "attributes", {}).get("type") != WIDGET_STATE]


def _copy_vendor(app, exception):
    if exception or app.builder.format != "html":
        return
    src = Path(app.srcdir) / "_vendor"
    if not src.is_dir():
        raise RuntimeError(
            "_vendor/ is missing: the site needs its local KaTeX CSS and fonts. Run `make vendor` (or `make book`)."
        )
    shutil.copytree(src, Path(app.outdir) / "_vendor", dirs_exist_ok=True)


def setup(app):
    app.connect("html-page-context", _drop_widget_state, priority=900)
    app.connect("build-finished", _copy_vendor)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

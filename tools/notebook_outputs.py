"""Cleaning executed notebook outputs before they are stored or compared (notebook tooling, not course code).

* :func:`strip_widget_views`: drop the live widget view of each explorer (``lossutils.widgets``)
  whose static HTML twin is beside it, and the saved widget state: a stored notebook opened without
  a kernel then shows the static widget rather than "Error displaying widget: model not found".
* :func:`drop_figure_text`: drop matplotlib's ``<Figure size 700x350 with 1 Axes>`` text beside a
  figure's image: ``tools/run_notebooks.py`` stores chapters without it, and the nbval lane
  (``conftest.py``) drops it from the fresh outputs before comparing.
* :func:`join_adjacent_streams`: one output for text a cell prints in one go, however the kernel
  happened to flush it (the site would otherwise show two boxes; nbval joins streams itself).
"""

from __future__ import annotations

import re

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IMAGES = {"image/png", "image/svg+xml"}  # a figure is shown as one of these (lossutils.plotting)

__all__ = ["strip_widget_views", "drop_figure_text", "join_adjacent_streams", "FIGURE_TEXT", "WIDGET_VIEW"]


def strip_widget_views(nb):
    """Drop live widget views that have a static HTML twin, and the saved widget state.

    Call it on an executed notebook before saving it: opened without a kernel it then shows each
    explorer's static version instead of "Error displaying widget: model not found". Outputs that
    are *only* a widget view are left alone. Works in place on an nbformat node or plain dict and
    returns it.
    """
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", None) or []:
            data = out.get("data")
            if data and WIDGET_VIEW in data and "text/html" in data:
                del data[WIDGET_VIEW]
    meta = nb.get("metadata")
    if meta is not None and "widgets" in meta:
        del meta["widgets"]
    return nb


# repr(matplotlib.figure.Figure): "<Figure size 640x480 with 2 Axes>" (sizes formatted with :g)
FIGURE_TEXT = re.compile(r"<Figure size [0-9.e+]+x[0-9.e+]+ with [0-9]+ Axes>")


def drop_figure_text(outputs):
    """The outputs without matplotlib's ``<Figure size ...>`` text next to a figure's image.

    ``plt.show()`` in a kernel displays each figure as ``image/png`` plus a ``text/plain`` repr
    (``<Figure size 700x350 with 1 Axes>``) for frontends that cannot show images. Stored in a
    notebook that text is noise in notebook viewers. Only that repr is dropped, and only where an
    image (``image/png`` or ``image/svg+xml``) is beside it; every other output is returned as it is. The outputs (nbformat
    nodes or plain dicts) are not modified: changed ones are shallow copies.

    >>> outs = [{"output_type": "display_data", "metadata": {},
    ...          "data": {"image/png": "iVBO...", "text/plain": "<Figure size 700x350 with 1 Axes>"}},
    ...         {"output_type": "execute_result", "metadata": {}, "execution_count": 3,
    ...          "data": {"text/plain": "<Figure size 700x350 with 1 Axes>"}}]
    >>> [sorted(o["data"]) for o in drop_figure_text(outs)]
    [['image/png'], ['text/plain']]
    >>> sorted(outs[0]["data"])   # the input is unchanged
    ['image/png', 'text/plain']
    """
    kept = []
    for out in outputs:
        data = out.get("data")
        text = data.get("text/plain") if data else None
        if isinstance(text, list):  # nbformat allows multiline strings as lists of lines
            text = "".join(text)
        if text is not None and IMAGES & set(data) and FIGURE_TEXT.fullmatch(text.strip()):
            out = type(out)(out)
            out["data"] = type(data)({k: v for k, v in data.items() if k != "text/plain"})
        kept.append(out)
    return kept


def join_adjacent_streams(outputs):
    """The outputs with each run of adjacent stream outputs of the same name (stdout, stderr) joined
    into one. The kernel sends printed text in chunks as it flushes, so one ``print`` loop can be
    stored as one output or as two depending on timing. Order is kept: text printed before and after
    a figure stays in two outputs. The outputs are not modified: joined ones are copies.

    >>> outs = [{"output_type": "stream", "name": "stdout", "text": "a\\n"},
    ...         {"output_type": "stream", "name": "stdout", "text": "b\\n"},
    ...         {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "x"}},
    ...         {"output_type": "stream", "name": "stdout", "text": "c\\n"}]
    >>> [o.get("text") for o in join_adjacent_streams(outs)]
    ['a\\nb\\n', None, 'c\\n']
    >>> outs[0]["text"]   # the input is unchanged
    'a\\n'
    """
    def text(out):  # nbformat allows multiline strings as lists of lines
        return "".join(out["text"]) if isinstance(out["text"], list) else out["text"]

    joined = []
    for out in outputs:
        last = joined[-1] if joined else {}
        if out.get("output_type") == last.get("output_type") == "stream" and out.get("name") == last.get("name"):
            joined[-1] = type(last)(last)
            joined[-1]["text"] = text(last) + text(out)
        else:
            joined.append(out)
    return joined

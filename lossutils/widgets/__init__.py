r"""Explorers: a pure compute function and a few controls become a figure that responds, both in a
live kernel and on the static website.

A chapter writes a *pure* compute function (numbers in, plot primitives out) and declares its
controls and panels; everything else lives here::

    from lossutils.widgets import explore, Slider, Choice, Panel, Line, Points, Bars

    def line_fit(w, b):
        return {"fit": [Points(X, Y, label="data"), Line(XS, w * XS + b, label="model")],
                "text": f"MSE = {mse_loss(w * X + b, Y):.3f}"}

    explore(line_fit,
            {"w": Slider(-1.0, 3.0, 0.25, value=1.0, label="slope w"),
             "b": Slider(-2.0, 2.0, 0.25, value=0.0, label="intercept b")},
            panels={"fit": Panel(title="Residuals shrink as the line fits", xlabel="x", ylabel="y")},
            title="Fit a line by hand", alt="Scatter of data with a line the reader moves.")

How it works, and why
---------------------
Every control has a finite set of values, so :func:`explore` calls ``compute`` once for every
combination (at most :data:`MAX_FRAMES`). That fixes the axes (limits from all frames: nothing
jumps while a slider moves) and gives the static version its data.

The figure is SVG, not matplotlib: Python draws the static frame once (axes, ticks, labels,
legend) and, per update, only the ``d`` attribute of one ``<path>`` per primitive changes. Every
primitive is a path — a polyline, circles drawn as two arcs, rectangles — so an update is a
string swap:

* **Live kernel** (JupyterLab, Notebook, VS Code, Colab): ipywidgets controls (a
  ``SelectionSlider`` on exactly the slider's grid, a ``Dropdown``); moving one calls ``compute``
  for the new value and swaps the figure's HTML in an ``ipywidgets.HTML`` — well under a
  millisecond of Python, where a matplotlib inline redraw costs 70-110 ms
  (``benchmarks/bench_widgets.py`` measures it; ``make bench`` times every chapter's explorers).
* **Static website** (no kernel): the ``text/html`` part of the output is a self-contained
  fragment — native ``<input type=range>``/``<select>`` with labels, the same SVG, the data of
  every frame and ~40 lines of inline script (no library, no CDN) that rebuilds the paths
  from the data. The page shows the frame Python drew; the script decodes the data and redraws only
  when a control moves, so a page with several widgets loads as fast as one without. Coordinates are stored quantised to uint16 in the figure's own pixel space
  (steps of about 1/10 px over the plot area and four plot sizes either side of it, which the
  plot's viewport clips; 65535 marks a gap), each distinct array once, base64-encoded. Paths are
  written in integer tenths of a pixel; the Python and JavaScript path builders use the same
  arithmetic, so both draw identical ``d`` strings; the script sets only the paths whose string
  changed (a curve that a control does not move is not repainted). The fragment is deterministic (no random ids; nothing
  needs an id at all: the script finds its container via ``document.currentScript``), so nbval
  can compare it.

``Explorer._repr_mimebundle_`` returns both the live widget view and the fragment; a live
frontend renders the widget, the book (``nb_mime_priority_overrides``) renders the fragment, and
:func:`tools.notebook_outputs.strip_widget_views` removes the widget view from stored notebooks so a notebook opened
without a kernel shows the fragment rather than "model not found". Opened in JupyterLab, a
*trusted* notebook runs the fragment's script (arrow keys work: the inputs carry
``data-lm-suppress-shortcuts``); an untrusted one is sanitised (no ``<svg>``, ``<style>`` or
``<script>``), so layout is in inline styles and a note there says to run the cell or trust the
notebook.

ipywidgets is imported only when a live view is built, so this package imports without it; it
never imports matplotlib.

The package: :mod:`.controls` (``Slider``, ``Choice``, ``Panel``), :mod:`.primitives` (``Line``,
``Points``, ``Bars``, ``VLine``, ``HLine``, colours and styles), :mod:`.axes` (limits, ticks, the
layout and quantisation of one panel), :mod:`.render` (the path builder shared with the page
script, the style sheet and inline styles, the data encoding), ``explorer.js`` (the page script)
and :mod:`.explorer` (``Explorer``, its static fragment and live view, and ``explore``).
"""

from .controls import Choice, Panel, Slider
from .explorer import MAX_FRAMES, MAX_HTML_BYTES, WIDGET_VIEW, Explorer, explore
from .primitives import COLORS, PALETTE, STYLES, Bars, HLine, Line, Points, VLine

__all__ = [
    "explore", "Explorer", "Slider", "Choice", "Panel",
    "Line", "Points", "Bars", "VLine", "HLine",
    "PALETTE", "COLORS", "MAX_HTML_BYTES", "MAX_FRAMES", "WIDGET_VIEW",
]

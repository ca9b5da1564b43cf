"""pytest configuration of the whole repository.

The nbval lane (``pytest --nbval chapters``, see tools/run_tests.sh) compares the outputs stored in
the chapters with freshly executed ones. The stored chapters carry no ``<Figure size ...>`` text
beside a figure's image (tools/run_notebooks.py drops it: it is noise in notebook viewers), but a
kernel still emits it, so nbval would report "Unexpected output fields from running code:
{'text/plain'}". Each notebook cell's comparison therefore drops that text on both sides first
(:func:`tools.notebook_outputs.drop_figure_text`), and SVG figures are not compared (nbval does not
compare PNGs either); every other output is compared as nbval does.
"""

from __future__ import annotations

import functools


def _compare_without_figure_text(compare, test, ref, skip_compare=None):
    from tools.notebook_outputs import drop_figure_text

    # SVG figures are not compared, like nbval's PNGs: the drawing of glyphs and anti-aliased paths
    # may differ between matplotlib/freetype builds while the figure is the same
    skip_compare = tuple(skip_compare or compare.__self__.parent.skip_compare) + ("image/svg+xml",)
    return compare(drop_figure_text(test), drop_figure_text(ref), skip_compare)


def pytest_collection_modifyitems(items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: no notebook cells to compare
        return
    for item in items:
        if isinstance(item, IPyNbCell):
            item.compare_outputs = functools.partial(_compare_without_figure_text, item.compare_outputs)

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
import re


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


# Which tests share a pytest-xdist worker (`make test` runs pytest -n 2). pytest-xdist's own
# `--dist loadgroup` marks do nothing with pytest 9.2 (pytest-dev/pytest-xdist#1386: the group is
# written into a node id that pytest no longer reads), so the grouping is done here, by node id.
SHARED_VISIT = re.compile(r"^tests/browser/test_site\.py::\w+\[(?P<page>[^\]]+)\]$")
SHARED_PHONE_VISIT = re.compile(
    r"^tests/browser/test_reader\.py::test_(?:widgets_fit_a_phone_and_respond_fast|chapter_is_light_and_fast)\[(?P<page>[^\]]+)\]$")
ON_THEIR_OWN = ("tests/browser/", "tests/test_student_edition.py::test_student_notebook_runs_top_to_bottom")


def work_unit(nodeid: str) -> str:
    """The tests one worker runs together: by default those of one file (a notebook's cells share
    one kernel; a module's fixtures are built once); browser tests and the student notebooks one
    by one, except the tests of one page that share a visit (tests/browser)."""
    for rx, kind in ((SHARED_VISIT, "visit"), (SHARED_PHONE_VISIT, "phone")):
        m = rx.match(nodeid)
        if m:
            return f"{kind}:{m['page']}"
    if nodeid.startswith(ON_THEIR_OWN):
        return nodeid
    return nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    return ByWorkUnit(config, log)

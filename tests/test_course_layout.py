"""Course code uses the library's public API only.

The import-linter contracts in pyproject.toml check modules (no ``lossutils._*`` module imported by
``lossutils.course``; no course module imported by the library). Import-linter cannot see names, so
this test checks the other half of "public API only": no ``_private`` name imported from the library
(``from lossutils.regression import _pair``).
"""

import ast
from pathlib import Path

import lossutils.course

COURSE = Path(lossutils.course.__file__).parent


def private_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("lossutils")):
            parts = (node.module or "").split(".")
            names = [a.name for a in node.names]
            if any(p.startswith("_") for p in parts) or any(n.startswith("_") for n in names):
                found.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names
                      if a.name.startswith("lossutils") and any(p.startswith("_") for p in a.name.split("."))]
    return found


def test_the_check_finds_private_imports():
    assert private_imports("from lossutils.regression import _pair\nimport lossutils._validation\n"
                           "from .._reduction import reduce\nfrom lossutils import mse_loss\n"
                           "from __future__ import annotations\n") == [
        "line 1: from lossutils.regression import _pair", "line 2: import lossutils._validation",
        "line 3: from .._reduction import reduce"]


def test_course_code_imports_no_private_name():
    files = sorted(COURSE.rglob("*.py"))
    assert files
    bad = {str(p.relative_to(COURSE)): private_imports(p.read_text(encoding="utf-8")) for p in files}
    assert not {k: v for k, v in bad.items() if v}

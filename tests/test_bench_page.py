"""benchmarks/run.py: a partial `make bench` (--only SECTION) redoes that section of
benchmarks/README.md and keeps the others as the last runs wrote them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setattr(run, "PAGE", tmp_path / "README.md")
    monkeypatch.setattr(run, "machine", lambda: "a test machine")
    monkeypatch.setattr(run, "log", lambda *a, **k: None)
    return run


def test_a_partial_run_keeps_the_other_sections(monkeypatch, tmp_path):
    run = _bench(monkeypatch, tmp_path)
    calls = []

    def runner(name, result):
        def section():
            calls.append(name)
            return [f"## {name}", "", result]
        return section

    monkeypatch.setattr(run, "RUNNERS", {"losses": runner("losses", "table 1"), "browser": runner("browser", "timings 1")})
    monkeypatch.setattr(run, "SECTIONS", ("losses", "browser"))
    assert run.main(["--only", "losses,browser"]) == 0
    monkeypatch.setitem(run.RUNNERS, "browser", runner("browser", "timings 2"))
    assert run.main(["--only", "browser"]) == 0
    page = run.PAGE.read_text(encoding="utf-8")
    assert calls == ["losses", "browser", "browser"]
    assert "table 1" in page and "timings 2" in page and "timings 1" not in page
    assert page.index("## losses") < page.index("## browser")
    assert set(run.previous_sections()) == {"losses", "browser"}
    assert page.count("Run of ") == 2

"""The appendix page (MyST markdown) and its plot, written from the results of ``run.py``.

Every number on the page comes from results.json; the prose around the numbers says what was
measured and, where a budget is missed, what the measurements show about why.
"""

from __future__ import annotations

import statistics
from pathlib import Path

SIZE_LABEL = {10**3: "10³", 10**4: "10⁴", 10**5: "10⁵", 10**6: "10⁶", 10**7: "10⁷"}


def _size(n: int) -> str:
    return SIZE_LABEL.get(n, f"{n:.0e}")


def _ms(s: float) -> str:
    ms = s * 1e3
    return f"{ms:.3f}" if ms < 1 else (f"{ms:.2f}" if ms < 10 else f"{ms:.1f}")


def _x(r: float, budget: float) -> str:
    text = f"{r:.2f}×"
    return f"**{text}**" if r > budget else text


def _text(s: str) -> str:
    """Plain text safe in a MyST table cell (no maths, no HTML, no cell breaks)."""
    return s.replace("|", "/").replace("$", "\\$").replace("<", "&lt;")


def _table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Plot
# ------------------------------------------------------------------------------------------------

def write_plot(res: dict, path: Path) -> None:
    """Dot plot of lossutils/torch time ratios: one row per loss, one colour per input size."""
    losses = res.get("losses") or {}
    rows = losses.get("rows") or []
    if not rows:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from lossutils.plotting import use_course_style
    from lossutils.widgets import PALETTE

    use_course_style()
    sizes = sorted({r["elements"] for r in rows})
    colors = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sizes)}
    markers = "osD^v<>"
    fwd_names = list(dict.fromkeys(r["loss"] for r in rows if r["kind"] == "forward"))
    grad_names = list(dict.fromkeys(r["loss"] for r in rows if r["kind"] == "gradient"))
    fig = plt.figure(figsize=(11, 0.3 * len(fwd_names) + 1.6), layout="constrained")
    n_f, n_g = max(len(fwd_names), 1), max(len(grad_names), 1)
    grid = fig.add_gridspec(2, 2, width_ratios=[1.2, 1], height_ratios=[n_g + 1.5, max(n_f - n_g - 1.5, 1)])
    axes = [fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[0, 1])]
    legend_ax = fig.add_subplot(grid[1, 1])
    legend_ax.axis("off")
    all_ratios = [r["ratio"] for r in rows]
    lo, hi = min(all_ratios + [0.5]) / 1.3, max(all_ratios + [2.0]) * 1.3
    for ax, kind, names, budget, title in (
            (axes[0], "forward", fwd_names, 1.0, "Forward: lossutils time ÷ torch time"),
            (axes[1], "gradient", grad_names, 1.5, "Gradient: lossutils ÷ torch autograd")):
        ax.axvspan(lo, budget, color="#e8f4ec", zorder=0)
        ax.axvline(budget, color="#333333", linestyle="--", linewidth=1.2, label=f"budget {budget:g}×")
        for j, n in enumerate(sizes):
            pts = [(r["ratio"], names.index(r["loss"])) for r in rows if r["kind"] == kind and r["elements"] == n]
            if pts:
                ax.scatter([p[0] for p in pts], [p[1] for p in pts], color=colors[n], marker=markers[j % 7],
                           s=34, zorder=3, label=f"{_size(n)} elements", edgecolors="white", linewidths=0.5)
        ax.set_yticks(range(len(names)), names, fontsize=10)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo <= t <= hi]
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter([f"{t:g}×" for t in ticks]))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("time ratio (log scale); left of the dashed line: within budget", fontsize=10)
        ax.set_title(title, fontsize=12)
    handles, labels = axes[0].get_legend_handles_labels()
    labels = ["budget: 1× forward, 1.5× gradient" if lab.startswith("budget") else lab for lab in labels]
    legend_ax.legend(handles, labels, loc="center", fontsize=10, frameon=False,
                     title="input size (elements)", title_fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------------

def _machine_text(res: dict) -> str:
    m = res.get("machine", {})
    losses = res.get("losses") or {}
    threads = losses.get("torch_threads", m.get("cpu_count"))
    text = (f"Measured on {res.get('date', '?')} on {m.get('cpu', 'an unknown CPU')} with "
            f"{m.get('cpu_count')} cores and {m.get('memory_GB', '?')} GB of memory: Python "
            f"{m.get('python')}, numpy {m.get('numpy')}, torch {m.get('torch')}. torch ran with "
            f"`torch.set_num_threads({threads})` (the machine's core count); numpy's element-wise "
            f"operations use one thread. The last run (sections: {', '.join(res.get('sections', []))}) took "
            f"{res.get('bench_seconds', 0) / 60:.1f} min.")
    cores = m.get("cpu_count") or 1
    loads = [(name, res[name]["load"]) for name in ("losses", "notebooks", "book", "full")
             if isinstance(res.get(name), dict) and res[name].get("load")]
    if loads:
        busy = any(max(ld["start"][:1] + ld["end"][:1]) > 0.75 * cores for _, ld in loads)
        text += ("\n\nThe 1-minute load average at the start and end of each section (a measure of how "
                 "many processes wanted a core): " + "; ".join(
                     f"{name} {ld['start'][0]} → {ld['end'][0]} ({res[name].get('date', '')})"
                     for name, ld in loads) + ".")
        if busy:
            text += (" **Other jobs shared the machine during part of these measurements** (a load "
                     f"average near or above the {cores} cores means processes waited for a core), so those times "
                     "are longer and noisier than on an idle machine; a ratio compares two "
                     "medians taken in alternation under the same load, so ratios suffer less than "
                     "absolute times, but torch's multi-threaded operations wait for a busy core "
                     "more often than single-threaded code.")
    return text


def _budget_table(res: dict) -> str:
    rows = [[b["status"], b["measure"], b["budget"], b["measured"], b.get("date") or res.get("date", "")]
            for b in res.get("budgets", [])]
    return _table(["", "measure", "budget", "measured", "measured on"], rows, "lllll")


def _loss_tables(res: dict) -> str:
    losses = res["losses"]
    rows = losses["rows"]
    sizes = sorted({r["elements"] for r in rows})
    out = []
    for kind, budget in (("forward", 1.0), ("gradient", 1.5)):
        names = list(dict.fromkeys(r["loss"] for r in rows if r["kind"] == kind))
        table = []
        for name in names:
            by = {r["elements"]: r for r in rows if r["kind"] == kind and r["loss"] == name}
            table.append([f"`{name}`"] + [_x(by[n]["ratio"], budget) if n in by else "" for n in sizes])
        head = "Forward pass" if kind == "forward" else "Gradient"
        out.append(f"**{head}**: lossutils time ÷ torch time (budget {budget:g}×; misses in bold).\n\n"
                   + _table(["loss"] + [f"{_size(n)} elements" for n in sizes], table))
    one_sizes = [n for n in sizes if any("ratio_1thread" in r for r in rows if r["elements"] == n)]
    if one_sizes:
        table = []
        for kind, budget in (("forward", 1.0), ("gradient", 1.5)):
            for name in dict.fromkeys(r["loss"] for r in rows if r["kind"] == kind):
                by = {r["elements"]: r for r in rows if r["kind"] == kind and r["loss"] == name}
                table.append([f"`{name}`", kind] + [_x(by[n]["ratio_1thread"], budget) if "ratio_1thread" in by.get(n, {})
                                                    else "" for n in one_sizes])
        out.append("**Against torch on one thread** (same runs; torch re-timed with `torch.set_num_threads(1)`): "
                   "lossutils time ÷ torch time, misses in bold. This compares the arithmetic alone. "
                   "Below 32768 elements torch uses one thread anyway.\n\n"
                   + _table(["loss", ""] + [f"{_size(n)} elements" for n in one_sizes], table, "ll" + "r" * len(one_sizes)))
    big = max(sizes)
    table = []
    for r in rows:
        if r["elements"] == big:
            table.append([f"`{r['loss']}`", r["kind"], _ms(r["lossutils_s"]), _ms(r["torch_s"]),
                          _ms(r["torch_1thread_s"]) if "torch_1thread_s" in r else "",
                          f"{r['ratio_1thread']:.2f}×" if "ratio_1thread" in r else ""])
    threads = losses["torch_threads"]
    out.append(f"**Times at {_size(big)} elements** (ms, medians), with torch also limited to one "
               "thread:\n\n" + _table(["loss", "", "lossutils", f"torch, {threads} threads",
                                       "torch, 1 thread", "ratio to 1 thread"], table, "llrrrr"))
    exprs = losses.get("torch_expressions", {})
    out.append("**What torch runs** for each loss (a torch function where torch has one, otherwise "
               "the expression the lossutils docstring gives):\n\n"
               + _table(["loss", "torch side"], [[f"`{k}`", v.replace("|", "/")] for k, v in exprs.items()], "ll"))
    return "\n\n".join(out)


def _bandwidth_table(res: dict) -> str:
    losses = res["losses"]
    bw = losses.get("bandwidth") or []
    if not bw:
        return "Not measured in this run (it needs the 10⁷ size)."
    gbps = losses.get("copy_bandwidth_GBps") or 0
    paired = all("copy_GBps" in r for r in bw)
    rows = [[f"`{r['loss']}`", f"{r['bytes_read'] / 1e6:.0f}"]
            + ([f"{r['copy_GBps']:.1f}"] if paired else [])
            + [_ms(r["limit_s"]), _ms(r["lossutils_s"]), _x(r["multiple"], 3.0), f"{r['torch_multiple']:.1f}×"]
            for r in bw]
    if paired:
        lo, hi = min(r["copy_GBps"] for r in bw), max(r["copy_GBps"] for r in bw)
        intro = (f"The copy bandwidth (`np.copyto` of an 80 MB array, bytes read plus bytes written per "
                 f"second) is timed in alternation with each loss, because it varies on this machine: "
                 f"from {lo:.1f} to {hi:.1f} GB/s during this run ({gbps:.1f} GB/s at the start). ")
    else:
        intro = (f"The copy bandwidth measured in this run (`np.copyto` of an 80 MB array, bytes read "
                 f"plus bytes written per second) was **{gbps:.1f} GB/s**. ")
    return (intro + "A loss that must read B bytes "
            "cannot take less than B ÷ bandwidth; the table gives lossutils' forward time (reduction "
            "\"mean\") as a multiple of that limit (budget 3×), and torch's for comparison.\n\n"
            + _table(["loss", "MB read"] + (["copy GB/s"] if paired else [])
                     + ["limit (ms)", "lossutils (ms)", "lossutils ÷ limit", "torch ÷ limit"], rows))


def _widget_table(res: dict) -> str:
    nbs = res.get("notebooks") or {}
    rows = []
    for r in nbs.get("rows", []):
        for w in r["widgets"]:
            if w.get("moves"):
                rows.append([Path(r["notebook"]).stem, _text(w["widget"]), f"{w['median_ms']:.1f}",
                             f"{w['p95_ms']:.1f}", str(w["moves"]), str(w.get("frames", ""))])
    if not rows:
        return "Not measured."
    return (f"Each chapter was executed in a fresh kernel; then, in that kernel, every explorer the "
            f"chapter displays was moved {nbs.get('repeats', 60)} times (each control walks its values "
            "up and down) and each move was timed from setting the control's value to the new "
            "figure HTML being assigned to the output widget, the point where the kernel sends it "
            "to the browser. The figure is recomputed by the chapter's own compute function "
            "(lossutils.demos) and redrawn as SVG paths. Budget: a median of 50 ms per widget.\n\n"
            + _table(["chapter", "widget", "median (ms)", "p95 (ms)", "moves", "frames"], rows, "llrrrr"))


def _notebook_table(res: dict) -> str:
    nbs = res.get("notebooks") or {}
    rows = []
    for r in nbs.get("rows", []):
        slow = r["slowest_cells"][0] if r.get("slowest_cells") else None
        rows.append([Path(r["notebook"]).stem, f"{r['seconds']:.1f}", f"{r['kernel_start_s']:.1f}",
                     f"{slow['seconds']:.1f} s: `{slow['starts'].replace('`', '')}`" if slow else ""])
    if not rows:
        return "Not measured."
    total = sum(r["seconds"] for r in nbs["rows"])
    return ("Each notebook runs top to bottom in a fresh kernel, as `make notebooks` runs it; the "
            "time is wall-clock from starting the kernel to the end of the last cell (budget 15 s "
            f"per notebook, 60 s in total; this run: {total:.1f} s).\n\n"
            + _table(["notebook", "seconds", "of which kernel start", "slowest cell"], rows, "lrrl"))


def _book_text(res: dict) -> str:
    book = res.get("book") or {}
    if not book:
        return "Not measured."
    parts = [(f"A copy of the working tree was built with the project's command (`jupyter-book build . "
              f"--builder html -W -n --keep-going`): the cold build, which executes every notebook, took "
              f"{book['cold_build_s']:.0f} s. Then one markdown cell of `{book['edited']}` got one more "
              f"sentence and the same command took **{book['rebuild_s']:.1f} s** "
              f"({book['rebuild_executed_notebooks']} notebooks re-executed: jupyter-cache keys a "
              "notebook on its code, so a prose edit reuses the stored outputs).")]
    pages = book.get("pages") or []
    if pages:
        kinds = ["html", "css", "js", "fonts", "images/other"]
        rows = [[Path(p["page"]).stem, str(p.get("requests", ""))]
                + [f"{p['by_kind'].get(k, 0) / 1e3:.0f}" for k in kinds]
                + [f"{p['bytes'] / 1e6:.2f}", f"**{p['gzip_bytes'] / 1e6:.2f}**"] for p in pages]
        how = ("measured with the project's tool `tools/page_weight.py`: the HTML and every local file "
               "it makes a browser load on a first visit (stylesheets and what they import, scripts, "
               "images, and every font the stylesheets declare, an upper bound since a browser fetches "
               "only the fonts a page uses)")
        big = (pages[0].get("largest_files") or [{}])[0]
        parts.append(f"**Page weight** of each chapter page: {how}. The columns by kind are "
                     "uncompressed kB; the budget (1.5 MB) is checked on the bytes transferred, i.e. "
                     "with every text response gzip-compressed as GitHub Pages serves it (fonts and "
                     "images are already compressed)."
                     + (f" The largest single file is `{big['file'].split('?')[0]}` "
                        f"({big['bytes'] / 1e6:.2f} MB uncompressed)"
                        + (", the theme's icon library (Font Awesome as JavaScript), which every "
                           "page of the site loads" if "fontawesome" in big["file"] else "")
                        + "." if big.get("file") else "")
                     + "\n\n" + _table(["page", "files", "HTML", "CSS", "JS", "fonts", "images",
                                         "total (MB)", "transferred (MB)"], rows))
    full = res.get("full")
    if full:
        parts.append(f"**Fresh clone** (measured {full['date']}, commit `{full['commit']}`, "
                     f"{full['chapters_in_clone']} chapter notebooks committed at the time): `git clone` then "
                     f"`make book` (virtual environment, every pinned package, KaTeX assets, execute and "
                     f"build) took {full['fresh_clone_book_s'] / 60:.1f} min (exit {full['fresh_clone_book_rc']}); "
                     f"`make test` in that clone then took {full['make_test_s'] / 60:.1f} min (exit "
                     f"{full['make_test_rc']}). These two run only with `python benchmarks/run.py --full`; "
                     "the values above are the latest measured.")
    return "\n\n".join(parts)


def _why(res: dict) -> str:
    """Explanations of the misses, from this run's numbers."""
    out = []
    losses = res.get("losses") or {}
    rows = losses.get("rows") or []
    prims = losses.get("primitives") or {}
    threads = losses.get("torch_threads", 1)
    budget = {"forward": 1.0, "gradient": 1.5}
    misses = [r for r in rows if r["ratio"] > budget[r["kind"]]]
    if misses:
        small = [r for r in misses if r["elements"] <= 10**4]
        large = [r for r in misses if r["elements"] > 10**4]
        call = prims.get("us_per_call", {})
        out.append(f"**lossutils against torch.** {len(misses)} of {len(rows)} (loss, size, pass) "
                   f"measurements miss their budget: {len(small)} at 10⁴ elements or fewer and "
                   f"{len(large)} above.")
        if small:
            names = sorted({r["loss"] for r in small})
            med_lu = statistics.median(r["lossutils_s"] for r in small) * 1e6
            med_th = statistics.median(r["torch_s"] for r in small) * 1e6
            out.append(
                f"*Small inputs* ({', '.join(f'`{n}`' for n in names)}): here both libraries spend "
                f"their time on fixed costs, not arithmetic. A numpy call costs about "
                f"{call.get('numpy', float('nan')):.1f} µs whatever its size and a torch operation "
                f"about {call.get('torch', float('nan')):.1f} µs (measured on 8 elements in this run); "
                "a lossutils loss validates its inputs (types, shapes, ranges: every message says "
                "what to fix) and then makes one numpy call per step of its formula, 5 to 20 calls, "
                "while a torch function such as `F.huber_loss` or `F.cross_entropy` is a single call "
                "into a C++ kernel that does the whole formula (the losses torch has no function for "
                "take a few calls here too). The gap is largest where lossutils needs the most steps "
                "and torch has one dedicated kernel: `cross_entropy`, `nll_loss`, `multi_margin_loss`. "
                f"The median of these misses is {med_lu:.0f} µs for "
                f"lossutils against {med_th:.0f} µs for torch. lossutils keeps the validation, "
                "because clear errors are part of what the course teaches, and keeps each formula "
                "readable numpy.")
        if large:
            names = sorted({r["loss"] for r in large})
            ns = prims.get("ns_per_element", {})
            one = [r for r in large if "ratio_1thread" in r]
            one_ok = [r for r in one if r["ratio_1thread"] <= budget[r["kind"]]]
            text = (f"*Large inputs* ({', '.join(f'`{n}`' for n in names)}): three things, all "
                    "measured. Torch evaluates a whole loss such as `F.huber_loss` in one fused pass over "
                    "the data, while numpy makes one pass per operation (lossutils keeps these passes "
                    "inside cache-sized blocks, but each still costs a fraction of a nanosecond per "
                    "element, and Huber needs seven). Torch computes exp and log with vectorised "
                    "kernels, faster per element on this CPU than numpy's float64 versions. And torch "
                    f"splits an operation on more than 32768 elements over its {threads} threads, while "
                    "numpy runs each operation on one.")
            ts = prims.get("threads")
            if ts:
                text += (f" How much the second thread is worth here: exp of {ts['n']:,} elements took "
                         f"{ts['numpy_1']:.1f} ms in numpy on one thread and {ts['numpy_2']:.1f} ms split over "
                         f"two Python threads (numpy releases the interpreter lock inside the loop), "
                         f"{ts['torch_1']:.1f} ms and {ts['torch_2']:.1f} ms in torch with one and two "
                         "threads. lossutils stays single-threaded: splitting its blocks over threads was "
                         "tried (it gives the same bits), but only made large inputs somewhat faster, "
                         "was slower at 10⁵ elements where waking a thread costs more than it saves, and "
                         "would not have brought these losses within budget; the package is meant to be "
                         "read as well as run.")
            if ns:
                def cost(op, label=None):
                    row = ns.get(op, {})
                    return (f"{label or op} {row.get('numpy', float('nan')):.1f} ns per element in numpy, "
                            f"{row.get('torch_1thread', float('nan')):.1f} ns in torch on one thread")
                text += (f" Measured in this run on {prims.get('n', 0)} elements (in the CPU cache): "
                         f"{cost('exp')}; {cost('log')}; {cost('log1p')} (lossutils uses its own "
                         f"`log1p_unit`, {ns.get('log1p_unit', {}).get('numpy', float('nan')):.1f} ns, "
                         f"built on log); {cost('where', 'np.where on a random mask')}; a subtraction "
                         f"{ns.get('subtract', {}).get('numpy', float('nan')):.1f} against "
                         f"{ns.get('subtract', {}).get('torch_1thread', float('nan')):.1f} ns. "
                         "The losses built on exp and log (log-cosh, the binary cross-entropies, "
                         "focal, Poisson, KL) pay that difference once per element per function.")
            rm = prims.get("row_max_ns_per_element")
            if rm:
                text += (f" Reductions along a short row (the maximum of each row of an (N, 10) array, "
                         f"which every cross-entropy needs) cost {rm['numpy']:.1f} ns per element in "
                         f"numpy against {rm['torch']:.1f} ns in torch; lossutils' cross-entropy "
                         "therefore works on the transposed block (one contiguous operation per class).")
            if one:
                text += (f" From 10⁵ elements on, torch was also timed on one thread: against that, "
                         f"{len(one_ok)} of these {len(one)} misses are within budget, so for them the "
                         "difference is torch's second thread.")
                rest = [r for r in one if r not in one_ok]

                def names_of(rs):
                    return ", ".join(f"`{n}`" for n in sorted({r["loss"] for r in rs}))

                heavy = [r for r in rest if r.get("heavy")]
                rows_wise = [r for r in rest if not r.get("heavy") and not r.get("elementwise", True)]
                simple = [r for r in rest if not r.get("heavy") and r.get("elementwise", True)]
                parts = []
                if heavy:
                    parts.append(f"those whose formula needs exp, log or a division ({names_of(heavy)})")
                if rows_wise:
                    parts.append("the losses that work row by row, on class scores or embeddings, "
                                 f"with many short passes and gathers ({names_of(rows_wise)})")
                if simple:
                    sizes_simple = sorted({r["elements"] for r in simple})
                    parts.append(f"and element-wise losses without a costly function ({names_of(simple)}) "
                                 "at " + ", ".join(_size(n) for n in sizes_simple) + " elements, where "
                                 "torch's one fused pass over data already in the cache beats numpy's "
                                 "three to nine passes")
                if parts:
                    text += (" The rest are slower than torch on one thread as well: " + "; ".join(parts) + ".")
            text += (" Closing these would take fused, vectorised kernels, i.e. compiled code (numexpr, "
                     "numba, C); lossutils is pure numpy by design, so that it runs wherever numpy does and "
                     "every formula can be read, and this is recorded as a known miss rather than hidden by "
                     "a looser budget.")
            mal = prims.get("malloc") or {}
            if mal.get("tuned") and mal.get("default"):
                text += (f" One cost was removed rather than explained: with glibc's default settings, "
                         f"`np.abs(p - t)` on one block of 32768 elements took {mal['default']['us']:.0f} µs "
                         f"in a fresh Python, against {mal['tuned']['us']:.0f} µs with the settings lossutils "
                         "applies at import (`lossutils/_memory.py`): malloc handed each freed block back "
                         "to the kernel, and every next block was faulted in page by page again.")
            out.append(text)
    bw = [r for r in (losses.get("bandwidth") or []) if r["multiple"] > 3.0]
    if bw:
        ns = prims.get("ns_per_element", {})
        heavy = losses.get("heavy_steps", {})
        items = []
        for r in bw:
            steps = heavy.get(r["loss"], [])
            floor = sum(ns.get(s, {}).get("numpy", 0.0) for s in steps) * r["elements"] / 1e9
            passes = (losses.get("passes") or {}).get(r["loss"], 0)
            sub = ns.get("subtract", {}).get("numpy", 0.0)
            if steps and ns:
                items.append(f"`{r['loss']}` ({r['multiple']:.1f}× the limit of {_ms(r['limit_s'])} ms) "
                             f"evaluates {', '.join(steps)} per element: {_ms(floor)} ms at numpy's "
                             "measured per-element costs before any memory traffic")
            elif passes and sub:
                items.append(f"`{r['loss']}` ({r['multiple']:.1f}× the limit of {_ms(r['limit_s'])} ms) "
                             f"makes {passes} numpy passes over its data (checks, formula, sum): at the "
                             f"{sub:.2f} ns per element of one pass in the cache, {_ms(passes * sub * r['elements'] / 1e9)} ms")
            else:
                note = (losses.get("notes") or {}).get(r["loss"], "")
                items.append(f"`{r['loss']}` ({r['multiple']:.1f}×)" + (f": {note}" if note else ""))
        torch_over = [r for r in bw if r["torch_multiple"] > 3.0]
        out.append("**Memory bandwidth.** These element-wise losses take more than three times the "
                   "time needed to read their inputs because arithmetic, not memory, limits them: "
                   + "; ".join(items) + ". Reading 16 bytes per element takes a fraction of a "
                   "nanosecond; exp and log take several nanoseconds each (torch's are faster, see "
                   "above), and every further numpy operation is another pass over the block. torch "
                   f"misses the same limit for {len(torch_over)} of these {len(bw)} losses (last column "
                   "of the bandwidth table).")
    nbs = res.get("notebooks") or {}
    slow = [r for r in nbs.get("rows", []) if r["seconds"] > 15.0]
    total = sum(r["seconds"] for r in nbs.get("rows", []))
    if slow or total > 60.0:
        text = "**Notebooks.** "
        if slow:
            text += "Over 15 s: " + "; ".join(
                f"{Path(r['notebook']).stem} {r['seconds']:.1f} s (kernel start {r['kernel_start_s']:.1f} s; "
                + ", ".join(f"{c['seconds']:.1f} s in `{c['starts'].replace('`', '')}`"
                            for c in r.get("slowest_cells", [])[:2]) + ")" for r in slow) + ". "
        rows_nb = nbs.get("rows", [])
        k = statistics.mean(r["kernel_start_s"] for r in rows_nb)
        first = statistics.mean(r.get("imports_s", 0.0) for r in rows_nb)
        text += (f"Total {total:.1f} s for {len(rows_nb)} notebooks. Per notebook, on average, "
                 f"{k:.1f} s go to starting the kernel and {first:.1f} s to the cell of imports (numpy, "
                 "torch, matplotlib, lossutils), and "
                 f"{total / len(rows_nb) - k - first:.1f} s to the chapter's own cells (computing the "
                 "figures, small torch training loops, precomputing every frame of each explorer). "
                 "These are wall-clock times, so other jobs on the machine stretch them directly.")
        out.append(text)
    widgets = [(Path(r["notebook"]).stem, w) for r in nbs.get("rows", []) for w in r["widgets"]
               if w.get("moves") and w["median_ms"] > 50.0]
    if widgets:
        out.append("**Widgets.** Over 50 ms: " + "; ".join(
            f"{c}: {w['widget']} ({w['median_ms']:.0f} ms)" for c, w in widgets) + ".")
    book = res.get("book") or {}
    if book.get("rebuild_s", 0) > 20.0:
        out.append(f"**Rebuild.** {book['rebuild_s']:.1f} s after a prose edit, with "
                   f"{book['rebuild_executed_notebooks']} notebooks re-executed.")
    heavy = [p for p in book.get("pages", []) if p["gzip_bytes"] > 1.5e6]
    if heavy:
        out.append("**Page weight.** " + "; ".join(
            f"{Path(p['page']).stem}: {p['gzip_bytes'] / 1e6:.2f} MB transferred, of which HTML "
            f"{p['by_kind'].get('html', 0) / 1e6:.2f} MB uncompressed" for p in heavy) + ".")
    full = res.get("full") or {}
    if full and full.get("fresh_clone_book_rc"):
        warn = full.get("book_warnings") or []
        out.append(f"**Fresh clone.** `make book` in a clone of commit `{full['commit']}` ended with exit "
                   f"status {full['fresh_clone_book_rc']}"
                   + (": " + "; ".join(f"`{_text(w.replace('`', ''))[-160:]}`" for w in warn[:4]) if warn else "")
                   + ". The time is still that of a complete run (every notebook executed, every page written).")
    if full and full.get("make_test_rc"):
        stages = [line.strip() for line in full.get("make_test_summary", []) if " FAIL" in line]
        out.append(f"**make test** in that clone ended with exit status {full['make_test_rc']}"
                   + (" (failed stages: " + "; ".join(f"`{_text(s)}`" for s in stages) + ")" if stages else "")
                   + ". Failing stages can end early, so this time may be shorter than a passing run's.")
    if full and full.get("fresh_clone_book_s", 0) > 360:
        out.append(f"**Fresh clone.** {full['fresh_clone_book_s'] / 60:.1f} min, most of it installing "
                   "the pinned packages (torch alone is about 0.75 GB) and executing the notebooks.")
    if full and full.get("make_test_s", 0) > 600:
        out.append(f"**make test.** {full['make_test_s'] / 60:.1f} min.")
    if not out:
        return "Every budget measured in this run holds."
    return "\n\n".join(out)


def page(res: dict, plot_name: str) -> str:
    parts = [
        "# Benchmarks and performance budgets",
        "This appendix is written by `make bench` (`benchmarks/run.py`), which measures what a "
        "reader or an author of the course waits for and checks it against the budgets of the "
        "project. Every time is a median of several runs, and every comparison with torch is the "
        "ratio of two medians taken in the same run, lossutils and torch called in alternation on "
        "the same arrays. The budgets are checked and reported here; they are not tests, because "
        "timings depend on the machine and on what else runs on it. The raw numbers are in "
        "`benchmarks/results.json`.",
        _machine_text(res),
        "## Budgets",
        _budget_table(res),
    ]
    if (res.get("losses") or {}).get("rows"):
        losses = res["losses"]
        parts += [
            "## lossutils against torch",
            "Each loss of lossutils against its torch twin on the CPU, float64, with 10³ to 10⁷ "
            "elements in the first input (logits of shape (N, 10) for the multi-class losses, "
            "embeddings of shape (N, 16) for the pair and triplet losses; for InfoNCE and NT-Xent "
            "the elements are the entries of the N × N matrix of query-key similarities, which "
            "NT-Xent extends to all 2N views, 2N × 2N). The forward pass uses "
            "reduction \"mean\". The gradient compares lossutils' `*_grad` function, which "
            "returns the gradient, with `torch.autograd.grad`, which needs the forward pass and "
            "the backward pass; only the losses with a `*_grad` function have a gradient row. "
            "The inputs are numpy arrays and `torch.from_numpy` views of the same memory, so no "
            "conversion is timed. Every value was checked to agree between the two libraries "
            f"before timing ({sum(r['agree'] for r in losses['rows'])} of {len(losses['rows'])} agreed "
            "to 1e-9 relative).",
            "```{figure} " + plot_name + "\n:name: fig-loss-ratios\n:width: 100%\n"
            ":alt: Two dot plots. Left: for each of twenty losses, the forward time of lossutils "
            "divided by torch's, one dot per input size from a thousand to ten million elements, on a "
            "log scale with a dashed line at the budget 1. Right: the same for the six gradients, "
            "with the budget 1.5.\n\n"
            "Time of lossutils divided by the time of torch, per loss and input size (log scale). "
            "Dots left of the dashed line are within budget.\n```",
            _loss_tables(res),
            "## Memory bandwidth at 10⁷ elements",
            _bandwidth_table(res),
        ]
    parts += ["## Widgets", _widget_table(res), "## Notebooks", _notebook_table(res),
              "## Build and page weight", _book_text(res), "## Where a budget is missed, and why", _why(res),
              "## Reproducing",
              "`make bench` runs the losses, the notebooks and widgets, and the rebuild and page-weight "
              "measurements in about five minutes. `.venv/bin/python benchmarks/run.py --full` adds a "
              "fresh `git clone` followed by `make book` (with every installation) and `make test` "
              "in that clone; `--only losses` (or `notebooks`, `book`) reruns one section and keeps "
              "the others, with their dates. Each module in `benchmarks/` also runs on its own; "
              "`python benchmarks/bench_losses.py --only mse,huber --sizes 1e5` is handy while "
              "making a loss faster."]
    return "\n\n".join(parts) + "\n"

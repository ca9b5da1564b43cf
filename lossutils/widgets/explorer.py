"""The explorer: every frame computed up front, the static HTML fragment, the live ipywidgets view,
and :func:`explore`."""

from __future__ import annotations

import hashlib
import html
import math
from typing import Any, Callable, Mapping

import numpy as np

from .axes import _Axes
from .controls import Choice, Panel, Slider, _same
from .primitives import PALETTE, STYLES, _COMPONENTS, _Primitive
from .render import _CSS, _JS, _NOTE, _ST, _b64, _js_json, _path_d

MAX_HTML_BYTES = 300_000   # static version of one widget, html text included
MAX_FRAMES = 5000          # parameter combinations of one widget

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

_CATCH = (ValueError, ArithmeticError)


class Explorer:
    """What :func:`explore` returns: displays itself (live widget and static HTML).

    For tests and authors:

    * ``controls``: name -> the ipywidgets control (setting ``.value`` updates the figure);
    * ``data(panel, label)``: the ``(x, y)`` arrays currently drawn (for ``Bars``: categories and
      heights; for ``VLine``: ``(x, None)``; for ``HLine``: ``(None, y)``);
    * ``text``: the readout currently shown ("" while an error is shown); ``error``: "" or the
      message shown;
    * ``values``: the current parameters; ``set(**values)`` moves controls by name;
    * ``html``: the static fragment; ``figure_html``: the live figure; ``limits(panel)``.
    """

    def __init__(self, compute: Callable[..., dict], controls: Mapping[str, Slider | Choice], *,
                 panels: Mapping[str, Panel] | None = None, title: str = "", alt: str = ""):
        if not callable(compute):
            raise ValueError(f"explore: compute must be a function, got {compute!r}")
        if not isinstance(controls, Mapping) or not controls:
            raise ValueError("explore: controls must be a non-empty dict name -> Slider(...) or Choice(...)")
        for name, c in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"explore: control names must be compute's argument names, got {name!r}")
            if not isinstance(c, (Slider, Choice)):
                raise ValueError(f"explore: control {name!r} must be a Slider or Choice, got {c!r}")
        if panels is not None and (not isinstance(panels, Mapping)
                                   or not all(isinstance(p, Panel) for p in panels.values())):
            raise ValueError("explore: panels must be a dict name -> Panel(...)")
        self.compute = compute
        self._specs = dict(controls)
        self.title, self.alt = str(title), str(alt)
        self._names = list(self._specs)
        sizes = [len(c.values) for c in self._specs.values()]
        self.n_frames = math.prod(sizes)
        if self.n_frames > MAX_FRAMES:
            raise ValueError(
                f"explore: {' x '.join(map(str, sizes))} = {self.n_frames} combinations of control values "
                f"is more than {MAX_FRAMES}; use a coarser step or fewer options"
            )
        self._strides = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
        self._index = {n: c.index for n, c in self._specs.items()}
        self._widgets = None
        self._precompute(panels)
        self.html = self._static_html()
        # current state (live)
        self._ds = list(self._initial_ds)
        self._frame = None
        self.text = ""
        self.error = ""
        self._update()

    # -- precompute every frame ----------------------------------------------------------------
    def _params_of(self, frame: int) -> dict:
        return {n: self._specs[n].values[(frame // s) % len(self._specs[n].values)]
                for n, s in zip(self._names, self._strides)}

    def _describe(self, params: dict) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in params.items())

    def _call(self, params: dict):
        with np.errstate(all="ignore"):
            return self.compute(**params)

    def _normalise(self, out, params) -> tuple[dict, str]:
        if not isinstance(out, Mapping):
            raise ValueError(f"explore: compute must return a dict panel name -> list of primitives (plus an "
                            f"optional 'text'), got {type(out).__name__} for {self._describe(params)}")
        text = out.get("text", "")
        if not isinstance(text, str):
            raise ValueError(f"explore: compute's 'text' must be a string, got {type(text).__name__}")
        panels = {}
        for key, prims in out.items():
            if key == "text":
                continue
            if isinstance(prims, _Primitive):
                prims = [prims]
            if not isinstance(prims, (list, tuple)) or not all(isinstance(p, _Primitive) for p in prims):
                raise ValueError(f"explore: compute's {key!r} must be a list of Line/Points/Bars/VLine/HLine, "
                                f"got {prims!r}")
            panels[key] = list(prims)
        return panels, text

    @staticmethod
    def _signature(panels: dict) -> tuple:
        return tuple((key, tuple((p.kind, p.label, p.color, p.style, getattr(p, "categories", None))
                                 for p in prims)) for key, prims in panels.items())

    def _check_structure(self, panels: dict, params: dict):
        sig = self._signature(panels)
        if sig != self._sig:
            want = {k: [f"{kind} {lab!r}" for kind, lab, *_ in v] for k, v in self._sig}
            got = {k: [f"{kind} {lab!r}" for kind, lab, *_ in v] for k, v in sig}
            raise ValueError(
                f"explore: for {self._describe(params)} compute returned {got}, but for other values {want} "
                "(same kinds, labels, colours, styles and bar categories are needed for every value). "
                "Keep the structure fixed and hide what is not needed with NaN data."
            )

    def _precompute(self, panels_arg):
        frames: list[Any] = [None] * self.n_frames
        errors: dict[int, str] = {}
        initial = sum(self._index[n] * s for n, s in zip(self._names, self._strides))
        order = [initial] + [f for f in range(self.n_frames) if f != initial]
        self._sig = None
        for f in order:
            params = self._params_of(f)
            try:
                out = self._call(params)
            except _CATCH as exc:
                errors[f] = str(exc) or type(exc).__name__
                continue
            panels, text = self._normalise(out, params)
            if self._sig is None:
                self._sig = self._signature(panels)
                for key, prims in panels.items():
                    labels = [p.label for p in prims if p.label]
                    dup = {lab for lab in labels if labels.count(lab) > 1}
                    if dup:
                        raise ValueError(f"explore: panel {key!r} has two primitives labelled {sorted(dup)}; "
                                         "labels within a panel must differ")
                self._ref = panels
            else:
                self._check_structure(panels, params)
            frames[f] = (panels, text)
        if self._sig is None:
            first = errors[order[0]]
            raise ValueError(f"explore: compute failed for every combination of control values, e.g. "
                             f"{self._describe(self._params_of(order[0]))}: {first}")
        # panels
        keys = [k for k, _ in self._sig]
        if panels_arg is None:
            self.panels = {k: Panel() for k in keys}
        else:
            extra, missing = [k for k in keys if k not in panels_arg], [k for k in panels_arg if k not in keys]
            if extra:
                raise ValueError(f"explore: compute returns panel(s) {extra} that are not in panels= "
                                 f"{list(panels_arg)}; add a Panel(...) for each")
            if missing:
                raise ValueError(f"explore: panels= has {missing} but compute returns only {keys}; "
                                 "remove them or return primitives for them")
            self.panels = dict(panels_arg)
        # slots: one per primitive, in panel order then primitive order; components x/y per slot
        self._slots: list[dict] = []
        n_comp = 0
        for key in self.panels:
            for i, p in enumerate(self._ref[key]):
                comps = list(range(n_comp, n_comp + len(_COMPONENTS[p.kind])))
                n_comp += len(comps)
                color = p.color or PALETTE[i % len(PALETTE)]
                self._slots.append({"panel": key, "i": i, "kind": p.kind, "label": p.label, "color": color,
                                    "style": p.style, "comps": comps, "cats": getattr(p, "categories", None)})
        # distinct arrays per component, frame -> index
        uniq: list[list[np.ndarray]] = [[] for _ in range(n_comp)]
        seen: list[dict] = [{} for _ in range(n_comp)]
        refs = np.zeros((self.n_frames, max(n_comp, 1)), dtype=np.int64)
        for f, fr in enumerate(frames):
            if fr is None:
                continue
            panels, _ = fr
            for s in self._slots:
                prim = panels[s["panel"]][s["i"]]
                for c, comp in zip(s["comps"], _COMPONENTS[s["kind"]]):
                    arr = np.ascontiguousarray(getattr(prim, comp), dtype=np.float64)
                    key = arr.tobytes()
                    j = seen[c].get(key)
                    if j is None:
                        j = seen[c][key] = len(uniq[c])
                        uniq[c].append(arr)
                    refs[f, c] = j
        # axes per panel
        n_pan = len(self.panels)
        width, height = (640.0, 280.0) if n_pan == 1 else (360.0, 270.0)
        self._axes = {}
        for key, panel in self.panels.items():
            slots = [s for s in self._slots if s["panel"] == key]
            self._axes[key] = _Axes(panel, slots, uniq, width, height)
        # quantise every distinct array once; global entry table
        blobs, starts, base = [], [0], []
        for s in self._slots:
            ax = self._axes[s["panel"]]
            for c, comp in zip(s["comps"], _COMPONENTS[s["kind"]]):
                base.append(len(starts) - 1)
                for arr in uniq[c]:
                    q = ax.quantise(arr, comp)
                    blobs.append(q)
                    starts.append(starts[-1] + q.size)
        n_entries = len(starts) - 1
        self._q = np.concatenate(blobs) if blobs else np.zeros(0, "<u2")
        self._starts = np.asarray(starts, dtype="<u4")
        self._fw = 2 if n_entries < 65536 else 4
        self._refs = (refs + np.asarray(base or [0], dtype=np.int64)[None, :]).astype("<u2" if self._fw == 2 else "<u4")
        # texts and errors
        texts = ["" if fr is None else fr[1] for fr in frames]
        tu: dict[str, int] = {}
        self._ti = np.array([tu.setdefault(t, len(tu)) for t in texts], dtype=np.int64)
        self._tu = list(tu)
        self._readout_em = round(1.35 * self._readout_lines(self._tu + ["\u26a0 " + e for e in errors.values()]), 2)
        self._tw = 2 if len(tu) < 65536 else 4
        self._errors = errors
        # path specs (shared by Python and the page script)
        self._pspecs = []
        bar_counts = {k: sum(1 for s in self._slots if s["panel"] == k and s["kind"] == "bars") for k in self.panels}
        bars_seen = {k: 0 for k in self.panels}
        for s in self._slots:
            ax = self._axes[s["panel"]]
            spec: dict[str, Any] = {"k": s["kind"], "c": s["comps"], "x": [ax.ox, ax.sx], "y": [ax.oy, ax.sy]}
            if s["kind"] == "bars":
                spec["bx"], spec["bw"] = ax.bar_geometry(bar_counts[s["panel"]], bars_seen[s["panel"]])
                bars_seen[s["panel"]] += 1
                spec["b0"] = math.floor(ax.baseline() * 10 + 0.5)
            spec["h"], spec["w"] = math.floor(ax.ph * 10 + 0.5), math.floor(ax.pw * 10 + 0.5)
            self._pspecs.append(spec)
        self._template = self._figure_template()
        self._initial = initial
        self._initial_ds = self._frame_ds_from_table(initial) if initial not in errors else [""] * len(self._slots)

    READOUT_CHARS = 44  # characters per line of the readout on a 390 px phone (14 px text)

    @classmethod
    def _readout_lines(cls, texts) -> int:
        """Lines the tallest readout takes on a phone: the readout's fixed height, so that the page
        does not move while a control moves.

        >>> Explorer._readout_lines(["one line", "two\\nlines", "x" * 50])
        2
        """
        def lines(text: str) -> int:
            return sum(max(1, math.ceil(len(line) / cls.READOUT_CHARS)) for line in text.split("\n"))
        return max([1] + [lines(t) for t in texts if t])

    def _frame_ds_from_table(self, f: int) -> list[str]:
        out = []
        for spec in self._pspecs:
            qs = []
            for c in spec["c"]:
                e = int(self._refs[f, c])
                qs.append(self._q[self._starts[e]:self._starts[e + 1]])
            out.append(_path_d(spec, qs))
        return out

    # -- markup --------------------------------------------------------------------------------
    def _legend(self, s: dict) -> str:
        c, k = s["color"], s["kind"]
        if k == "points":
            mark = f'<circle cx="11" cy="7" r="4" fill="{c}"/>'
        elif k == "bars":
            mark = f'<rect x="5" y="1" width="12" height="12" fill="{c}"/>'
        else:
            dash = STYLES[s["style"]]
            mark = (f'<path d="M1 7H21" stroke="{c}" stroke-width="2.5"'
                    + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        return (f'<span class="lx-key" style="{_ST["key"]}"><svg width="22" height="14" style="flex:none" '
                f'aria-hidden="true">{mark}</svg>'
                f"{html.escape(s['label'])}</span>")

    def _data_path(self, s: dict) -> tuple[str, str]:
        c, k = s["color"], s["kind"]
        if k == "points":
            attrs = f'fill="{c}" fill-opacity="0.85" stroke="#fff" stroke-width="8"'
        elif k == "bars":
            attrs = f'fill="{c}"'
        else:  # widths in tenths of a pixel, like the coordinates
            width = "22" if k == "line" else "16"
            dash = STYLES[s["style"]]
            dash = " ".join(str(round(float(v) * 10)) for v in dash.split()) if dash else None
            attrs = (f'fill="none" stroke="{c}" stroke-width="{width}" stroke-linejoin="round" stroke-linecap="round"'
                     + (f' stroke-dasharray="{dash}"' if dash else ""))
        return '<path class="lx-d" ', f" {attrs}/>"

    def _figure_template(self) -> list[str]:
        """Pieces around the ``d="..."`` of every data path: len(slots) + 1 strings."""
        pieces, cur = [], []
        for key, panel in self.panels.items():
            ax = self._axes[key]
            slots = [s for s in self._slots if s["panel"] == key]
            cur.append(f'<div class="lx-panel" style="{_ST["panel"]}">')
            if panel.title:
                cur.append(f'<div class="lx-ptitle" style="{_ST["ptitle"]}">{html.escape(panel.title)}</div>')
            keys = [self._legend(s) for s in slots if s["label"]]
            if keys:
                cur.append(f'<div class="lx-legend" style="{_ST["legend"]}">{"".join(keys)}</div>')
            before, after = ax.frame_svg()
            cur.append(before)
            for s in slots:
                head, tail = self._data_path(s)
                cur.append(head + 'd="')
                pieces.append("".join(cur))
                cur = ['"' + tail]
            cur.append(after + "</div>")
        pieces.append("".join(cur))
        return pieces

    def _alt(self) -> str:
        if self.alt:
            return self.alt
        titles = "; ".join(p.title for p in self.panels.values() if p.title)
        return f"Interactive figure{': ' + self.title if self.title else ''}{' — ' + titles if titles else ''}"

    def _figure(self, ds: list[str], text: str, error: str, note: str = "") -> str:
        body = [note, self._template[0]]
        for d, piece in zip(ds, self._template[1:]):
            body.append(d)
            body.append(piece)
        stale = " lx-stale" if error else ""
        readout = ("\u26a0 " + error) if error else text
        # several panels scroll sideways on a phone (CSS): focusable, so the keyboard can scroll them too
        focus = ' tabindex="0"' if len(self.panels) > 1 else ""
        return (f'<div class="lx-fig{stale}" style="{_ST["fig"]}" role="img"{focus} aria-label="{html.escape(self._alt())}">'
                f'{"".join(body)}</div><div class="lx-readout{" lx-err" if error else ""}" '
                f'style="{_ST["readout"]};height:{self._readout_em}em" '
                f'aria-live="polite">{html.escape(readout)}</div>')

    def _static_controls(self) -> str:
        # data-lm-suppress-shortcuts on each input: in JupyterLab (trusted notebook) the arrow keys
        # then move the control instead of being taken by the notebook's keyboard shortcuts
        out = []
        for name in self._names:
            c = self._specs[name]
            lab = html.escape(c.label or name)
            i = c.index
            if isinstance(c, Slider):
                out.append(f'<label class="lx-ctl" style="{_ST["ctl"]}"><span>{lab}</span><input type="range" min="0" '
                           f'max="{len(c.values) - 1}" step="1" value="{i}" autocomplete="off" data-lm-suppress-shortcuts="true" '
                           f'aria-valuetext="{html.escape(c.labels[i])}"><output aria-hidden="true">'
                           f"{html.escape(c.labels[i])}</output></label>")
            else:
                opts = "".join(f'<option value="{j}"{" selected" if j == i else ""}>{html.escape(t)}</option>'
                               for j, t in enumerate(c.labels))
                out.append(f'<label class="lx-ctl" style="{_ST["ctl"]}"><span>{lab}</span>'
                           f'<select autocomplete="off" data-lm-suppress-shortcuts="true">{opts}</select></label>')
        return f'<div class="lx-controls" style="{_ST["controls"]}">{"".join(out)}</div>'

    def _static_html(self) -> str:
        data = {
            "q": _b64(self._q), "s": _b64(self._starts), "f": _b64(self._refs), "fw": self._fw,
            "nc": int(self._refs.shape[1]), "st": self._strides,
            "v": [c.labels if isinstance(c, Slider) else None for c in self._specs.values()],
            "sl": self._pspecs, "tu": self._tu, "tw": self._tw,
            "ti": _b64(self._ti.astype("<u2" if self._tw == 2 else "<u4")),
            "e": {str(k): v for k, v in sorted(self._errors.items())},
        }
        init_err = self._errors.get(self._initial, "")
        init_text = "" if init_err else self._tu[int(self._ti[self._initial])]
        inner = "".join([
            f"<style>{_CSS}</style>",
            f'<div class="lx-title" style="{_ST["title"]}">{html.escape(self.title)}</div>' if self.title else "",
            self._static_controls(),
            self._figure(self._initial_ds, init_text, init_err, _NOTE),
            "<script>", _JS.replace("%DATA%", _js_json(data)), "</script>",
        ])
        digest = hashlib.sha1(inner.encode("utf-8")).hexdigest()[:12]
        out = f'<div class="lossutils-explorer" data-lx="{digest}" style="{_ST["root"]}">{inner}</div>'
        size = len(out.encode("utf-8"))
        if size > MAX_HTML_BYTES:
            raise ValueError(
                f"explore: the static web version of this widget{' (' + self.title + ')' if self.title else ''} "
                f"is {size / 1000:.0f} KB, over the budget of {MAX_HTML_BYTES / 1000:.0f} KB "
                f"({self.n_frames} frames; plot data {len(data['q']) / 1000:.0f} KB, readouts "
                f"{sum(len(t.encode()) for t in self._tu) / 1000:.0f} KB). Use a coarser step or fewer options "
                "for a control, or fewer points per Line (e.g. 100 instead of 400)."
            )
        return out

    # -- live state ----------------------------------------------------------------------------
    @property
    def values(self) -> dict:
        return {n: self._specs[n].values[i] for n, i in self._index.items()}

    def _update(self):
        params = self.values
        try:
            out = self._call(params)
            panels, text = self._normalise(out, params)
            self._check_structure(panels, params)
        except _CATCH as exc:
            self.error, self.text = str(exc) or type(exc).__name__, ""
        else:
            self._frame, self.text, self.error = panels, text, ""
            ds = []
            for s, spec in zip(self._slots, self._pspecs):
                ax, prim = self._axes[s["panel"]], panels[s["panel"]][s["i"]]
                qs = [ax.quantise(np.asarray(getattr(prim, comp), dtype=np.float64), comp)
                      for comp in _COMPONENTS[s["kind"]]]
                ds.append(_path_d(spec, qs))
            self._ds = ds
        self.figure_html = self._figure(self._ds, self.text, self.error)
        if self._widgets is not None:
            self._widgets["figure"].value = self._live_card()

    def _live_card(self) -> str:
        return f'<div class="lossutils-explorer lx-live" style="{_ST["root"]}">{self.figure_html}</div>'

    def set(self, **values):
        """Move controls by name, e.g. ``ex.set(w=2.0)`` (same as setting ``controls[name].value``)."""
        for name, v in values.items():
            if name not in self._specs:
                raise ValueError(f"unknown control {name!r}; controls are {self._names}")
            i = self._specs[name].index_of(v)
            if self._widgets is not None:
                self._widgets["controls"][name].value = self._specs[name].values[i]
            self._index[name] = i
        self._update()

    def data(self, panel: str, label: str | int):
        """``(x, y)`` of the primitive labelled ``label`` (or at that position) in ``panel``, as drawn now."""
        if panel not in self.panels:
            raise ValueError(f"unknown panel {panel!r}; panels are {list(self.panels)}")
        prims = (self._frame or self._ref)[panel]
        if isinstance(label, int):
            prim = prims[label]
        else:
            found = [p for p in prims if p.label == label]
            if not found:
                raise ValueError(f"panel {panel!r} has no primitive labelled {label!r}; "
                                 f"labels are {[p.label for p in prims]}")
            prim = found[0]
        if prim.kind == "bars":
            return np.array(prim.categories), prim.y
        return prim.x, prim.y

    def limits(self, panel: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """The fixed ``(xlim, ylim)`` of ``panel`` in data units (bars: category index range)."""
        ax = self._axes[panel]
        ylim = (10.0**ax.ylo, 10.0**ax.yhi) if ax.logy else (ax.ylo, ax.yhi)
        return (ax.xlo, ax.xhi), ylim

    # -- live widgets --------------------------------------------------------------------------
    @property
    def controls(self) -> dict:
        """name -> ipywidgets control (built on first use)."""
        return self._build_widgets()["controls"]

    def _build_widgets(self) -> dict:
        if self._widgets is not None:
            return self._widgets
        import ipywidgets as W  # only the live view needs ipywidgets

        ctrls = {}
        for name in self._names:
            c = self._specs[name]
            options = list(zip(c.labels, c.values))
            common = dict(description=c.label or name, style={"description_width": "initial"})
            if isinstance(c, Slider):
                w = W.SelectionSlider(options=options, value=c.values[self._index[name]], continuous_update=True,
                                      layout=W.Layout(width="440px", max_width="100%"), **common)
            else:
                w = W.Dropdown(options=options, value=c.values[self._index[name]],
                               layout=W.Layout(width="max-content", max_width="100%"), **common)
            w.equals = _same
            w.observe(self._on_control(name), names="value")
            ctrls[name] = w
        head = f"<style>{_CSS}</style>" + (f'<div class="lx-live-title">{html.escape(self.title)}</div>'
                                           if self.title else "")
        figure = W.HTML(value=self._live_card())
        box = W.VBox([W.HTML(value=head), *ctrls.values(), figure], layout=W.Layout(max_width="840px"))
        self._widgets = {"controls": ctrls, "figure": figure, "box": box}
        return self._widgets

    def _on_control(self, name: str):
        def handler(change):
            self._index[name] = self._specs[name].index_of(change["new"])
            self._update()
        return handler

    # -- display -------------------------------------------------------------------------------
    def __repr__(self):
        what = self.title or getattr(self.compute, "__name__", "compute")
        return f"<Explorer {what!r}: {len(self._names)} control(s), {self.n_frames} frames>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.html}
        try:
            box = self._build_widgets()["box"]
        except ImportError:
            return bundle
        bundle[WIDGET_VIEW] = {"version_major": 2, "version_minor": 0, "model_id": box.model_id}
        return bundle


def explore(compute: Callable[..., dict], controls: Mapping[str, Slider | Choice], *,
            panels: Mapping[str, Panel] | None = None, title: str = "", alt: str = "") -> Explorer:
    """Build an :class:`Explorer` for ``compute(**{name: value})`` over every control value.

    ``compute`` returns ``{panel: [primitives], "text": readout}``; the kinds and labels of the
    primitives must not change with the parameters. A ``ValueError`` (or arithmetic error) from
    ``compute`` is shown in the readout instead of a traceback. Raises ``ValueError`` if there are
    more than :data:`MAX_FRAMES` combinations or the static version exceeds
    :data:`MAX_HTML_BYTES`.
    """
    return Explorer(compute, controls, panels=panels, title=title, alt=alt)

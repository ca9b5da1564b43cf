"""The site extension's link rule (_ext/lossbook_assets.py): which inline-code mentions in the text
of a page may become links to the API reference.

``lossutils.<name>`` always may; a bare ``<name>`` only when no torch function has that name, since
then the text may mean torch's (``softmax``, ``multi_margin_loss``). That list of torch twins is
kept by hand in the extension (the build does not import torch): here it is checked against torch.
"""

from __future__ import annotations

import doctest
import importlib.util
import inspect
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import lossutils

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lossbook_assets", ROOT / "_ext" / "lossbook_assets.py")
ext = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ext)

FUNCTIONS = sorted(n for n in lossutils.__all__ if inspect.isfunction(getattr(lossutils, n)))


def test_every_function_torch_also_has_is_a_twin():
    shared = {n for n in FUNCTIONS if hasattr(F, n) or hasattr(torch, n)}
    assert shared, "expected lossutils to share names with torch.nn.functional"
    assert shared <= ext.TORCH_TWINS, f"add to TORCH_TWINS in _ext/lossbook_assets.py: {sorted(shared - ext.TORCH_TWINS)}"


def test_twins_are_lossutils_functions():
    assert ext.TORCH_TWINS <= set(FUNCTIONS), f"not lossutils functions: {sorted(ext.TORCH_TWINS - set(FUNCTIONS))}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_link_target_of_each_function(name):
    assert ext.api_name(f"lossutils.{name}") == f"lossutils.{name}"
    assert ext.api_name(f"lossutils.{name}()") == f"lossutils.{name}"
    bare = None if name in ext.TORCH_TWINS else f"lossutils.{name}"
    assert ext.api_name(name) == bare
    assert ext.api_name(f"{name}()") == bare


@pytest.mark.parametrize("text", ["F.mse_loss", "torch.softmax", "huber_loss(delta=δ)", "sigmoid(logits)",
                                  "softmax", "kl_div", "sigmoid_focal_loss", "np.log", "a b"])
def test_code_that_is_not_a_lossutils_name_is_not_a_candidate(text):
    assert ext.api_name(text) is None


def test_doctests_of_the_extension():
    result = doctest.testmod(ext, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_doctests_of_the_highlight_extension():
    spec = importlib.util.spec_from_file_location("lossbook_highlight", ROOT / "_ext" / "lossbook_highlight.py")
    highlight_ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(highlight_ext)
    result = doctest.testmod(highlight_ext, verbose=False)
    assert result.attempted > 0 and result.failed == 0

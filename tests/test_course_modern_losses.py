"""Tests of the chapter helpers of "The losses of modern models" (lossutils/course/modern_losses.py):
the widget computes respond to their controls, the data helpers have the promised shapes, and every
self-check accepts the solution and rejects a wrong answer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import T

from lossutils import sigmoid_focal_loss, softmax
from lossutils.course import check
from lossutils.course import modern_losses as demo

rng = np.random.default_rng(17)

def test_widget_computes_respond_to_their_controls():
    teacher, student, labels = demo.teacher_student_logits(8)
    view = demo.distillation_view(teacher, student, labels)
    cold, hot = view(T=1.0), view(T=10.0)
    assert cold["probs"][0].heights.max() > hot["probs"][0].heights.max()  # T softens the teacher
    without_t2, with_t2 = cold["grad"][0].y, cold["grad"][1].y
    assert without_t2[-1] < without_t2[0] / 100 and with_t2[-1] > with_t2[0] / 2  # 1/T² vs flat

    ref_logp, rewards = demo.preference_setting()
    dpo_view = demo.dpo_beta_view(lambda r, w, b: softmax(r + w / b), ref_logp, rewards)
    kl = dpo_view()["kl"][0].y
    assert np.all(np.diff(kl) <= 1e-12) and kl[-1] < kl[0] / 100  # larger beta: closer to the reference
    assert "implicit reward margin E − F = 4.000 (true 4.0)" in dpo_view(log10_beta=0.5)["text"]

    alpha_bar = np.concatenate([[1.0], np.cumprod(1 - demo.linear_betas())])
    x0 = demo.toy_signal()
    diff_view = demo.diffusion_view(x0, alpha_bar, np.ones_like(x0))
    np.testing.assert_array_equal(diff_view(t=0)["signal"][1].y, x0)
    assert abs(diff_view(t=1000)["signal"][1].y - 1.0).max() < 0.01  # pure noise at the end

    seg_view = demo.segmentation_view()
    rare = dict(zip(seg_view(p_bg=0.05, fraction=0.001)["share"][0].categories,
                    seg_view(p_bg=0.05, fraction=0.001)["share"][0].heights))
    assert rare["Dice"] > 10 * rare["BCE"]


def test_per_pixel_grad_matches_torch():
    z = rng.normal(scale=3.0, size=(4, 5))
    y = (rng.uniform(size=(4, 5)) < 0.3).astype(float)
    zt, yt = T(z, grad=True), torch.tensor(y)
    p = torch.sigmoid(zt)
    p_t = p * yt + (1 - p) * (1 - yt)
    ((0.25 * yt + 0.75 * (1 - yt)) * (1 - p_t) ** 2
     * F.binary_cross_entropy_with_logits(zt, yt, reduction="none")).sum().backward()
    np.testing.assert_allclose(demo.per_pixel_grad(sigmoid_focal_loss, z, y), zt.grad.numpy(), rtol=1e-6, atol=1e-10)


def test_corpus_batch_and_mask():
    sentences = demo.toy_corpus(20)
    inputs, targets = demo.next_token_batch(sentences)
    assert inputs.shape == targets.shape == (20, max(len(s) for s in sentences) - 1)
    assert np.sum(targets != -100) == sum(len(s) - 1 for s in sentences)
    assert demo.count_model_logits(sentences, context=True).shape == (12, 12)
    assert 0.009 < demo.rare_mask().mean() < 0.011


@pytest.mark.parametrize("label,good,bad", [
    ("modern-losses-ex1", 2**1.75, 2 ** (7 / 6)),
    ("modern-losses-ex3", 16, 4),
    ("modern-losses-ex4", 260, 500),
    ("modern-losses-ex5", 0.25 + math.log(2), 0.25),
    ("modern-losses-ex6", 1 - 5 / 301, 0.06),
])
def test_self_checks(label, good, bad):
    assert check(label, good).passed
    assert not check(label, bad).passed
    assert not check(label, None).passed


def test_self_check_of_the_dpo_implementation():
    def stable(pc, pr, rc, rr, beta):
        return np.mean(np.logaddexp(0.0, -beta * ((pc - rc) - (pr - rr))))

    def naive(pc, pr, rc, rr, beta):
        with np.errstate(over="ignore", divide="ignore"):
            return np.mean(-np.log(1 / (1 + np.exp(-beta * ((pc - rc) - (pr - rr))))))

    assert check("modern-losses-ex2", stable).passed
    assert not check("modern-losses-ex2", naive).passed  # huge margins: inf

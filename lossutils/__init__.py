"""lossutils: the loss functions of machine learning in plain numpy.

torch-style names and signatures (``pred, target``, keyword-only hyperparameters, ``reduction``
last), gradients beside the losses, clear ``ValueError`` messages. Tested against torch.

>>> from lossutils import mse_loss
>>> float(mse_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
0.375
"""

from .regression import (
    mse_loss, mse_loss_grad, l1_loss, l1_loss_grad, huber_loss, huber_loss_grad,
    smooth_l1_loss, smooth_l1_loss_grad, log_cosh_loss, log_cosh_loss_grad, quantile_loss,
    quantile_loss_grad, gaussian_nll_loss, poisson_nll_loss,
)
from .classification import (
    softmax, log_softmax, sigmoid, cross_entropy, cross_entropy_grad, nll_loss,
    binary_cross_entropy, binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_grad, sigmoid_focal_loss, kl_div,
)
from .margin import (
    hinge_loss, hinge_loss_grad, squared_hinge_loss, multi_margin_loss, margin_ranking_loss,
)
from .contrastive import contrastive_loss, triplet_margin_loss, info_nce_loss, nt_xent_loss
from . import modern
from .modern import *  # noqa: F403  (perplexity, distillation, preference, VAE and Dice losses)

__version__ = "0.1.0"

__all__ = [
    "mse_loss", "mse_loss_grad", "l1_loss", "l1_loss_grad", "huber_loss", "huber_loss_grad",
    "smooth_l1_loss", "smooth_l1_loss_grad", "log_cosh_loss", "log_cosh_loss_grad",
    "quantile_loss", "quantile_loss_grad", "gaussian_nll_loss", "poisson_nll_loss",
    "softmax", "log_softmax", "sigmoid", "cross_entropy", "cross_entropy_grad", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad", "sigmoid_focal_loss", "kl_div",
    "hinge_loss", "hinge_loss_grad", "squared_hinge_loss", "multi_margin_loss",
    "margin_ranking_loss",
    "contrastive_loss", "triplet_margin_loss", "info_nce_loss", "nt_xent_loss",
] + modern.__all__

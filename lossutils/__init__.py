"""lossutils: the loss functions of machine learning in plain numpy.

torch-style names and signatures (``pred, target``, keyword-only hyperparameters, ``reduction``
last), gradients beside the losses, clear ``ValueError`` messages. Tested against torch.

>>> from lossutils import mse_loss
>>> float(mse_loss([2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0]))
0.375
"""

from . import classification, contrastive, margin, regression
from .classification import *  # noqa: F403  (each family module lists its names in __all__)
from .contrastive import *  # noqa: F403
from .margin import *  # noqa: F403
from .regression import *  # noqa: F403

__version__ = "0.1.0"

__all__ = regression.__all__ + classification.__all__ + margin.__all__ + contrastive.__all__

"""Exercise registration of the chapters (interim: delegates to lossutils.checks; issue 16 replaces it)."""

from lossutils.checks import check

__all__ = ["check"]

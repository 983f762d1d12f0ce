"""Stage 4: disclosure control — what may be published from counts.

This first version rounds counts and suppresses small cells (primary suppression). Secondary
suppression (so that a suppressed cell cannot be recovered by subtraction) is still to come
(issue "Privacy and own data"); until then the rounded totals are what limits recovery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SUPPRESSED = "."


@dataclass(frozen=True)
class Policy:
    """How counts are published: rounded to ``rounding_base``; cells below ``threshold`` suppressed."""

    rounding_base: int = 10
    threshold: int = 10

    def round(self, values: object) -> np.ndarray:
        """Round half up to the base (CBS style: 5 -> 10, 14 -> 10, 15 -> 20)."""
        v = np.asarray(values, dtype="float64")
        return np.floor((v + self.rounding_base / 2) / self.rounding_base) * self.rounding_base

    def suppressed(self, values: object) -> np.ndarray:
        """True where a count is too small to publish."""
        return np.asarray(values, dtype="float64") < self.threshold


PUBLIC = Policy()

__all__ = ["PUBLIC", "SUPPRESSED", "Policy"]

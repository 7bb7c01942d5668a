"""What every part of the personas stage shares: warnings, seeds, persona order, the basis columns."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from segmentation.persona_ids import persona_sort_key

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"
# what a profile holds per construct, HR feature or category; empty when suppressed
PROFILE_TABLES = (
    "construct_means",
    "construct_d",
    "construct_p",
    "hr_means",
    "hr_d",
    "hr_p",
    "demographics",
    "adopter_mix",
)


def warn(warnings: list[str], message: str) -> None:
    """Log a warning and keep it for the summary."""
    logger.warning(message)
    warnings.append(message)


def child_seed(seed: int, *keys: int) -> int:
    """A child seed for one step, independent of the order steps run in."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1)[0])


def ordered_persona_ids(values: pd.Series) -> list[str]:
    """The persona ids present, in canonical order (P2 before P10)."""
    return sorted(values.unique(), key=persona_sort_key)


def basis_columns(segmentation_basis: pd.DataFrame) -> list[str]:
    """The basis columns of a segmentation basis (every column but ``pid``)."""
    return [c for c in segmentation_basis.columns if c != "pid"]

"""Survey waves: names and dates."""

from __future__ import annotations

import pandas as pd


def wave_date(wave: str, override: str | None = None) -> pd.Timestamp:
    """The date at which a wave's ages and tenure are computed.

    ``override`` (the ``wave_date`` parameter) wins; otherwise a wave named
    ``YYYY-MM`` is dated the first day of that month.
    """
    if override:
        return pd.Timestamp(str(override))
    try:
        return pd.Timestamp(f"{str(wave)[:7]}-01")
    except ValueError as exc:
        raise ValueError(f"wave '{wave}' is not named YYYY-MM; set the wave_date parameter") from exc

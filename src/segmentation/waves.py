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


def wave_end(wave: str, override: str | None = None) -> pd.Timestamp:
    """The last day of a wave: ``override`` (the ``waves.adoption.wave_end`` parameter)
    when set, otherwise the last day of the wave's month (a wave named ``YYYY-MM``)."""
    if override:
        return pd.Timestamp(str(override)).normalize()
    return (wave_date(wave) + pd.offsets.MonthEnd(0)).normalize()


def wave_sort_key(wave: str) -> tuple:
    """Waves in time order: by their date when named ``YYYY-MM``, other names after, by name."""
    try:
        return (0, wave_date(wave), str(wave))
    except ValueError:
        return (1, pd.Timestamp.min, str(wave))

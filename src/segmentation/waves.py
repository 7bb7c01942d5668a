"""Survey waves: names and dates."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from segmentation.errors import ParameterError

WAVE_NAME_EXPECTED = (
    "a wave named YYYY-MM, optionally followed by a dash and letters or digits (2026-09, 2026-09-pilot); "
    "the rule is wave_name_pattern in conf/base/globals.yml."
)


def _shown(value: Any) -> str:
    """The value as the user typed it, with anything unprintable escaped and long text cut."""
    text = str(value)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= 80 else text[:77] + "..."


def check_wave_name(parameter: str, value: Any, pattern: str) -> str:
    """``value`` when it is a wave name (``pattern``); otherwise a ParameterError saying what is wrong.

    A wave name becomes a folder under ``data/``: it is checked before any
    path is built from it.
    """
    source = f"--params {parameter}={'' if value is None else _shown(value)}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParameterError(
            source, f"the {parameter} is empty.", WAVE_NAME_EXPECTED + f" Or leave {parameter} out."
        )
    if not isinstance(value, str):
        raise ParameterError(
            source,
            f"the {parameter} was read as the {'number' if isinstance(value, (int, float)) else type(value).__name__} "
            f"{value!r}, not as a name "
            "(digits joined by '_' are read as one number: 2026_09 is 202609).",
            WAVE_NAME_EXPECTED,
        )
    if not re.fullmatch(pattern, value):
        holds_path = re.search(r"[/\\]|\.\.", value) is not None
        why = (
            "; it holds a path ('/', '\\' or '..'), and a wave never leaves data/"
            if holds_path
            else ""
        )
        raise ParameterError(
            source, f"'{_shown(value)}' is not a wave name{why}.", WAVE_NAME_EXPECTED
        )
    return value


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
        raise ValueError(
            f"wave '{wave}' is not named YYYY-MM; set the wave_date parameter"
        ) from exc


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

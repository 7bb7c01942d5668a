"""Reporting: the run summary that the HR analyst reads first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segmentation import __version__


def summarise_run(
    wave: str,
    seed: int,
    ingestion_summary: Mapping[str, Any],
    persona_summary: Mapping[str, Any],
    campaign_summary: Mapping[str, Any],
    waves_summary: Mapping[str, Any],
) -> dict[str, Any]:
    """One JSON document that says what the run used, rejected and found.

    Node and dataset timings go to `run_timings.json` (RunTimingHook), not here.
    """
    return {
        "wave": str(wave),
        "seed": int(seed),
        "segmentation_version": __version__,
        "ingestion": dict(ingestion_summary),
        "personas": dict(persona_summary),
        "campaign": dict(campaign_summary),
        "waves": dict(waves_summary),
    }

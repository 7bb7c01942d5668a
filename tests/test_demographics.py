"""Age bands are stored by the labels of the first language configured, not by English ones."""

from __future__ import annotations

import pandas as pd

from segmentation.demographics import age_bands, band_translation, stored_band_language

GERMAN_FIRST = {
    "breaks": [30, 50],
    "labels": {"de": ["unter 30", "30-49", "50 und älter"], "fr": ["moins de 30", "30-49", "50+"]},
}


def test_bands_are_stored_in_the_first_configured_language_and_translated_from_it():
    ages = pd.Series([29.0, 30.0, 49.9, 50.0, float("nan")])
    assert stored_band_language(GERMAN_FIRST) == "de"
    stored = age_bands(ages, GERMAN_FIRST)
    assert stored.astype(object).where(stored.notna(), None).tolist() == [
        "unter 30",
        "30-49",
        "30-49",
        "50 und älter",
        None,
    ]
    assert list(age_bands(ages, GERMAN_FIRST, "fr").cat.categories) == [
        "moins de 30",
        "30-49",
        "50+",
    ]
    assert band_translation(GERMAN_FIRST, "fr") == {
        "unter 30": "moins de 30",
        "30-49": "30-49",
        "50 und älter": "50+",
    }
    # a language without band labels (English here) shows the stored ones
    assert band_translation(GERMAN_FIRST, "en") == {
        "unter 30": "unter 30",
        "30-49": "30-49",
        "50 und älter": "50 und älter",
    }

"""HR features at the wave's date and the segmentation basis personas are formed from."""

from __future__ import annotations

import logging

import pandas as pd

from segmentation.demographics import age_bands
from segmentation.parsing import is_in
from segmentation.roles import CHANNELS, resolve, survey_roles
from segmentation.tables import EMPLOYEE_COLUMNS
from segmentation.waves import wave_date as wave_date_of

logger = logging.getLogger(__name__)


def derive_hr_features(
    employees: pd.DataFrame,
    wave: str,
    wave_date: str | None,
    hr_params: dict,
    linked_demographics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Age, age band and tenure at the wave's date, beside the HR fields that profile personas.

    Age is the wave's year minus the birth year; tenure is whole days since
    hire divided by 365.25, never negative. Extra roster columns declared as
    HR covariates pass through for typing and the persona model. With an
    anonymous survey, ``linked_demographics`` adds the ``linked_<field>``
    columns (the demographics the survey asked, in the roster's terms) to
    every employee and a row per respondent, who has no other HR field.
    """
    features = _roster_hr_features(employees, wave, wave_date, hr_params)
    if linked_demographics is None or len(linked_demographics.columns) <= 1:
        return features
    linked = linked_demographics.astype(object)
    staff = features.merge(linked, on="pid", how="left")
    respondents = linked[~is_in(linked["pid"], features["pid"])]
    return pd.concat([staff, respondents], ignore_index=True)


def _roster_hr_features(
    employees: pd.DataFrame, wave: str, wave_date: str | None, hr_params: dict
) -> pd.DataFrame:
    """The HR features of every employee on the roster."""
    at = wave_date_of(wave, wave_date)
    bands = hr_params["age_bands"]
    age = at.year - pd.to_numeric(employees["birth_year"], errors="coerce").astype(float)
    band = age_bands(age, bands)
    hire = pd.to_datetime(employees["hire_date"], errors="coerce")
    tenure = ((at - hire).dt.days / 365.25).clip(lower=0.0)
    return pd.DataFrame(
        {
            "pid": employees["pid"].to_numpy(),
            "age": age.to_numpy(dtype=float),
            "age_band": band.astype(object).where(band.notna(), None).to_numpy(),
            "tenure_years": tenure.to_numpy(dtype=float),
            "work_pattern": employees["work_pattern"].to_numpy(),
            "job_level": employees["job_level"].to_numpy(),
            "department": employees["department"].to_numpy(),
            "site": employees["site"].to_numpy(),
            # the roster's declared HR covariates (roster.hr_covariates), as they are
            **{c: employees[c].to_numpy() for c in employees.columns if c not in EMPLOYEE_COLUMNS},
        }
    ).astype({"age_band": "str"})


# --------------------------------------------------------------------------- segmentation


def survey_basis(basis: list[str], questionnaire: dict, columns: list[str]) -> list[str]:
    """The basis this survey can form personas from.

    A basis name may be a role (``innovativeness``: the survey's construct
    with that role). When it names constructs the survey did not ask, the
    personas are formed from every construct the survey asked except its
    channel preferences (how to reach people profiles the personas, it does
    not form them), plus the basis's HR features; a warning says so.
    """
    roles = survey_roles(questionnaire)
    constructs = [c for c in questionnaire["constructs"] if c in columns]
    resolved = [resolve(roles, name, constructs) or name for name in basis]
    lacking = [name for name, c in zip(basis, resolved, strict=True) if c not in columns]
    if not lacking:
        return list(dict.fromkeys(resolved))
    hr = [c for c in resolved if c in columns and c not in constructs]
    fallback = [c for c in constructs if c not in roles[CHANNELS]] + hr
    logger.warning(
        "personas.basis names %s, which this survey does not ask; the personas are formed from %s instead",
        lacking,
        fallback,
    )
    return fallback


def build_segmentation_basis(
    construct_scores: pd.DataFrame, hr_features: pd.DataFrame, basis: list[str], questionnaire: dict
) -> pd.DataFrame:
    """One row per respondent, one column per basis construct or numeric HR feature."""
    frame = construct_scores.merge(hr_features, on="pid", how="left", suffixes=("", "_hr"))
    basis = survey_basis(basis, questionnaire, list(frame.columns))
    if not basis:
        raise ValueError(
            "no construct to form personas from: the questionnaire has no scored construct"
        )
    return frame[["pid", *basis]].astype(dict.fromkeys(basis, float))

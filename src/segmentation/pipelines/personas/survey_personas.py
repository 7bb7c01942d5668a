"""The persona model: its input, its fit on all respondents, and every respondent's persona."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.persona_ids import persona_ids
from segmentation.text_keys import is_unique, positions_of

from .common import basis_columns, child_seed
from .model import (
    PersonaModel,
    covariate_columns,
    make_persona_model,
    predict_in_chunks,
)


def persona_model_input(
    segmentation_basis: pd.DataFrame, hr_features: pd.DataFrame, model_params: dict
) -> pd.DataFrame:
    """The persona model's input: the basis columns, then the HR covariates, one row per respondent."""
    covariates = covariate_columns(model_params)
    both = [c for c in covariates if c in segmentation_basis.columns]
    if both:
        raise ValueError(
            f"{both} are both in personas.basis and in personas.model.covariates; a field either "
            f"forms the personas (basis) or shifts how common they are (covariates), not both"
        )
    unknown = [c for c in covariates if c not in hr_features.columns]
    if unknown:
        raise ValueError(f"personas.model.covariates names unknown HR fields {unknown}")
    frame = segmentation_basis[basis_columns(segmentation_basis)]
    if not covariates:
        return frame
    return pd.concat(
        [
            frame.reset_index(drop=True),
            _covariates_of(segmentation_basis["pid"], hr_features, covariates),
        ],
        axis=1,
    )


def _covariates_of(pids: pd.Series, hr_features: pd.DataFrame, covariates: list) -> pd.DataFrame:
    """The covariates of each pid's (first) row of ``hr_features``, missing where it has none.

    Rows taken by position from one Arrow hash look-up when every pid has a row; a
    reindex on a million text pids (a pandas hash table of Python strings) took 1.5 s.
    """
    hr = hr_features if is_unique(hr_features["pid"]) else hr_features.drop_duplicates("pid")
    at = positions_of(hr["pid"], pids)
    if len(at) and (at >= 0).all():
        return hr[covariates].iloc[at].reset_index(drop=True)
    joined = hr.set_index("pid")[covariates].reindex(pids.to_numpy())
    return joined.reset_index(drop=True)


def fit_persona_model(
    segmentation_basis: pd.DataFrame,
    hr_features: pd.DataFrame,
    persona_count_selection: dict,
    model_params: dict,
    seed: int,
) -> PersonaModel:
    """Fit the persona model with the chosen number of personas on all respondents."""
    model = make_persona_model(
        persona_count_selection["chosen_k"], model_params, child_seed(seed, 3)
    )
    return model.fit(persona_model_input(segmentation_basis, hr_features, model_params))


def assign_survey_personas(
    persona_model: PersonaModel,
    segmentation_basis: pd.DataFrame,
    hr_features: pd.DataFrame,
    model_params: dict,
    persona_alignment: dict | None = None,
) -> pd.DataFrame:
    """Every respondent's persona and confidence (the model's posterior probability).

    Persona ids are P1..Pk by cluster, or the ids the wave's ``persona_alignment``
    gives each cluster (stable across waves, see ``identities.py``).
    """
    best, confidence = predict_in_chunks(
        persona_model,
        persona_model_input(segmentation_basis, hr_features, model_params),
        model_params["predict_chunk_rows"],
    )
    ids = np.array(
        persona_ids(persona_model.n_clusters_)
        if persona_alignment is None
        else [
            p["persona_id"]
            for p in sorted(persona_alignment["personas"], key=lambda p: p["cluster"])
        ],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "pid": segmentation_basis["pid"].to_numpy(),
            "persona_id": ids[best],
            "confidence": confidence,
        }
    )

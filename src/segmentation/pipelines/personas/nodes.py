"""Nodes of the personas stage: pure functions, data in and data out.

From scored survey items and the HR roster to personas: construct scores and
their reliability (``scores``), HR features at the wave's date and the
segmentation basis (``features``), the choice of the number of personas
(``selection``), the persona model and every respondent's persona
(``survey_personas``), profiles (``profiles``), names (``naming``), the typing
of non-respondents (``typing_model``), the golden questions (``golden``) and
the summary (``summary``). This module gathers the functions ``pipeline.py``
wires, so the pipeline and callers have one place to import them from.
"""

from __future__ import annotations

from segmentation.persona_ids import persona_ids

from .common import ordered_persona_ids
from .features import build_segmentation_basis, derive_hr_features, survey_basis
from .golden import select_golden_questions
from .naming import name_personas, naming_for_survey
from .profiles import adopter_categories, profile_personas, respondents_at_work
from .scores import cronbach_alpha, score_constructs
from .selection import check_answers_vary, check_enough_respondents, select_persona_count
from .summary import summarise_personas
from .survey_personas import assign_survey_personas, fit_persona_model, persona_model_input
from .typing_model import assign_personas, train_typing_model

__all__ = [
    "adopter_categories",
    "assign_personas",
    "assign_survey_personas",
    "build_segmentation_basis",
    "check_answers_vary",
    "check_enough_respondents",
    "cronbach_alpha",
    "derive_hr_features",
    "fit_persona_model",
    "name_personas",
    "naming_for_survey",
    "ordered_persona_ids",
    "persona_ids",
    "persona_model_input",
    "respondents_at_work",
    "profile_personas",
    "score_constructs",
    "select_golden_questions",
    "select_persona_count",
    "summarise_personas",
    "survey_basis",
    "train_typing_model",
]

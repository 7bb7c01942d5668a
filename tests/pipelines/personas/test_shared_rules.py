"""The personas stage reads the project's shared rules and keys: change the key, the output follows.

Who counts as active (``globals.active_statuses``), the output languages
(``globals.languages``), small-group hiding (``segmentation.anonymity``) and
the identity rules across waves (``segmentation.refit``,
``personas.alignment``, in parameters_personas.yml).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import yaml

from segmentation.anonymity import suppress_series
from segmentation.pipelines.personas import create_pipeline
from segmentation.pipelines.personas.nodes import (
    assign_personas,
    derive_hr_features,
    name_personas,
    persona_ids,
    score_constructs,
    train_typing_model,
)
from tests.conftest import PROJECT_ROOT, load_parameters

from .conftest import persona_statistics


def _globals() -> dict:
    with open(PROJECT_ROOT / "conf" / "base" / "globals.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _marked(node, language: str):
    """Every text of ``node`` marked with ``[language]``."""
    if isinstance(node, dict):
        return {k: _marked(v, language) for k, v in node.items()}
    return f"[{language}] {node}" if isinstance(node, str) else node


def _with_language(node, language: str):
    """Every English text of the naming settings also in ``language`` (marked, so it shows)."""
    if isinstance(node, dict):
        out = {k: _with_language(v, language) for k, v in node.items()}
        if "en" in node:
            out[language] = _marked(node["en"], language)
        return out
    if isinstance(node, list):
        return [_with_language(v, language) for v in node]
    return node


def _survey(item_scores, truth):
    ids = np.array(persona_ids(int(truth.max()) + 1), dtype=object)
    return pd.DataFrame({"pid": item_scores["pid"], "persona_id": ids[truth], "confidence": 0.9})


def _statistics(parameters, planted, hr=None, anonymity=None):
    employees, item_scores, truth = planted
    scores, _ = score_constructs(
        item_scores, parameters["questionnaire"], parameters["personas"]["scoring"]
    )
    if hr is None:
        hr = derive_hr_features(employees, "2026-09", None, parameters["personas"]["hr_features"])
    return persona_statistics(parameters, scores, hr, truth, anonymity)[0]


# --------------------------------------------------------------------------- active employees


def test_the_typing_statuses_are_the_shared_active_statuses():
    personas = load_parameters("personas")["personas"]
    assert personas["typing"]["statuses"] == _globals()["active_statuses"]


def test_who_is_typed_follows_the_active_statuses(parameters, planted):
    employees, item_scores, truth = planted
    employees = employees.copy()
    on_leave = ["p00600", "p00601", "p00602"]  # non-respondents
    employees.loc[employees["pid"].isin(on_leave), "employment_status"] = "leave"
    hr = derive_hr_features(employees, "2026-09", None, parameters["personas"]["hr_features"])
    survey = _survey(item_scores, truth)
    profiles = {p: {"name": p, "name_he": p} for p in persona_ids(4)}
    typing = parameters["personas"]["typing"]
    model, _ = train_typing_model(survey, hr, typing, 0)

    def typed(statuses):
        out = assign_personas(
            employees,
            survey,
            hr,
            model,
            profiles,
            {**typing, "statuses": statuses},
            parameters["personas"]["naming"],
        )
        return set(out.loc[out["assignment_source"] == "inferred", "pid"])

    assert not typed(["active"]) & set(on_leave) and len(typed(["active"])) == 147
    assert set(on_leave) <= typed(["active", "leave"]) and len(typed(["active", "leave"])) == 150


# --------------------------------------------------------------------------- languages


def test_the_naming_languages_are_the_shared_languages():
    personas = load_parameters("personas")["personas"]
    assert personas["naming"]["languages"] == _globals()["languages"]


def test_names_and_descriptions_follow_the_language_list(parameters, planted):
    employees, item_scores, truth = planted
    statistics = _statistics(parameters, planted)
    hr_params = copy.deepcopy(parameters["personas"]["hr_features"])
    naming = _with_language(parameters["personas"]["naming"], "de")
    naming["languages"] = ["en", "he", "de"]
    naming["templates"]["de"] = naming["templates"]["en"]
    three = name_personas(statistics, naming, hr_params, parameters["questionnaire"])
    usual = name_personas(
        statistics, parameters["personas"]["naming"], hr_params, parameters["questionnaire"]
    )
    for p, profile in three.items():
        # the German words, in the English template
        assert profile["name_de"].startswith("[de] ")
        assert profile["name_de"].replace("[de] ", "") == profile["name"]
        assert profile["description_de"].startswith(f"[de] {profile['name_de']} ")
        assert {k: profile[k] for k in usual[p]} == usual[p]  # the other languages unchanged
    english = {**naming, "languages": ["en"]}
    one = name_personas(statistics, english, hr_params, parameters["questionnaire"])
    assert all(
        "name_he" not in v and "description_he" not in v and "name_de" not in v
        for v in one.values()
    )
    # the assignments carry a name column per language, in the list's order
    hr = derive_hr_features(employees, "2026-09", None, hr_params)
    survey = _survey(item_scores, truth)
    typing = parameters["personas"]["typing"]
    model, _ = train_typing_model(survey, hr, typing, 0)
    out = assign_personas(employees, survey, hr, model, three, typing, naming)
    assert list(out.columns) == [
        "pid",
        "persona_id",
        "persona_name",
        "persona_name_he",
        "persona_name_de",
        "assignment_source",
        "confidence",
    ]
    assert (out["persona_name_de"].str.replace("[de] ", "") == out["persona_name"]).all()
    out = assign_personas(employees, survey, hr, model, one, typing, english)
    assert [c for c in out.columns if c.startswith("persona_name")] == ["persona_name"]


# --------------------------------------------------------------------------- small groups


def test_mixes_hide_cells_by_the_shared_rule_and_follow_the_threshold(parameters, planted):
    """Legal (1) and Audit (2) together hold 3 people: the shared rule hides a third cell at 5, not at 3."""
    employees, item_scores, truth = planted
    hr = derive_hr_features(employees, "2026-09", None, parameters["personas"]["hr_features"])
    first = item_scores["pid"][truth == 0]
    hr.loc[hr["pid"].isin(first.iloc[:1]), "department"] = "Legal"
    hr.loc[hr["pid"].isin(first.iloc[1:3]), "department"] = "Audit"
    for min_group, hidden in ((5, 3), (3, 2)):
        statistics = _statistics(parameters, planted, hr, {"min_group_size": min_group})
        mix = statistics["P1"]["demographics"]["department"]
        counts = (
            hr.set_index("pid").loc[first, "department"].value_counts().sort_values(kind="stable")
        )
        shown = counts[~suppress_series(counts, min_group)]
        assert mix["suppressed_cells"] == hidden
        assert {k: v["count"] for k, v in mix["cells"].items()} == shown.to_dict()
        assert "Legal" not in mix["cells"] and "Audit" not in mix["cells"]


# --------------------------------------------------------------------------- identities


def test_the_identity_rules_live_with_the_personas_stage():
    personas_file = load_parameters("personas")
    assert personas_file["segmentation"]["refit"] is True
    assert personas_file["personas"]["alignment"]["max_distance"] == 0.5
    waves_file = load_parameters("waves")
    assert "segmentation" not in waves_file and "alignment" not in waves_file["waves"]
    align = next(n for n in create_pipeline().nodes if n.name == "align_personas")
    assert {"params:segmentation", "params:personas.alignment"} <= set(align.inputs)


def test_profiles_describe_the_respondents_at_work_as_the_report_does():
    from segmentation.pipelines.personas.nodes import respondents_at_work

    survey = pd.DataFrame({"pid": ["a", "b", "c", "d"], "persona_id": ["P1", "P1", "P2", "P2"]})
    employees = pd.DataFrame(
        {
            "pid": ["a", "b", "d", "e"],
            "employment_status": ["active", "leave", "terminated", "active"],
        }
    )
    # on leave and gone are left out; "c" is in no roster (an anonymous answer) and counts
    kept = respondents_at_work(survey, employees, {"active_statuses": ["active"]})
    assert kept["pid"].tolist() == ["a", "c"]
    kept = respondents_at_work(survey, employees, {"active_statuses": ["active", "leave"]})
    assert kept["pid"].tolist() == ["a", "b", "c"]

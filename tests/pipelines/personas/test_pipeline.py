"""The personas pipeline end to end, through Kedro's runner and the project's catalog."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog
from sklearn.metrics import adjusted_rand_score

from segmentation.datasets import model_signing_key
from segmentation.pipelines.personas import create_pipeline
from segmentation.pipelines.personas.nodes import persona_model_input
from tests.conftest import catalog_config_under

from .conftest import four_planted_personas, quick_parameters, run_personas

INTERFACE = [
    "construct_scores",
    "persona_assignments",
    "persona_profiles",
    "persona_model",
    "typing_model",
    "golden_questions",
    "persona_summary",
]


# One run of the pipeline serves the module's tests (each only reads it); the tests that
# run it again compare with it.
@pytest.fixture(scope="module")
def parameters(base_parameters) -> dict:
    return quick_parameters(base_parameters)


@pytest.fixture(scope="module")
def planted(parameters):
    return four_planted_personas(parameters)


@pytest.fixture(scope="module")
def outputs(parameters, planted):
    employees, item_scores, _ = planted
    return run_personas(employees.copy(), item_scores.copy(), copy.deepcopy(parameters))


def test_pipeline_is_wired_with_named_nodes_and_the_interface_outputs():
    pipeline = create_pipeline(stable_identities=False)
    assert all(node.name and node.name == node.func.__name__ for node in pipeline.nodes)
    assert set(INTERFACE) <= pipeline.all_outputs()
    assert {"employees", "item_scores", "linked_demographics"} <= pipeline.inputs()


def test_pipeline_is_discovered_by_the_project():
    from kedro.framework.project import configure_project, find_pipelines

    configure_project("segmentation")
    assert "personas" in find_pipelines(raise_errors=False)


def test_end_to_end_outputs(outputs, planted, parameters):
    employees, item_scores, truth = planted
    survey = outputs["persona_assignments"].query("assignment_source == 'survey'").set_index("pid")
    assert adjusted_rand_score(truth, survey.loc[item_scores["pid"], "persona_id"]) > 0.95
    assignments = outputs["persona_assignments"]
    assert len(assignments) == len(employees) and assignments["pid"].is_unique
    assert set(assignments["assignment_source"]) == {"survey", "inferred"}
    scores = outputs["construct_scores"]
    assert (
        list(scores.columns[:3]) == ["pid", "social_media_use", "mobile_use"] and len(scores) == 600
    )

    summary = outputs["persona_summary"]
    json.dumps(summary, allow_nan=False)  # plain JSON: no NaN, no numpy types
    json.dumps(outputs["persona_profiles"], allow_nan=False)
    json.dumps(outputs["golden_questions"], allow_nan=False)
    for key in [
        "k_table",
        "chosen_k",
        "k_rule",
        "structure_free_reference",
        "alphas",
        "typing_accuracy",
        "typing_baseline",
        "warnings",
        "innovators_vs_conservatives",
    ]:
        assert key in summary, key
    assert summary["chosen_k"] == 4
    assert [p["persona_id"] for p in summary["personas"]] == ["P1", "P2", "P3", "P4"]
    assert summary["typing_accuracy"] > summary["typing_baseline"]
    assert summary["assignments"]["survey"] == 600
    assert summary["assignments"]["inferred"] + summary["assignments"]["unassigned"] == 150

    golden = outputs["golden_questions"]
    assert 5 <= golden["n_items"] == len(golden["items"]) <= 8
    assert golden["accuracy"] > 0.9 and golden["accuracy"] > golden["baseline"]
    assert set(golden["typical_answers"]) == {"P1", "P2", "P3", "P4"}

    model = outputs["persona_model"]
    basis = outputs["segmentation_basis"]
    frame = persona_model_input(basis, outputs["hr_features"], parameters["personas"]["model"])
    assert list(model.predict(frame)) == [
        int(p[1:]) - 1 for p in survey.loc[basis["pid"], "persona_id"]
    ]


def test_same_inputs_and_seed_give_identical_results(parameters, planted, outputs):
    employees, item_scores, _ = planted
    again = run_personas(employees, item_scores, parameters)
    pd.testing.assert_frame_equal(outputs["persona_assignments"], again["persona_assignments"])
    assert outputs["persona_profiles"] == again["persona_profiles"]
    assert outputs["persona_summary"] == again["persona_summary"]
    assert outputs["golden_questions"] == again["golden_questions"]


def test_another_seed_or_row_order_keeps_every_persons_persona_and_name(
    parameters, planted, outputs
):
    """Other restarts and bootstraps, rows shuffled: the clusterer numbers clusters
    differently inside, yet people keep persona id and name."""
    employees, item_scores, _ = planted
    shuffled = item_scores.sample(frac=1.0, random_state=5).reset_index(drop=True)
    other = run_personas(employees, shuffled, {**parameters, "seed": 12345})
    key = ["pid", "persona_id", "persona_name", "persona_name_he"]
    first = (
        outputs["persona_assignments"]
        .query("assignment_source == 'survey'")[key]
        .sort_values("pid")
    )
    second = (
        other["persona_assignments"].query("assignment_source == 'survey'")[key].sort_values("pid")
    )
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True))


def test_outputs_round_trip_through_the_project_catalog(outputs, parameters, tmp_path):
    """Every catalog entry of this stage saves and loads its output (parquet, JSON, pickle)."""
    config = catalog_config_under(tmp_path, "2026-09", "catalog_personas.yml")
    names = list(config)

    def project_catalog() -> DataCatalog:
        catalog = DataCatalog.from_config(config)
        # saved models are signed; the project's hook gives them the key in a real run
        for name in names:
            dataset = catalog.get(name)
            if hasattr(dataset, "use_signing_key"):
                dataset.use_signing_key(model_signing_key("test key"))
        return catalog

    assert set(INTERFACE) <= set(names)
    read_only = create_pipeline(stable_identities=False).inputs()
    written = [
        name for name in names if name not in read_only
    ]  # read_only: the last run's selection
    saving = project_catalog()
    for name in written:
        saving.save(name, outputs[name])
    catalog = project_catalog()  # read back from the files (a table kept in memory is not)
    for name in written:
        loaded = catalog.load(name)
        if isinstance(loaded, pd.DataFrame):
            pd.testing.assert_frame_equal(loaded, outputs[name], check_dtype=False)
        elif isinstance(loaded, dict):
            assert loaded == outputs[name]
    # the next run of the wave reads this run's selection back
    assert catalog.load("earlier_persona_count_selection") == outputs["persona_count_selection"]
    model = catalog.load("persona_model")
    frame = persona_model_input(
        outputs["segmentation_basis"], outputs["hr_features"], parameters["personas"]["model"]
    )
    assert np.array_equal(model.predict_proba(frame), outputs["persona_model"].predict_proba(frame))

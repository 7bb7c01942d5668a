"""Reusing the last run's k table: only when data and parameters are the same, only numbers, re-validated."""

from __future__ import annotations

import copy
import json

import pytest
from kedro.io import DatasetError

from segmentation.pipelines.personas import selection
from segmentation.pipelines.personas.datasets import EarlierJSONDataset

from .conftest import four_planted_personas, quick_parameters
from .test_selection_and_model import _basis


@pytest.fixture(scope="module")
def measured(base_parameters):
    """A 4-persona basis with a quick k range, and its freshly measured selection.

    Measured once for the module: every test starts from the same first run.
    When the k table is reused or measured again is the subject, not how
    precisely it is measured: two bootstraps and restarts per k.
    """
    parameters = quick_parameters(base_parameters)
    parameters["personas"]["k_selection"].update(
        {"k_max": 5, "n_init": 2, "n_bootstrap": 2, "bootstrap_n_init": 1}
    )
    employees, item_scores, _ = four_planted_personas(parameters)
    basis = _basis(parameters, employees, item_scores)
    fresh = _select(parameters, basis, {})
    return parameters, basis, fresh


@pytest.fixture()
def small(measured):
    """The module's first run, each test with its own copies to change."""
    parameters, basis, fresh = measured
    return copy.deepcopy(parameters), basis.copy(), copy.deepcopy(fresh)


def _select(parameters, basis, earlier, **k_overrides):
    k_params = {**parameters["personas"]["k_selection"], **k_overrides}
    return selection.select_persona_count(
        basis, k_params, parameters["personas"]["model"], parameters["anonymity"], 0, earlier
    )


def _counting(monkeypatch) -> list:
    """Count how often every k is measured."""
    calls = []
    measure = selection._measure_all

    def counted(*args, **kwargs):
        calls.append(1)
        return measure(*args, **kwargs)

    monkeypatch.setattr(selection, "_measure_all", counted)
    return calls


def test_same_data_and_parameters_reuse_the_k_table_with_the_same_result(small, monkeypatch):
    parameters, basis, fresh = small
    calls = _counting(monkeypatch)
    stored = json.loads(json.dumps(fresh))  # as the JSON file gives it back
    again = _select(parameters, basis, stored)
    assert calls == [] and again == fresh
    assert fresh["chosen_k"] == 4 and len(fresh["selection_key"]) == 64


@pytest.mark.parametrize(
    "change",
    [
        "a parameter",
        "an answer",
        "the seed",
        "a stored number out of range",
        "a stored size under the threshold",
        "a stored text for a number",
        "a k missing",
        "another key",
    ],
)
def test_anything_else_measures_every_k_again(small, monkeypatch, change):
    parameters, basis, fresh = small
    earlier = copy.deepcopy(fresh)
    k_overrides, seed = {}, 0
    if change == "a parameter":
        k_overrides = {"min_persona_share": 0.02, "n_init": 3}
    elif change == "an answer":
        basis = basis.copy()
        basis.iloc[0, 1] += 0.5
    elif change == "the seed":
        seed = 1
    elif change == "a stored number out of range":
        earlier["k_table"][1]["reproducibility"] = 7.0
    elif change == "a stored size under the threshold":
        earlier["k_table"][0]["smallest_persona_size"] = 1
    elif change == "a stored text for a number":
        earlier["k_table"][0]["silhouette"] = "0.9"
    elif change == "a k missing":
        earlier["k_table"] = earlier["k_table"][1:]
    else:
        earlier["selection_key"] = "0" * 64
    calls = _counting(monkeypatch)
    k_params = {**parameters["personas"]["k_selection"], **k_overrides}
    result = selection.select_persona_count(
        basis, k_params, parameters["personas"]["model"], parameters["anonymity"], seed, earlier
    )
    assert calls == [1]
    if change.startswith("a stored") or change in ("a k missing", "another key"):
        assert result == fresh  # measured again, the same as the first time


def test_the_rule_is_recomputed_from_the_stored_numbers(small, monkeypatch):
    """Only measurements are taken from the file: a stored verdict or chosen k is ignored."""
    parameters, basis, fresh = small
    earlier = copy.deepcopy(fresh)
    for row in earlier["k_table"]:
        row["eligible"] = True
    earlier["chosen_k"] = 5
    earlier["k_rule_outcome"] = "planted"
    calls = _counting(monkeypatch)
    assert _select(parameters, basis, earlier) == fresh and calls == []


def test_the_earlier_selection_is_read_as_plain_json_or_not_at_all(tmp_path):
    path = tmp_path / "persona_count_selection.json"
    dataset = EarlierJSONDataset(filepath=str(path), max_bytes=100)
    assert dataset.load() == {}  # no earlier run
    path.write_text('{"chosen_k": 4}', encoding="utf-8")
    assert dataset.load() == {"chosen_k": 4}
    for content in ("not json", "[1, 2]", '{"x": "' + "a" * 200 + '"}', "\udcff"):
        path.write_text(content, encoding="utf-8", errors="surrogateescape")
        assert dataset.load() == {}, content
    with pytest.raises(DatasetError):
        dataset.save({"chosen_k": 4})


def test_the_pipeline_reads_the_last_run_of_the_wave():
    import yaml

    from tests.conftest import PROJECT_ROOT

    catalog = yaml.safe_load(
        (PROJECT_ROOT / "conf" / "base" / "catalog_personas.yml").read_text(encoding="utf-8")
    )
    earlier = catalog["earlier_persona_count_selection"]
    assert earlier["filepath"] == catalog["persona_count_selection"]["filepath"]
    assert earlier["type"].endswith("EarlierJSONDataset")

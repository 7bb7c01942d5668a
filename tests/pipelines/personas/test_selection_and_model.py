"""Choosing the number of personas, and the persona model itself."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation.pipelines.personas.model import (
    PersonaClusterer,
    canonical_order,
    canonical_relabel,
    make_persona_model,
)
from segmentation.pipelines.personas.nodes import (
    build_segmentation_basis,
    derive_hr_features,
    fit_persona_model,
    persona_model_input,
    score_constructs,
    select_persona_count,
)
from segmentation.pipelines.personas.stability import adjusted_rand

from .conftest import planted_survey


def _hr(parameters, employees):
    return derive_hr_features(employees, "2026-09", None, parameters["personas"]["hr_features"])


def _basis(parameters, employees, item_scores):
    scores, _ = score_constructs(
        item_scores, parameters["questionnaire"], parameters["personas"]["scoring"]
    )
    return build_segmentation_basis(
        scores,
        _hr(parameters, employees),
        parameters["personas"]["basis"],
        parameters["questionnaire"],
    )


# For tests whose subject is the rule's bookkeeping (a pinned k, a fallback, the basis's
# columns), not how precisely the k table is measured: fewer bootstraps and restarts per k.
QUICK_TABLE = {"n_init": 2, "n_bootstrap": 2, "bootstrap_n_init": 1}


def _select(parameters, basis, **k_overrides):
    k_params = {**parameters["personas"]["k_selection"], **k_overrides}
    return select_persona_count(
        basis, k_params, parameters["personas"]["model"], parameters["anonymity"], 0
    )


@pytest.mark.parametrize("k", [3, 5])
def test_rule_finds_the_planted_number_of_personas(parameters, k):
    employees, item_scores, _ = planted_survey(
        parameters["questionnaire"], parameters["personas"]["basis"], n=600, k=k, seed=k
    )
    selection = _select(parameters, _basis(parameters, employees, item_scores))
    assert selection["chosen_k"] == k
    assert selection["k_rule_outcome"] == "rule"
    assert [row["k"] for row in selection["k_table"]] == list(range(3, 7))
    chosen = next(r for r in selection["k_table"] if r["k"] == k)
    assert chosen["eligible"] and chosen["reproducibility"] >= 0.8
    # every larger k fails the rule, which is why k is the largest eligible one
    assert not any(r["eligible"] for r in selection["k_table"] if r["k"] > k)
    assert selection["structure_free_reference"]["clearly_better_than_reference"] is True
    assert not any("STRUCTURE WARNING" in w for w in selection["warnings"])


def test_pure_noise_gets_the_structure_free_warning(parameters):
    rng = np.random.default_rng(3)
    basis = pd.DataFrame(
        rng.integers(1, 6, size=(600, 11)).astype(float), columns=parameters["personas"]["basis"]
    )
    basis.insert(0, "pid", [f"p{i}" for i in range(600)])
    selection = _select(parameters, basis)
    reference = selection["structure_free_reference"]
    assert reference["clearly_better_than_reference"] is False
    assert any("STRUCTURE WARNING" in w for w in selection["warnings"])
    assert reference["silhouette_gain"] < 0.05


def test_pinned_k_is_used_and_the_table_still_reported(parameters, planted):
    employees, item_scores, _ = planted
    basis = _basis(parameters, employees, item_scores)
    selection = _select(parameters, basis, pinned_k=7, **QUICK_TABLE)
    assert selection["chosen_k"] == 7
    assert selection["k_rule_outcome"] == "pinned in parameters"
    assert [row["k"] for row in selection["k_table"]] == [3, 4, 5, 6, 7]
    hr = _hr(parameters, employees)
    model = fit_persona_model(basis, hr, selection, parameters["personas"]["model"], 0)
    assert model.n_clusters_ == 7


def test_fallbacks_are_announced(parameters, planted):
    employees, item_scores, _ = planted
    basis = _basis(parameters, employees, item_scores)
    # unreachable and too small whatever the table's precision: reproducibility is at most 1,
    # and 3 or more personas cannot each hold 60% of the respondents
    unreachable = _select(parameters, basis, min_reproducibility=1.01, **QUICK_TABLE)
    assert unreachable["k_rule_outcome"].startswith("fallback: most reproducible")
    assert any("no k meets" in w for w in unreachable["warnings"])
    too_small = _select(parameters, basis, min_persona_share=0.6, **QUICK_TABLE)
    assert too_small["chosen_k"] == 3 and too_small["k_rule_outcome"] == "fallback: smallest k"
    assert all(not r["meets_size"] for r in too_small["k_table"])


def test_k_table_never_shows_a_group_under_the_anonymity_threshold(parameters, planted):
    employees, item_scores, _ = planted
    basis = _basis(parameters, employees, item_scores)
    k_params = {**parameters["personas"]["k_selection"], "k_min": 3, "k_max": 3}
    selection = select_persona_count(
        basis, k_params, parameters["personas"]["model"], {"min_group_size": 200}, 0
    )  # 600 respondents in 3 personas: the smallest holds fewer than 200
    row = selection["k_table"][0]
    assert row["smallest_persona_size"] is None and row["smallest_persona_share"] is None
    assert row["meets_size"] is False


def test_fast_adjusted_rand_matches_scikit_learn():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 2000)
    b = np.where(rng.random(2000) < 0.6, a, rng.integers(0, 5, 2000))
    assert adjusted_rand(a, b, 5) == pytest.approx(adjusted_rand_score(a, b))
    assert adjusted_rand(a, (a + 2) % 5, 5) == pytest.approx(1.0)


def _blobs(seed=0, n=400):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]], dtype=float)
    sizes = np.array([160, 110, 80, 50])
    labels = np.repeat(np.arange(4), sizes)
    return centres[labels] + rng.normal(0, 1, (len(labels), 3)), labels


def test_canonical_numbering_ignores_how_clusters_were_numbered():
    X, labels = _blobs()
    canonical = canonical_relabel(labels, X)
    for perm in ([3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]):
        assert np.array_equal(canonical_relabel(np.array(perm)[labels], X), canonical)
    # largest persona first
    assert np.array_equal(np.bincount(canonical), [160, 110, 80, 50])
    # ties in size are broken by the centroid, not by the incoming number
    tied = np.array([0, 0, 1, 1])
    assert np.array_equal(canonical_order(tied, np.array([[5.0], [1.0]])), [1, 0])
    assert np.array_equal(canonical_order(1 - tied, np.array([[1.0], [5.0]])), [0, 1])


def test_clusterer_labels_and_confidence():
    X, truth = _blobs(seed=1)
    a = PersonaClusterer(n_clusters=4, n_init=3, random_state=1).fit(X)
    b = PersonaClusterer(n_clusters=4, n_init=3, random_state=99).fit(X)
    assert np.array_equal(a.predict(X), b.predict(X))  # different restarts, same canonical numbers
    assert adjusted_rand_score(truth, a.predict(X)) > 0.95
    proba = a.predict_proba(X)
    assert proba.shape == (len(X), 4)
    assert np.allclose(proba.sum(axis=1), 1.0) and proba.min() >= 0 and proba.max() <= 1
    assert np.array_equal(proba.argmax(axis=1), a.predict(X))
    midpoint = a.cluster_centers_[:2].mean(axis=0, keepdims=True)
    assert a.predict_proba(a.cluster_centers_[:1]).max() > 0.99
    # halfway between two personas, the odds are their sizes' odds
    weights = a.weights_[:2] / a.weights_[:2].sum()
    assert weights[0] > 0.55  # the blobs differ in size
    assert a.predict_proba(midpoint)[0, :2] == pytest.approx(weights, abs=0.01)
    spherical = PersonaClusterer(
        n_clusters=4, n_init=3, covariance_type="spherical", random_state=1
    ).fit(X)
    assert adjusted_rand_score(truth, spherical.predict(X)) > 0.95
    plain_midpoint = spherical.cluster_centers_[:2].mean(axis=0, keepdims=True)
    assert spherical.predict_proba(plain_midpoint)[0, :2] == pytest.approx([0.5, 0.5], abs=0.01)
    # the restart sample path (more rows than restart_sample_size) finds the same personas
    sampled = PersonaClusterer(n_clusters=4, n_init=3, restart_sample_size=100, random_state=1).fit(
        X
    )
    assert np.array_equal(sampled.predict(X), a.predict(X))
    restored = pickle.loads(pickle.dumps(a))
    assert np.array_equal(restored.predict_proba(X), proba)


def test_one_line_of_config_puts_age_into_the_basis(parameters, planted):
    employees, item_scores, _ = planted
    with_age = {
        **parameters,
        "personas": {**parameters["personas"], "basis": [*parameters["personas"]["basis"], "age"]},
    }
    basis = _basis(with_age, employees, item_scores)
    assert basis.columns[-1] == "age" and basis["age"].between(20, 70).all()
    selection = _select(with_age, basis, pinned_k=4, **QUICK_TABLE)
    hr = _hr(parameters, employees)
    model = fit_persona_model(basis, hr, selection, parameters["personas"]["model"], 0)
    assert list(model.feature_names_in_) == [*parameters["personas"]["basis"], "age"]
    # imputed and scaled before clustering: age in years does not swamp the 1-5 constructs
    scaled = model.answers_[:-1].transform(basis.drop(columns="pid"))
    assert scaled.std(axis=0) == pytest.approx(np.ones(12), abs=0.01)


def test_tied_covariance_weighs_a_noisy_construct_for_what_it_is_worth():
    # two personas apart on two constructs, the second measured with twice the
    # noise (a one-item construct beside a three-item one): k-means weighs both
    # alike, the shared-covariance mixture leans on the reliable one
    rng = np.random.default_rng(3)
    truth = np.repeat([0, 1], [600, 400])
    X = np.array([[0.0, 0.0], [3.0, 3.0]])[truth] + rng.normal(0, 1, (len(truth), 2)) * [1.0, 2.0]
    tied = PersonaClusterer(n_clusters=2, n_init=5, random_state=0).fit(X)
    spherical = PersonaClusterer(
        n_clusters=2, n_init=5, covariance_type="spherical", random_state=0
    ).fit(X)
    assert adjusted_rand_score(truth, tied.predict(X)) > 0.8
    assert adjusted_rand_score(truth, spherical.predict(X)) < 0.7
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        PersonaClusterer(n_clusters=2, covariance_type="full").fit(X)


def _overlapping_personas(seed=0, n=1500):
    """Two personas whose answers overlap; a department that says which one a person is in 85% of cases."""
    rng = np.random.default_rng(seed)
    truth = (rng.random(n) < 0.5).astype(int)
    answers = pd.DataFrame(
        np.array([[0.0, 0.0, 0.0], [1.2, 1.2, 1.2]])[truth] + rng.normal(0, 1, (n, 3)),
        columns=["c1", "c2", "c3"],
    )
    department = np.where(rng.random(n) < 0.85, truth, 1 - truth)
    hr = pd.DataFrame(
        {
            "department": np.array(["Sales", "R&D"], dtype=object)[department],
            "tenure_years": rng.uniform(0, 20, n),
        }
    )
    return answers, hr, truth


def test_hr_covariates_settle_the_answers_between_two_personas(parameters):
    answers, hr, truth = _overlapping_personas()
    base = {**parameters["personas"]["model"], "n_init": 5}
    with_hr = {
        **base,
        "covariates": {
            **base["covariates"],
            "categorical": ["department"],
            "numeric": ["tenure_years"],
        },
    }
    plain = make_persona_model(2, {**base, "covariates": None}, 0).fit(answers)
    informed = make_persona_model(2, with_hr, 0).fit(pd.concat([answers, hr], axis=1))
    # the personas themselves are formed by the answers alone, with or without HR fields
    np.testing.assert_array_equal(
        plain.answers_[-1].cluster_centers_, informed.answers_[-1].cluster_centers_
    )
    assert list(informed.feature_names_in_) == ["c1", "c2", "c3"]
    plain_ari = adjusted_rand_score(truth, plain.predict(answers))
    informed_ari = adjusted_rand_score(truth, informed.predict(pd.concat([answers, hr], axis=1)))
    assert plain_ari < 0.6 and informed_ari > plain_ari + 0.15
    # the prior follows the department: a Sales person's prior leans to the Sales persona
    prior = np.exp(informed.log_prior(hr))
    sales_persona = np.bincount(
        informed.predict(pd.concat([answers, hr], axis=1))[hr["department"] == "Sales"]
    ).argmax()
    assert prior[hr["department"].to_numpy() == "Sales", sales_persona].mean() > 0.7
    with pytest.raises(ValueError, match=r"HR covariates \['department', 'tenure_years'\]"):
        informed.predict(answers)
    # a field cannot both form the personas and shift their shares
    basis = answers.assign(pid=np.arange(len(answers)), tenure_years=hr["tenure_years"])
    with pytest.raises(
        ValueError,
        match=r"\['tenure_years'\] are both in personas.basis and in personas.model.covariates",
    ):
        persona_model_input(basis, hr.assign(pid=np.arange(len(hr))), with_hr)
    restored = pickle.loads(pickle.dumps(informed))
    frame = pd.concat([answers, hr], axis=1)
    assert np.array_equal(restored.predict_proba(frame), informed.predict_proba(frame))

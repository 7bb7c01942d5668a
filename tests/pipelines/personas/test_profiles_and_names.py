"""Persona profiles (statistics, anonymity, adopters) and their names."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segmentation.pipelines.personas.model import canonical_relabel
from segmentation.pipelines.personas.naming import name_all
from segmentation.pipelines.personas.nodes import (
    adopter_categories,
    derive_hr_features,
    name_personas,
    naming_for_survey,
    persona_ids,
    score_constructs,
)
from segmentation.pipelines.personas.profiles import UNKNOWN, _coded, _mix, _suppressed_counts

from .conftest import persona_statistics


def _profile_inputs(parameters, planted):
    employees, item_scores, truth = planted
    scores, _ = score_constructs(
        item_scores, parameters["questionnaire"], parameters["personas"]["scoring"]
    )
    hr = derive_hr_features(employees, "2026-09", None, parameters["personas"]["hr_features"])
    return scores, hr, truth


def _named(parameters, scores, hr, labels, anonymity=None):
    statistics, overview = persona_statistics(parameters, scores, hr, labels, anonymity)
    named = name_personas(
        statistics,
        parameters["personas"]["naming"],
        parameters["personas"]["hr_features"],
        parameters["questionnaire"],
    )
    return named, overview


def test_names_do_not_depend_on_cluster_numbering(parameters, planted):
    """Permute the clusterer's numbers: after canonical relabelling every person keeps their name."""
    scores, hr, truth = _profile_inputs(parameters, planted)
    basis = scores[parameters["personas"]["basis"]].to_numpy()
    names_per_person = []
    for perm in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        labels = canonical_relabel(np.array(perm)[truth], basis)
        named, _ = _named(parameters, scores, hr, labels)
        ids = np.array(persona_ids(4), dtype=object)[labels]
        names_per_person.append([(named[p]["name"], named[p]["name_he"]) for p in ids])
    assert names_per_person[0] == names_per_person[1] == names_per_person[2]


def test_names_are_unique_bilingual_and_built_from_traits(parameters, planted):
    scores, hr, truth = _profile_inputs(parameters, planted)
    named, _ = _named(
        parameters,
        scores,
        hr,
        canonical_relabel(truth, scores[parameters["personas"]["basis"]].to_numpy()),
    )
    english = [p["name"] for p in named.values()]
    hebrew = [p["name_he"] for p in named.values()]
    assert len(set(english)) == len(english) == 4 and len(set(hebrew)) == 4
    assert all(any("\u0590" <= ch <= "\u05ff" for ch in name) for name in hebrew)
    naming = parameters["personas"]["naming"]
    words = {w["en"] for c in naming["trait_words"].values() for w in c.values()}
    for profile in named.values():
        strongest = profile["top_traits"][0]
        assert profile["name"].split()[0] in words  # starts with a trait word
        assert profile["description"].startswith(profile["name"])
        assert f"{round(100 * profile['share'])}%" in profile["description"]
        label = naming["labels"][strongest["construct"]]["en"]
        assert label in profile["description"]
        assert profile["description_he"].startswith(profile["name_he"])
    # a name is a function of the profile, not of its position among the personas
    profiles = list(named.values())
    forward = {
        p["persona_id"]: n for p, n in zip(profiles, name_all(profiles, naming), strict=True)
    }
    backward = {
        p["persona_id"]: n
        for p, n in zip(profiles[::-1], name_all(profiles[::-1], naming), strict=True)
    }
    assert forward == backward


def test_duplicate_names_are_made_unique_deterministically(parameters):
    naming = parameters["personas"]["naming"]
    twin = {
        "persona_id": "P1",
        "construct_d": {"mobile_use": 1.0, "innovativeness": 0.0},
        "hr_d": {"age": 0.0},
    }
    profiles = [twin, {**twin, "persona_id": "P2"}, {**twin, "persona_id": "P3"}]
    names = name_all(profiles, naming)
    assert len({n["en"] for n in names}) == 3 and len({n["he"] for n in names}) == 3
    assert names[0]["en"] == "Mobile-first Pragmatists"
    assert names == name_all(copy.deepcopy(profiles), naming)


def test_noun_follows_innovativeness_and_age(parameters):
    naming = parameters["personas"]["naming"]
    young_innovators = {
        "persona_id": "P1",
        "construct_d": {"innovativeness": 1.2},
        "hr_d": {"age": -0.8},
    }
    old_laggards = {
        "persona_id": "P2",
        "construct_d": {"innovativeness": -1.2},
        "hr_d": {"age": 0.8},
    }
    names = name_all([young_innovators, old_laggards], naming)
    assert names[0] == {
        "en": naming["nouns"]["high"]["younger"]["en"],
        "he": naming["nouns"]["high"]["younger"]["he"],
    }
    assert names[1]["en"] == naming["nouns"]["low"]["older"]["en"]


def test_cohens_d_and_welch_p_value(parameters, planted):
    scores, hr, truth = _profile_inputs(parameters, planted)
    statistics, _ = persona_statistics(parameters, scores, hr, truth)
    inside = scores.loc[truth == 0, "mobile_use"].dropna()
    outside = scores.loc[truth != 0, "mobile_use"].dropna()
    pooled = np.sqrt(
        ((len(inside) - 1) * inside.var() + (len(outside) - 1) * outside.var())
        / (len(inside) + len(outside) - 2)
    )
    p1 = statistics["P1"]
    assert p1["construct_d"]["mobile_use"] == pytest.approx(
        (inside.mean() - outside.mean()) / pooled
    )
    assert p1["construct_means"]["mobile_use"] == pytest.approx(inside.mean())
    welch = stats.ttest_ind(inside, outside, equal_var=False).pvalue
    assert p1["construct_p"]["channel_email"] == pytest.approx(
        stats.ttest_ind(
            scores.loc[truth == 0, "channel_email"],
            scores.loc[truth != 0, "channel_email"],
            equal_var=False,
        ).pvalue
    )
    assert p1["construct_p"]["mobile_use"] == pytest.approx(welch, rel=1e-6, abs=1e-300)
    traits = p1["top_traits"]
    assert len(traits) == parameters["personas"]["profiles"]["n_top_traits"]
    assert [abs(t["d"]) for t in traits] == sorted((abs(t["d"]) for t in traits), reverse=True)
    # channel items were planted flat: never a trait
    assert not any(t["construct"].startswith("channel_") for t in traits)


def test_small_cells_never_show(parameters, planted):
    scores, hr, truth = _profile_inputs(parameters, planted)
    hr = hr.copy()
    tiny = hr["pid"].isin(scores["pid"][truth == 0].iloc[:3])
    hr.loc[tiny, "department"] = "Legal"  # a 3-person department, all in one persona
    lone = hr["pid"].isin(scores["pid"][truth == 1].iloc[:6])
    hr.loc[lone, "site"] = "Eilat"  # 6 people: shown
    named, _ = _named(parameters, scores, hr, truth)
    min_group = parameters["anonymity"]["min_group_size"]
    for profile in named.values():
        for feature, mix in {**profile["demographics"], "adopters": profile["adopter_mix"]}.items():
            assert "Legal" not in mix["cells"], feature
            assert all(cell["count"] >= min_group for cell in mix["cells"].values())
    assert (
        named["P1"]["demographics"]["department"]["suppressed_cells"] >= 2
    )  # Legal and a partner cell
    assert named["P2"]["demographics"]["site"]["cells"]["Eilat"]["count"] == 6


def test_a_persona_under_the_threshold_shows_nothing(parameters, planted):
    scores, hr, truth = _profile_inputs(parameters, planted)
    labels = truth.copy()
    labels[np.flatnonzero(truth == 3)[4:]] = 0  # persona P4 keeps 4 people
    named, _ = _named(parameters, scores, hr, labels)
    small = named["P4"]
    assert small["suppressed"] is True and small["size"] is None and small["share"] is None
    assert small["construct_means"] == {} and small["demographics"] == {}
    template = parameters["personas"]["naming"]["description"]["en"]["suppressed"]
    assert small["description"] == template.format(name=small["name"])


def test_rogers_adopter_categories_and_headline(parameters):
    adopters = parameters["personas"]["profiles"]["adopters"]
    z = np.array([2.5, 1.5, 0.5, -0.5, -1.5, np.nan])
    base = np.linspace(-1, 1, 1000)
    scores = pd.Series(np.concatenate([base / base.std(ddof=1), z]))
    category, scale = adopter_categories(scores, adopters)
    mean, sd = scale["mean"], scale["sd"]
    expected = [
        "innovators",
        "early_adopters",
        "early_majority",
        "late_majority",
        "laggards",
        "unknown",
    ]
    assert category.iloc[-6:].tolist() == expected
    assert scale["lower_bounds"]["innovators"] == pytest.approx(mean + 2 * sd)


def test_innovators_vs_conservatives_overview(parameters, planted):
    scores, hr, truth = _profile_inputs(parameters, planted)
    _, overview = _named(parameters, scores, hr, truth)
    innov = scores["innovativeness"]
    z = (innov - innov.mean()) / innov.std()
    assert overview["innovators_share"] == pytest.approx((z > 1).mean())
    assert overview["conservatives_share"] == pytest.approx((z <= 0).mean())
    counts = {
        "innovators": (z > 2).sum(),
        "early_adopters": ((z > 1) & (z <= 2)).sum(),
        "early_majority": ((z > 0) & (z <= 1)).sum(),
        "late_majority": ((z >= -1) & (z <= 0)).sum(),
        "laggards": (z < -1).sum(),
    }
    assert sum(counts.values()) == len(z)
    for category, count in counts.items():
        # a category of fewer people than the anonymity threshold shows no share
        expected = None if count < parameters["anonymity"]["min_group_size"] else count / len(z)
        assert overview["shares"][category] == (expected and pytest.approx(expected)), category
    assert None in overview["shares"].values()  # this data has a category under the threshold


def test_the_noun_reads_the_surveys_innovativeness_construct_whatever_its_name(parameters):
    """A survey calling its innovativeness construct `attitude`: the noun and trait words follow the role."""
    naming = parameters["personas"]["naming"]
    questionnaire = {"constructs": {"attitude": ["A1"]}, "roles": {"innovativeness": "attitude"}}
    profile = {
        "persona_id": "P1",
        "construct_d": {"attitude": 1.2},
        "hr_d": {"age": -0.6},
        "suppressed": False,
    }
    named = name_all([profile], naming_for_survey(naming, questionnaire))[0]
    assert named["en"] == naming["nouns"]["high"]["younger"]["en"]
    assert (
        name_all([profile], naming)[0]["en"] == naming["nouns"]["mid"]["younger"]["en"]
    )  # without the role: no level
    assert (
        naming_for_survey(naming, questionnaire)["labels"]["attitude"]
        == naming["labels"]["innovativeness"]
    )


def test_word_order_follows_the_configuration_not_the_strength(parameters):
    naming = parameters["personas"]["naming"]
    base = {"persona_id": "P1", "hr_d": {"age": 0.8}}
    social_stronger = {
        **base,
        "construct_d": {"social_media_use": -1.2, "mobile_use": -0.9, "innovativeness": -1.0},
    }
    desk_stronger = {
        **base,
        "construct_d": {"social_media_use": -0.9, "mobile_use": -1.2, "innovativeness": -1.0},
    }
    first, second = name_all([social_stronger], naming)[0], name_all([desk_stronger], naming)[0]
    assert first == second == {"en": "Low-key Desk Veterans", "he": "ותיקים שקטים שולחניים"}


def test_a_defining_hr_trait_names_the_persona(parameters):
    naming = parameters["personas"]["naming"]
    profile = {
        "persona_id": "P1",
        "hr_d": {"age": 0.0},
        "construct_d": {
            "innovativeness": -1.0,
            "need_company_news": 1.1,
            "need_email_overload": -0.9,
        },
        "demographics": {
            "work_pattern": {
                "cells": {
                    "frontline": {"count": 174, "share": 0.87},
                    "office": {"count": 26, "share": 0.13},
                }
            }
        },
    }
    name = name_all([profile], naming)[0]
    assert name == {"en": "Out-of-the-loop Frontline Traditionalists", "he": "שמרנים מנותקים בשטח"}
    assert len(name["en"].split()) <= 3
    below = {
        **profile,
        "demographics": {"work_pattern": {"cells": {"frontline": {"count": 120, "share": 0.6}}}},
    }
    assert name_all([below], naming)[0]["en"] == "Inbox-calm Out-of-the-loop Traditionalists"


@pytest.mark.parametrize("dtype", ["str", object])
def test_a_mix_counted_as_codes_is_the_mix_of_the_labels(dtype):
    """Same cells, same order (ties in order of first appearance), missing counted as unknown."""
    values = pd.Series(["b", None, "a", "b", UNKNOWN, "a", "c", None, "d"], dtype=dtype)
    labels = values.astype(object).fillna(UNKNOWN)
    for min_group, categories in [(1, None), (2, None), (1, ["a", "b", "z", UNKNOWN])]:
        counts = labels.value_counts()
        if categories is not None:
            counts = counts.reindex(categories, fill_value=0)
        expected = _suppressed_counts(counts, min_group)
        mix = _mix(_coded(values), min_group, categories)
        assert mix == expected
        assert list(mix["cells"]) == list(expected["cells"])
    assert list(_mix(_coded(values), 1)["cells"]) == [UNKNOWN, "b", "a", "c", "d"]

"""The playbook's one rule engine: operators, combinators, tiers and errors."""

from __future__ import annotations

import math

import pytest

from segmentation.pipelines.campaign.rules import (
    RuleError,
    apply_rules,
    check_rule_sets,
    condition_holds,
    fill_text,
)

FIGURES = {"a": 0.5, "b": -1.0, "level": "high", "missing": None, "nan": math.nan}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"a": {"gt": 0.4}}, True),
        ({"a": {"gt": 0.5}}, False),
        ({"a": {"gte": 0.5}}, True),
        ({"a": {"lt": 0.5}}, False),
        ({"a": {"lte": 0.5}}, True),
        ({"a": {"eq": 0.5}}, True),
        ({"a": {"ne": 0.5}}, False),
        ({"a": {"between": [0.0, 1.0]}}, True),
        ({"a": {"between": [0.6, 1.0]}}, False),
        ({"level": {"in": ["high", "mid"]}}, True),
        ({"level": {"not_in": ["high"]}}, False),
        ({"a": {"gte": 0.0, "lte": 1.0}}, True),  # two operators on one figure: both must hold
        ({"a": {"gte": 0.0}, "b": {"gte": 0.0}}, False),  # two figures: all must hold
        ({"any": [{"a": {"gt": 9}}, {"b": {"lt": 0}}]}, True),
        ({"any": [{"a": {"gt": 9}}, {"b": {"gt": 0}}]}, False),
        ({"not": {"a": {"gt": 9}}}, True),
        ({"not": {"a": {"gt": 0}}}, False),
        ({}, True),
        (None, True),
        ({"missing": {"lt": 100}}, False),  # missing figures never satisfy a comparison
        ({"nan": {"gte": -100}}, False),
        ({"nan": {"ne": 1}}, False),
    ],
)
def test_operators(when, expected):
    holds, _ = condition_holds(when, FIGURES)
    assert holds is expected


def test_why_names_the_figures_that_decided():
    holds, why = condition_holds(
        {"a": {"gte": 0.3}, "any": [{"b": {"gt": 0}}, {"b": {"lte": -0.5}}]}, FIGURES
    )
    assert holds
    assert why == ["a = 0.5 ≥ 0.3", "b = -1 ≤ -0.5"]


RULES = {
    "tiers": {
        "match": "first",
        "rules": [
            {
                "id": "t.high",
                "when": {"a": {"gte": 0.3}},
                "recommend": {"en": "high {a:.0%}", "he": "גבוה"},
            },
            {"id": "t.any", "when": {"a": {"gte": 0.0}}, "recommend": {"en": "any", "he": "כל"}},
            {"id": "t.default", "recommend": {"en": "default", "he": "ברירת מחדל"}},
        ],
    },
    "nested": {
        "every": {
            "match": "all",
            "rules": [
                {"id": "e.one", "when": {"b": {"lt": 0}}, "recommend": {"en": "one"}},
                {"id": "e.two", "when": {"b": {"gt": 0}}, "recommend": {"en": "two"}},
                {"id": "e.three", "recommend": {"en": "three", "mechanics": ["x"]}},
            ],
        }
    },
}


def test_first_keeps_the_first_rule_that_fires_and_all_keeps_every_one():
    result = apply_rules(RULES, FIGURES)
    assert [r["rule"] for r in result["tiers"]] == ["t.high"]
    assert result["tiers"][0]["en"] == "high 50%"  # figures fill placeholders
    assert result["tiers"][0]["why"] == "a = 0.5 ≥ 0.3"
    assert [r["rule"] for r in result["nested"]["every"]] == ["e.one", "e.three"]
    assert result["nested"]["every"][1]["why"] == "always"
    assert result["nested"]["every"][1]["mechanics"] == ["x"]


def test_unknown_figure_or_operator_or_match_is_refused_up_front():
    with pytest.raises(RuleError, match="unknown figure 'gamification_apeal_z'"):
        check_rule_sets(
            {"match": "all", "rules": [{"id": "x", "when": {"gamification_apeal_z": {"gte": 0}}}]},
            {"a"},
        )
    with pytest.raises(RuleError, match="unknown operator"):
        check_rule_sets(
            {"match": "all", "rules": [{"id": "x", "when": {"a": {"greater": 0}}}]}, {"a"}
        )
    with pytest.raises(RuleError, match="match must be"):
        check_rule_sets({"match": "some", "rules": []}, {"a"})
    with pytest.raises(RuleError, match="unknown figure"):
        check_rule_sets(
            {"match": "all", "rules": [{"id": "x", "when": {"not": {"zz": {"gt": 0}}}}]}, {"a"}
        )


def test_a_broken_placeholder_leaves_the_text_as_written():
    assert fill_text("Only {a:.0%} of {unknown}", FIGURES) == "Only 50% of {unknown}"
    assert fill_text("Bad {a:.0q}", FIGURES) == "Bad {a:.0q}"
    assert fill_text("{", FIGURES) == "{"

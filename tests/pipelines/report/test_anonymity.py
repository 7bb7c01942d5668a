"""The small-group rules, text scrubbing and the Hebrew chart helper, on small hand-made cases."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.pipelines.report import anonymity as anon
from segmentation.pipelines.report.charts import visual_order
from segmentation.pipelines.report.scrub import guard_shares, hide_small_counts, scrub_text

K = 5


def test_a_small_group_is_hidden_with_the_next_smallest_so_the_total_reveals_nothing():
    sizes = pd.DataFrame({"active": [150, 40, 24, 3], "respondents": [100, 30, 15, 2]}, index=["Ops", "Fin", "HR", "Legal"])
    hidden = anon.hidden_groups(sizes, K)
    assert hidden == ["HR", "Legal"]
    assert (sizes.loc[hidden].sum() >= K).all()


def test_hidden_groups_grow_until_their_sum_passes_the_threshold():
    sizes = pd.DataFrame({"n": [100, 3, 1, 1]}, index=list("abcd"))
    hidden = anon.hidden_groups(sizes, K)
    assert set(hidden) == {"b", "c", "d"} or set(hidden) == {"a", "b", "c", "d"}
    assert sizes.loc[hidden, "n"].sum() >= K
    assert anon.hidden_groups(pd.DataFrame({"n": [10, 20]}, index=["x", "y"]), K) == []
    assert anon.hidden_groups(pd.DataFrame({"n": [3]}, index=["only"]), K) == ["only"]


def test_a_group_with_few_non_respondents_is_hidden_but_none_is_fine():
    sizes = pd.DataFrame({"active": [100, 40, 30], "respondents": [60, 37, 30], "non_respondents": [40, 3, 0]}, index=["a", "b", "c"])
    hidden = anon.hidden_groups(sizes, K, allow_zero=["non_respondents"])
    assert "b" in hidden and len(hidden) >= 2
    assert anon.hidden_groups(sizes.drop(index="b"), K, allow_zero=["non_respondents"]) == []


def test_one_small_cell_takes_a_sibling_with_it():
    mask = anon.suppress_series(pd.Series({"a": 40, "b": 30, "c": 2}), K)
    assert mask.tolist() == [False, True, True]


def test_small_cells_that_add_up_to_a_small_group_take_a_bigger_sibling():
    mask = anon.suppress_series(pd.Series({"a": 40, "b": 30, "c": 2, "d": 1}), K)
    assert mask["c"] and mask["d"] and mask["b"] and not mask["a"]


def test_zero_cells_are_shown_and_need_no_protection():
    mask = anon.suppress_series(pd.Series({"a": 40, "b": 0, "c": 30}), K)
    assert not mask.any()


def test_cross_table_protects_columns_too():
    counts = pd.DataFrame({"yes": [20, 2, 30], "no": [30, 40, 25]}, index=["g1", "g2", "g3"])
    mask = anon.suppress_cells(counts, K)
    # g2/yes is small; its row and its column each need a second hidden cell.
    assert mask.loc["g2", "yes"] and mask.loc["g2", "no"]
    assert mask["yes"].sum() >= 2 and mask["no"].sum() >= 2
    for axis in (0, 1):
        hidden_sums = counts.where(mask, 0).sum(axis=axis)
        hidden_counts = mask.sum(axis=axis)
        assert ((hidden_counts == 0) | ((hidden_counts >= 2) & (hidden_sums >= K))).all()


def test_collapse_ordinal_merges_a_small_category_into_its_neighbour():
    cells = anon.collapse_ordinal(pd.Series({"innovators": 3, "early": 40, "majority": 100, "late": 50, "laggards": 20}), K)
    assert cells[0]["labels"] == ["innovators", "early"] and cells[0]["count"] == 43
    assert all(c["count"] is None or c["count"] == 0 or c["count"] >= K for c in cells)
    assert sum(c["count"] for c in cells) == 213
    assert anon.collapse_ordinal(pd.Series({"a": 2, "b": 1}), K)[0]["count"] is None


def test_safe_mean_needs_enough_answers():
    assert anon.safe_mean(pd.Series([1, 2, 3, 4]), K) is None
    assert anon.safe_mean(pd.Series([1, 2, 3, 4, 5, None]), K) == 3.0


def test_scrub_replaces_emails_phones_and_name_pairs():
    text = scrub_text("Ask Dana Cohen at dana.cohen@corp.example or +972-54-123-4567; Mary-Ann O'Brien too. I prefer e-mail")
    assert "Dana" not in text and "Cohen" not in text and "@" not in text and "4567" not in text and "O'Brien" not in text
    assert "[name]" in text and "[email]" in text and "[phone]" in text
    assert "I prefer e-mail" in text
    assert scrub_text("Keep it simple") == "Keep it simple"


def test_guard_shares_hides_percentages_that_describe_a_small_group():
    text = guard_shares("92% frontline, 2% remote, 100% reached, 0% office", 100, K, "–")
    assert text == "92% frontline, – remote, 100% reached, 0% office"
    assert guard_shares("97% frontline", 100, K, "–") == "– frontline"  # 3 others
    assert guard_shares("30%", None, K, "–") == "–"


def test_small_counts_in_warnings_are_hidden():
    assert hide_small_counts("persona P6 has 3 people, under", K, "fewer than 5 people") == "persona P6 has fewer than 5 people, under"
    assert hide_small_counts("1200 respondents", K, "x") == "1200 respondents"


@pytest.mark.parametrize(
    ("logical", "visual"),
    [("abc", "abc"), ("אבג", "גבא"), ("מתחת ל-30", "30-ל תחתמ"), ("Teams או Slack", "Slack וא Teams"), ("גבוה (3.5)", "(3.5) הובג")],
)
def test_visual_order_for_renderers_without_bidi(logical, visual):
    assert visual_order(logical) == visual

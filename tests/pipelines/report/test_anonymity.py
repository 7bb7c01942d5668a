"""The small-group rules, text scrubbing and the Hebrew chart helper, on small hand-made cases."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation import anonymity as anon
from segmentation.charts import visual_order
from segmentation.pipelines.report.scrub import guard_shares, hide_small_counts, scrub_text

K = 5


def test_a_small_group_is_hidden_with_the_next_smallest_so_the_total_reveals_nothing():
    sizes = pd.DataFrame(
        {"active": [150, 40, 24, 3], "respondents": [100, 30, 15, 2]},
        index=["Ops", "Fin", "HR", "Legal"],
    )
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
    sizes = pd.DataFrame(
        {"active": [100, 40, 30], "respondents": [60, 37, 30], "non_respondents": [40, 3, 0]},
        index=["a", "b", "c"],
    )
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
    cells = anon.collapse_ordinal(
        pd.Series({"innovators": 3, "early": 40, "majority": 100, "late": 50, "laggards": 20}), K
    )
    assert cells[0]["labels"] == ["innovators", "early"] and cells[0]["count"] == 43
    assert all(c["count"] is None or c["count"] == 0 or c["count"] >= K for c in cells)
    assert sum(c["count"] for c in cells) == 213
    assert anon.collapse_ordinal(pd.Series({"a": 2, "b": 1}), K)[0]["count"] is None


def test_safe_mean_needs_enough_answers():
    assert anon.safe_mean(pd.Series([1, 2, 3, 4]), K) is None
    assert anon.safe_mean(pd.Series([1, 2, 3, 4, 5, None]), K) == 3.0


def test_scrub_replaces_emails_phones_and_name_pairs():
    text = scrub_text(
        "Ask Dana Cohen at dana.cohen@corp.example or +972-54-123-4567; Mary-Ann O'Brien too. I prefer e-mail"
    )
    assert (
        "Dana" not in text
        and "Cohen" not in text
        and "@" not in text
        and "4567" not in text
        and "O'Brien" not in text
    )
    assert "[name]" in text and "[email]" in text and "[phone]" in text
    assert "I prefer e-mail" in text
    assert scrub_text("Keep it simple") == "Keep it simple"


@pytest.mark.parametrize(
    "text",
    [
        "See https://intranet.example.org/people/00123/dana-cohen for my profile",
        "my page: HTTP://hr.example/emp?id=00123&name=Dana%20Cohen.",
        "www.example.org/u/dcohen-00123 is me",
        "link: ftp://files.example/00123/dana_cohen.pdf",
    ],
)
def test_scrub_removes_web_addresses_whole_with_the_ids_and_names_in_them(text):
    """Issue 12: the scrub left an employee id and a name inside a URL."""
    scrubbed = scrub_text(text)
    assert "[link]" in scrubbed
    assert (
        "00123" not in scrubbed
        and "dana" not in scrubbed.lower()
        and "cohen" not in scrubbed.lower()
    )


def test_scrub_takes_linear_time_on_a_huge_answer():
    for text in ("x" * 1_000_000, "http" * 250_000, "a@" * 500_000):
        assert len(scrub_text(text)) > 0


def test_guard_shares_hides_percentages_that_describe_a_small_group():
    text = guard_shares("92% frontline, 2% remote, 100% reached, 0% office", 100, K, "–")
    assert text == "92% frontline, – remote, 100% reached, 0% office"
    assert guard_shares("97% frontline", 100, K, "–") == "– frontline"  # 3 others
    assert guard_shares("30%", None, K, "–") == "–"


def test_small_counts_in_warnings_are_hidden():
    assert (
        hide_small_counts("persona P6 has 3 people, under", K, "fewer than 5 people")
        == "persona P6 has fewer than 5 people, under"
    )
    assert hide_small_counts("1200 respondents", K, "x") == "1200 respondents"


@pytest.mark.parametrize(
    ("logical", "visual"),
    [
        ("abc", "abc"),
        ("אבג", "גבא"),
        ("מתחת ל-30", "30-ל תחתמ"),
        ("Teams או Slack", "Slack וא Teams"),
        ("גבוה (3.5)", "(3.5) הובג"),
    ],
)
def test_visual_order_for_renderers_without_bidi(logical, visual):
    assert visual_order(logical) == visual


# ------------------------------------------------------------------ merge first, then hide (issue 13)

DEPARTMENTS = pd.DataFrame(
    {"Ops": [60, 40, 30], "R&D": [50, 44, 22], "HR": [3, 10, 12], "Legal": [4, 6, 7]},
    index=["P1", "P2", "P3"],
)


def _is_safe(counts: pd.DataFrame, mask: pd.DataFrame, k: int) -> bool:
    """No shown cell of 1..k-1, and every row and column hides none or >= 2 cells holding >= k."""
    values, hidden = counts.to_numpy(), mask.to_numpy()
    if ((values > 0) & (values < k) & ~hidden).any():
        return False
    for line_values, line_mask in [
        *zip(values, hidden, strict=True),
        *zip(values.T, hidden.T, strict=True),
    ]:
        nonzero = line_mask & (line_values > 0)
        if nonzero.any() and (nonzero.sum() < 2 or line_values[nonzero].sum() < k):
            return False
    return True


def test_merging_a_small_category_hides_fewer_people_than_complementary_cells():
    # Hiding P1's 3 HR and 4 Legal cells takes their column siblings with them (23 people).
    assert anon.hidden_people(DEPARTMENTS, 5) == 23
    merged, members = anon.merge_small_columns(DEPARTMENTS, 5)
    assert anon.hidden_people(merged, 5) == 0
    # The smallest category with a small cell first (Legal), then HR: P1's Other (combined) is 7.
    assert members[anon.OTHER] == ["Legal", "HR"]
    assert list(merged.columns) == ["Ops", "R&D", anon.OTHER]
    assert merged[anon.OTHER].tolist() == [7, 16, 19]
    assert _is_safe(merged, anon.suppress_cells(merged, 5), 5)


def test_merging_is_not_kept_when_it_would_hide_more():
    # P1 has 3 in HR and nobody in Legal: merging cannot lift P1's 3, and a
    # smaller table would hide more, so the categories stay as they are.
    counts = DEPARTMENTS.assign(Legal=[0, 6, 7])
    merged, _ = anon.merge_small_columns(counts, 5)
    assert merged.equals(counts)
    assert _is_safe(merged, anon.suppress_cells(merged, 5), 5)


def test_merge_stops_at_zero_hidden_and_keeps_every_person():
    merged, _ = anon.merge_small_columns(DEPARTMENTS, 5)
    assert merged.sum(axis=1).tolist() == DEPARTMENTS.sum(axis=1).tolist()


def test_ordered_categories_merge_with_a_neighbour_only():
    counts = pd.DataFrame(
        {"a": [2, 30], "b": [2, 30], "c": [40, 3], "d": [50, 40]}, index=["x", "y"]
    )
    merged, members = anon.merge_small_columns(counts, 5, ordinal=True)
    for parts in members.values():
        positions = [list(counts.columns).index(p) for p in parts]
        assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert merged.sum(axis=1).tolist() == counts.sum(axis=1).tolist()


def test_hidden_reasons_tell_small_from_complement():
    counts = pd.DataFrame({"a": [3, 20], "b": [8, 20], "c": [40, 20]}, index=["x", "y"])
    mask = anon.suppress_cells(counts, 5)
    reasons = anon.hidden_reasons(counts, mask, 5)
    assert reasons.loc["x", "a"] == "small"
    assert set(reasons.to_numpy().ravel()) - {""} == {"small", "complement"}
    assert (reasons.to_numpy() == "").tolist() == (~mask.to_numpy()).tolist()


@pytest.mark.parametrize(
    "shares", [[1 / 3, 1 / 3, 1 / 3], [0.125, 0.125, 0.75], [0.004, 0.996], [0.5, 0.25, 0.25, 0.0]]
)
def test_whole_percents_add_up_to_100(shares):
    percents = anon.whole_percents(shares)
    assert sum(percents) == 100
    assert all(abs(p - 100 * s) < 1 for p, s in zip(percents, shares, strict=True))

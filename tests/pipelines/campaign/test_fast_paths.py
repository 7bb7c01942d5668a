"""The vectorised paths of the campaign stage give what the plain pandas/Python ones gave."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from pandas.errors import InvalidIndexError

from segmentation.contacts import email_key
from segmentation.parsing import _id_key, id_key
from segmentation.pipelines.campaign import exports
from segmentation.safe_export import neutralise_formulas
from segmentation.text_keys import is_unique, positions_of, same_text

CHARS = list("ab Z,;\"'\n\r\t=+-@") + ["ש", "é", "\u00a0", "\u2003", "ß", "\x1c", "İ"]


def _text(rng: random.Random) -> str | None:
    if rng.random() < 0.1:
        return None
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 6)))


def _pandas_render(table: pd.DataFrame, preset: dict) -> str:
    text = neutralise_formulas(table).to_csv(
        sep=preset["separator"],
        index=False,
        header=bool(preset.get("header", True)),
        lineterminator="\n",
    )
    return ("\ufeff" if preset.get("byte_order_mark") else "") + text


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("header", [True, False])
def test_render_table_writes_what_pandas_writes(separator, header):
    rng = random.Random(len(separator) + header)
    numbers = np.random.default_rng(0).normal(size=200) * 10.0 ** np.random.default_rng(1).integers(
        -12, 18, 200
    )
    numbers[::17] = np.nan
    numbers[::13] = 0.125  # repeated values are written once and looked up
    numbers[[5, 6]] = [-0.0, 0.0]
    table = pd.DataFrame(
        {
            "name": pd.Series([_text(rng) for _ in range(200)], dtype="str"),
            "=score": numbers,
            "email": pd.Series([_text(rng) for _ in range(200)], dtype="str"),
        }
    )
    preset = {"separator": separator, "header": header, "byte_order_mark": header}
    for columns in (["name", "=score", "email"], ["email"], ["=score"]):
        assert exports.render_table(table[columns], preset) == _pandas_render(
            table[columns], preset
        )
    assert exports.render_table(table.iloc[0:0], preset) == _pandas_render(table.iloc[0:0], preset)


def test_email_key_folds_like_python():
    rng = random.Random(3)
    values = pd.Series(
        [_text(rng) for _ in range(500)] + ["  A.B@Example.ORG ", "STRASSE@ß.de", None], dtype="str"
    )
    expected = values.fillna("").astype(str).str.replace(r"\s+", "", regex=True).str.casefold()
    pd.testing.assert_series_equal(email_key(values), expected)
    as_objects = values.astype(object)
    pd.testing.assert_series_equal(
        email_key(as_objects), expected.astype(email_key(as_objects).dtype)
    )


def test_positions_match_the_index_lookup():
    ids = pd.Series(["e3", "e1", "e2"], dtype="str")
    wanted = pd.Series(["e2", "e9", "e3", "e3"], dtype=object)
    assert positions_of(ids, wanted).tolist() == [2, -1, 0, 0]
    with pytest.raises(InvalidIndexError):
        positions_of(pd.Series(["a", "a"], dtype="str"), wanted)


def test_id_key_folds_like_the_per_value_rule():
    rng = random.Random(5)
    chars = list("0123456789.aZ -_\t\n") + ["\u00a0", "\u200f", "０", "１", "ß", "٣", "\x00"]
    values = pd.Series(
        ["".join(rng.choice(chars) for _ in range(rng.randint(0, 7))) for _ in range(3000)]
        + ["00123", "123.0", "0.00", "000", "0", "", "123.00", "00.0", "1.5", "E007", None],
        dtype=object,
    )
    expected = [_id_key(v) for v in values.fillna("").astype(str)]
    assert id_key(values).tolist() == expected
    assert id_key(values.astype("str")).tolist() == expected
    assert id_key(pd.Series(["00123", "123.0", "000"])).tolist() == ["123", "123", "0"]


def test_any_of_matches_exactly_the_characters_named_even_regex_ones():
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(["a]b", "x-y", "p\\q", "c^d", "e[f", "plain", "tab\there", ";"])
    found = pc.match_substring_regex(texts, exports._any_of({"]", "-", "\\", "^", "[", "\t"}))
    assert found.to_pylist() == [True, True, True, True, True, False, True, False]


@pytest.mark.parametrize(
    "values, unique",
    [
        (["a", "b", "c"], True),
        (["c", "a", "b"], True),
        (["a", "b", "a"], False),
        (["a", None, "b"], True),
        (["a", None, None], False),
        ([], True),
    ],
)
def test_is_unique_is_pandas_is_unique(values, unique):
    for dtype in ("str", object):
        series = pd.Series(values, dtype=dtype)
        assert is_unique(series) is unique
        assert is_unique(series) == series.is_unique


def test_same_text_only_when_the_same_values_in_the_same_order():
    left = pd.Series(["a", "b", "c"], dtype="str")
    assert same_text(left, pd.Series(["a", "b", "c"], dtype=object))
    assert not same_text(left, pd.Series(["a", "c", "b"], dtype="str"))
    assert not same_text(left, pd.Series(["a", "b"], dtype="str"))
    assert not same_text(left, pd.Series(["a", "b", None], dtype="str"))
    assert not same_text(None, left)
    assert not same_text(pd.Series([1, 2, 3]), pd.Series([1, 2, 3]))

"""The fast paths of ingestion give what the plain ways give, edge cases included.

Pseudonymous ids are HMAC-SHA256 (any key length), sorting by them is
``sort_values``, an Arrow lookup is ``Index.get_indexer`` and the common date
shapes read as their strict formats read them.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from segmentation.parsing import _COMMON_DATE_SHAPES, _parse_common_dates, positions_in
from segmentation.pipelines.ingestion.pseudonyms import _sorted_by, pseudonymous_ids


@pytest.mark.parametrize("key", ["k", "benchmark-key-not-secret", "x" * 64, "y" * 65, "מפתח-ключ"])
def test_pseudonymous_ids_are_hmac_sha256_under_any_key(key):
    ids = pd.Series(["00017", "17", "", "שלום", "a" * 200])
    expected = [hmac.new(key.encode(), i.encode(), hashlib.sha256).hexdigest()[:16] for i in ids]
    assert pseudonymous_ids(ids, key).tolist() == expected


@pytest.mark.parametrize(
    "values",
    [
        list(pseudonymous_ids(pd.Series([str(i) for i in range(300)]), "k")),
        ["b", "a", "c"],
        ["a", "b", "c"],
        ["b", "a", "a"],  # ties
        ["0b00000000000000", "0A00000000000000", "0a00000000000000"],  # upper-case hex
        [" a00000000000000", "0000000000000000"],  # a blank where a digit goes
    ],
)
def test_sorting_by_a_text_column_is_sort_values(values):
    frame = pd.DataFrame({"pid": values, "n": range(len(values))})
    expected = frame.sort_values("pid").reset_index(drop=True)
    pd.testing.assert_frame_equal(_sorted_by(frame, "pid"), expected)
    as_str = frame.astype({"pid": "str"})
    pd.testing.assert_frame_equal(
        _sorted_by(as_str, "pid"), as_str.sort_values("pid").reset_index(drop=True)
    )


def test_positions_are_the_first_occurrence_and_minus_one_elsewhere():
    pool = pd.Series(["a", "b", "a", "b"], dtype=object)
    for values in (pd.Series(["b", "a", "z", None], dtype="str"), pd.Series([1, 2])):
        first = pd.Index(pool[~pool.duplicated()]).get_indexer(values)
        assert positions_in(values, pool).tolist() == first.tolist()
    assert positions_in(pd.Series([2, 1, 3]), pd.Series([1, 2, 1])).tolist() == [1, 0, -1]


DATES = [
    "2026-03-02",
    "2026-02-30",
    " 2026-03-02 ",
    "2026-03-02 09:05:07",
    "2026-13-01",
    "3/2/2026",
    "13/2/2026",
    "00/01/2026",
    "3/2/2026 9:05:07",
    "3/2/2026 9:05",
    "2/28/2026 23:59:60",  # a leap second: the format rolls it over
    "12/31/2026 24:00:00",
    "1/1/2026 7:60",
    "1701-01-01",
    "2200-12-31 23:59:59",
    "3/2/26",
    "3.2.2026",
    "x",
    "",
]


@pytest.mark.parametrize("dayfirst", [False, True])
def test_common_dates_read_as_their_strict_formats_read_them(dayfirst):
    values = pd.Series(DATES, dtype="str")
    expected = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    text = values.str.strip()
    for pattern, monthfirst, dayfirst_format in _COMMON_DATE_SHAPES:
        mask = text.str.match(pattern).fillna(False).to_numpy()
        expected[mask] = (
            pd.to_datetime(
                text[mask].astype(object),
                format=dayfirst_format if dayfirst else monthfirst,
                errors="coerce",
            )
            .astype("datetime64[ns]")
            .to_numpy()
        )
    got = _parse_common_dates(values, dayfirst)
    pd.testing.assert_series_equal(got, expected)
    # not two empty columns that agree
    assert got.iloc[8] == pd.Timestamp("2026-02-03 09:05:07" if dayfirst else "2026-03-02 09:05:07")
    assert got.iloc[13] == pd.Timestamp("1701-01-01") and got.iloc[2] == pd.Timestamp("2026-03-02")
    assert got.iloc[[1, 4, 11, 12, 15, 16, 17, 18]].isna().all()


@pytest.mark.parametrize(
    "text",
    [
        b"a,b\n1,2\n3,4",
        b"a,b\r\n1,2\r\n3,4\r\n",
        b"a,b\n1,2\n\n\n",
        b'a,b\n1,"x\ny"\n3,4\n\r\n',
        b"\n\n\n",
        b"a,b",
    ],
)
def test_line_feeds_counted_from_the_file_in_chunks_as_from_its_bytes(tmp_path, monkeypatch, text):
    """The reader counts a CSV's line breaks from the file in chunks (no copy of its bytes):
    the same count as from its bytes, whatever the chunk size cuts through."""
    import segmentation.datasets as datasets

    path = tmp_path / "export.csv"
    path.write_bytes(text)
    expected = datasets._newlines_before_end(text)
    for chunk in (1, 2, 3, 1 << 24):
        monkeypatch.setattr(datasets, "_CHUNK", chunk)
        assert datasets._newlines_before_end(path) == expected

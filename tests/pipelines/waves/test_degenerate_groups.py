"""Odd but usable data in the waves stage: a run that finishes, with small groups folded away."""

from __future__ import annotations

import numpy as np
from kedro_datasets.partitions import PartitionedDataset

from segmentation.anonymity import OTHER
from segmentation.pipelines.waves.gamification import draw_progress_charts, file_key

from .test_activity_and_adoption import events, flag, summarise_log, world


def test_an_age_band_of_fewer_than_five_people_is_folded_into_other(
    adoption, personas_params, anonymity
):
    employees, hr, assignments = world({"A": 30, "B": 30})
    bands = np.where(np.arange(len(hr)) % 2 == 0, "under 30", "30-39")
    bands[:3] = "50 and over"  # a band of 3: too small to show
    hr = hr.assign(age_band=bands)
    log = events([(p, "2026-09-20", "visit") for p in employees["pid"].iloc[:40]])
    people = flag(log, employees, hr, assignments, adoption, personas_params)
    summary = summarise_log(log, people, assignments, adoption, anonymity)
    keys = [r["key"] for r in summary["groups"]["age_band"]]
    assert keys[-1] == OTHER and keys.count(OTHER) == 1 and "50 and over" not in keys
    assert all(
        r["population"] is None or r["population"] >= 5 for r in summary["groups"]["age_band"]
    )


def test_a_long_hebrew_unit_name_gives_a_short_stable_chart_file(
    tmp_path, gamification, report_params
):
    long_name = " ".join(["יחידת התפעול והלוגיסטיקה של המטה הראשי באזור הצפון"] * 6)
    assert len(long_name.encode("utf-8")) > 255  # more than a file name may hold
    assert file_key(long_name) == file_key(long_name) and len(file_key(long_name)) <= 41
    assert file_key("Ops-North") == "Ops-North-81075885"
    assert file_key("../../etc/passwd").startswith("etc_passwd-")
    assert file_key("Ops North") != file_key(
        "Ops_North"
    )  # same slug, different unit, different file
    row = {"key": long_name, "population": 40, "registered": 30, "registered_share": 0.75}
    summary = {
        "activity_log": True,
        "wave": "2026-09",
        "min_group_size": 5,
        "groups": {"org_unit": [row]},
        "metrics": [
            {"key": "registered", "label": {"en": "Registered", "he": "נרשמו"}, "target": 0.6}
        ],
    }
    trend = [
        {
            "wave": "2026-09",
            "activity_log": True,
            "groups": {"org_unit": {long_name: {"registered": 0.75}}},
        }
    ]
    charts = draw_progress_charts(
        summary, trend, {"awards": [], "by_unit": {}}, gamification, report_params
    )
    assert set(charts) == {
        f"{language}/{file_key(long_name)}"
        for language in gamification["progress_charts"]["languages"]
    }
    folder = PartitionedDataset(
        path=str(tmp_path / "progress"),
        dataset="segmentation.pipelines.report.datasets.BinaryFileDataset",
        filename_suffix=".png",
    )
    folder.save(charts)
    written = sorted(p for p in (tmp_path / "progress").rglob("*.png"))
    assert len(written) == len(charts)
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_share_is_shown_only_when_neither_it_nor_the_rest_is_a_small_group():
    from segmentation.anonymity import shown_count, shown_split

    assert shown_split(0, 20, 5) and shown_split(5, 10, 5) and shown_split(20, 20, 5)
    assert not shown_split(4, 20, 5)  # the count is small
    assert not shown_split(17, 20, 5)  # the rest (3) is small
    assert not shown_split(0, 4, 5) and not shown_split(0, 0, 5)  # too few people at all
    assert [shown_count(n, 5) for n in (0, 1, 4, 5, 9)] == [0, None, None, 5, 9]

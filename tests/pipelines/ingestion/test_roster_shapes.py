"""Rosters as HR systems write them: age or birth year or date, tenure or hire date, optional status, extra covariates.

The real-data tests map the IBM, Babushkin and MFG files by configuration
only (roster.columns, value_aliases, required lists, hr_covariates) and skip
when ../shared/realdata is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InputFileError
from segmentation.pipelines.ingestion.nodes import parse_roster, pseudonymise, summarise_ingestion
from segmentation.pipelines.personas.nodes import derive_hr_features, train_typing_model

from ...conftest import load_parameters
from .helpers import ROSTER_HEADER, read, roster_row, write_csv

WAVE, WAVE_DATE = "2026-03", "2026-03-31"
AT = pd.Timestamp(WAVE_DATE)
NO_RESPONSES = pd.DataFrame(
    {
        "employee_id": pd.Series([], dtype=object),
        "submitted_at": pd.Series([], dtype="datetime64[ns]"),
    }
)
NO_QUESTIONS = {"scales": {}, "items": {}, "constructs": {}}


def _configured(
    roster_params, columns: dict | None = None, drop: tuple[str, ...] = (), **settings
) -> dict:
    """The base roster settings with a user's mapping: extra header names, fields their HR system lacks dropped."""
    mapped = (
        {
            name: [*roster_params["columns"][name], *columns.get(name, [])]
            for name in roster_params["columns"]
        }
        if columns
        else roster_params["columns"]
    )
    return {
        **roster_params,
        "columns": mapped,
        "required_columns": [c for c in roster_params["required_columns"] if c not in drop],
        "required_values": [c for c in roster_params["required_values"] if c not in drop],
        **settings,
    }


def _roster(tmp_path, header: list[str], rows: list[list[str]], params: dict):
    raw = read(write_csv(tmp_path / "roster.csv", [header, *rows]), "roster")
    return parse_roster(raw, params, WAVE, WAVE_DATE)


def _hr(valid: pd.DataFrame, params: dict) -> pd.DataFrame:
    """HR features at the wave's date, as the personas stage derives them from the roster, by employee id."""
    employees, _, _, contacts = pseudonymise(valid, NO_RESPONSES, NO_QUESTIONS, "k", params)
    hr = derive_hr_features(
        employees, WAVE, WAVE_DATE, load_parameters("personas")["personas"]["hr_features"]
    )
    return hr.set_index(hr["pid"].map(contacts.set_index("pid")["employee_id"]).to_numpy())


# --------------------------------------------------------------------- age and tenure in any form


def test_age_in_years_and_tenure_in_months_instead_of_dates(tmp_path, roster_params):
    header = [c for c in ROSTER_HEADER if c not in {"birth_year", "hire_date"}] + [
        "Age",
        "Months of service",
    ]

    def row(employee_id, age, months):
        return [
            v
            for c, v in zip(ROSTER_HEADER, roster_row(employee_id), strict=True)
            if c not in {"birth_year", "hire_date"}
        ] + [age, months]

    valid, rejects, _, _ = _roster(
        tmp_path,
        header,
        [
            row("1", "34", "30"),
            row("2", "61.5", "0"),
            row("3", "12", "5"),
            row("4", "forty", "5"),
            row("5", "40", "-3"),
            row("6", "40", ""),
        ],
        roster_params,
    )
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "age", "12", "age_out_of_range"],
        [5, "age", "forty", "invalid_value"],
        [6, "tenure_months", "-3", "invalid_value"],
        [7, "tenure_months", "", "missing_value"],
    ]
    hr = _hr(valid, roster_params)
    assert valid.set_index("employee_id").loc[["1", "2"], "birth_year"].tolist() == [1992, 1965]
    assert hr.loc[["1", "2"], "age"].tolist() == [34.0, 61.0]  # completed years
    assert hr.loc[["1", "2"], "tenure_years"].to_numpy() == pytest.approx([2.5, 0.0], abs=0.003)


def test_a_birth_date_comes_before_a_birth_year_then_an_age(tmp_path, roster_params):
    header = [*ROSTER_HEADER, "birth_date", "age", "tenure_years"]
    rows = [
        roster_row("1", birth_year="1980") + ["1990-06-01", "70", ""],
        roster_row("2", birth_year="1980") + ["", "70", "3"],
        roster_row("3", birth_year="", hire_date="") + ["", "50", "3"],
    ]
    valid, rejects, _, _ = _roster(tmp_path, header, rows, roster_params)
    assert rejects.empty
    by_id = valid.set_index("employee_id")
    assert by_id["birth_year"].tolist() == [1990, 1980, 1976]
    assert by_id.loc["3", "hire_date"] == AT - pd.Timedelta(days=round(3 * 365.25))
    assert by_id.loc["2", "hire_date"] == pd.Timestamp("2018-03-01")  # a hire date beats a tenure


# --------------------------------------------------------------------- employment status


def test_without_a_status_column_everyone_is_active_and_the_summary_says_so_once(
    tmp_path, roster_params, caplog
):
    header = [c for c in ROSTER_HEADER if c != "employment_status"]
    rows = [
        [v for c, v in zip(ROSTER_HEADER, roster_row(i), strict=True) if c != "employment_status"]
        for i in ["1", "2"]
    ]
    valid, rejects, _, detected = _roster(tmp_path, header, rows, roster_params)
    assert rejects.empty and valid["employment_status"].tolist() == ["active", "active"]
    summary = summarise_ingestion(
        detected,
        valid,
        pd.DataFrame({"employee_id": []}),
        rejects,
        {
            "file": "s.csv",
            "rows_read": 0,
            "shape": "generic",
            "items_found": 0,
            "items_missing": [],
        },
        roster_params["active_statuses"],
    )
    assert summary["files"]["roster"]["notes"] == [
        "the roster has no employment_status column: every employee is counted as active"
    ]
    assert sum("no employment_status column" in r.getMessage() for r in caplog.records) == 1


def test_a_roster_with_no_active_employee_stops_with_the_column_and_allowed_values(
    tmp_path, roster_params
):
    """Was: ran on to empty lists with exit 0."""
    rows = [
        roster_row("1", employment_status="leave"),
        roster_row("2", employment_status="terminated"),
        roster_row("3", employment_status="leave"),
    ]
    with pytest.raises(InputFileError) as caught:
        _roster(tmp_path, ROSTER_HEADER, rows, roster_params)
    message = str(caught.value)
    assert (
        "no employee of the roster is active: employment_status is leave (2), terminated (1)."
        in message
    )
    assert (
        "employment_status: one of active, leave, terminated (other spellings can be mapped under roster.value_aliases.employment_status)"
        in message
    )
    assert "\n" not in message


def test_a_roster_with_no_usable_row_stops_with_the_column_and_allowed_values(
    tmp_path, roster_params
):
    """Was: every row rejected, then a scikit-learn traceback. Here the status values are another HR system's."""
    rows = [
        roster_row(str(i), employment_status=s)
        for i, s in enumerate(["Employed", "Employed", "On Sabbatical"], start=1)
    ]
    with pytest.raises(InputFileError) as caught:
        _roster(tmp_path, ROSTER_HEADER, rows, roster_params)
    message = str(caught.value)
    assert message.endswith(
        "none of the roster's 3 rows is usable: 3 were rejected for not_allowed_value in column employment_status "
        "(values such as 'Employed', 'On Sabbatical'); every rejected row is listed in the rejects. "
        "Expected: employment_status: one of active, leave, terminated (other spellings can be mapped under "
        "roster.value_aliases.employment_status)."
    )
    aliases = {
        **roster_params["value_aliases"],
        "employment_status": {"employed": "active", "on sabbatical": "leave"},
    }
    valid, _, _, _ = _roster(
        tmp_path, ROSTER_HEADER, rows, {**roster_params, "value_aliases": aliases}
    )
    assert valid["employment_status"].tolist() == ["active", "active", "leave"]


def test_a_roster_with_only_a_header_stops(tmp_path, roster_params):
    with pytest.raises(InputFileError, match="the roster has a header but no employee rows"):
        _roster(tmp_path, ROSTER_HEADER, [], roster_params)


# --------------------------------------------------------------------- extra columns as HR covariates


def test_declared_extra_columns_reach_the_hr_features(tmp_path, roster_params):
    params = {
        **roster_params,
        "hr_covariates": {
            "novator": {"columns": ["Novator score"], "kind": "numeric"},
            "industry": {"columns": ["industry"], "kind": "categorical"},
        },
    }
    header = [*ROSTER_HEADER, "Novator score", "industry"]
    valid, rejects, _, _ = _roster(
        tmp_path,
        header,
        [
            roster_row("1") + ["8,3", "Banks"],
            roster_row("2") + ["high", "Retail"],
            roster_row("3") + ["", ""],
        ],
        params,
    )
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [3, "novator", "high", "invalid_value"]
    ]
    hr = _hr(valid, params)
    assert hr.loc["1", ["novator", "industry"]].tolist() == [8.3, "Banks"]
    assert hr.loc["3", ["novator", "industry"]].isna().all()
    with pytest.raises(
        InputFileError, match=r"the roster has no column for novator \(roster.hr_covariates\)"
    ):
        _roster(tmp_path, ROSTER_HEADER, [roster_row("1")], params)


# --------------------------------------------------------------------- real rosters, mapped by configuration only


def test_ibm_roster_by_configuration(realdata, roster_params):
    params = _configured(
        roster_params,
        {
            "employee_id": ["EmployeeNumber"],
            "org_unit": ["JobRole"],
            "job_level": ["JobLevel"],
            "employment_status": ["Attrition"],
            "tenure_years": ["YearsAtCompany"],
        },
        drop=("site", "work_pattern"),
        value_aliases={
            **roster_params["value_aliases"],
            "job_level": {
                "1": "individual_contributor",
                "2": "team_lead",
                "3": "manager",
                "4": "director",
                "5": "executive",
            },
            "employment_status": {"no": "active", "yes": "terminated"},
        },
    )
    raw = read(realdata / "ibm_hr_attrition_WA_Fn-UseC_.csv", "roster")
    valid, rejects, _, detected = parse_roster(raw, params, WAVE, WAVE_DATE)
    assert rejects.empty and len(valid) == 1470 and detected["notes"] == []
    assert valid["employment_status"].value_counts().to_dict() == {
        "active": 1233,
        "terminated": 237,
    }
    assert valid["job_level"].value_counts()["individual_contributor"] == 543
    source = pd.read_csv(
        realdata / "ibm_hr_attrition_WA_Fn-UseC_.csv", encoding="utf-8-sig"
    ).set_index("EmployeeNumber")
    hr = _hr(valid, params)
    hr.index = hr.index.astype(int)
    np.testing.assert_array_equal(
        hr["age"].to_numpy(), source.loc[hr.index, "Age"].to_numpy(dtype=float)
    )
    np.testing.assert_allclose(
        hr["tenure_years"].to_numpy(),
        source.loc[hr.index, "YearsAtCompany"].to_numpy(dtype=float),
        atol=0.002,
    )


def test_babushkin_roster_without_ids_tenure_in_months_and_novator_as_covariate(
    realdata, roster_params
):
    params = _configured(
        roster_params,
        {
            "department": ["profession"],
            "org_unit": ["industry"],
            "employment_status": ["event"],
            "tenure_months": ["stag"],
        },
        drop=("employee_id", "site", "job_level", "work_pattern"),
        value_aliases={
            **roster_params["value_aliases"],
            "employment_status": {"0": "active", "1": "terminated"},
        },
        ids_from_row_numbers=True,
        hr_covariates={
            "novator": {"columns": ["novator"], "kind": "numeric"},
            "traffic": {"columns": ["traffic"], "kind": "categorical"},
        },
    )
    raw = read(realdata / "babushkin_employee_turnover.csv", "roster")
    valid, rejects, _, _ = parse_roster(raw, params, WAVE, WAVE_DATE)
    assert rejects.empty and len(valid) == 1129
    assert valid["employee_id"].iloc[:2].tolist() == ["row-2", "row-3"]
    assert valid["employment_status"].value_counts().to_dict() == {"terminated": 571, "active": 558}
    by_row = _hr(valid, params)
    source = pd.read_csv(realdata / "babushkin_employee_turnover.csv")
    source.index = [f"row-{i + 2}" for i in range(len(source))]
    np.testing.assert_allclose(
        by_row["tenure_years"], source.loc[by_row.index, "stag"] / 12, atol=0.002
    )
    np.testing.assert_array_equal(by_row["novator"], source.loc[by_row.index, "novator"])
    np.testing.assert_array_equal(by_row["age"], np.floor(source.loc[by_row.index, "age"]))
    # the covariate types people: a typing model trained on it (and tenure) uses it as a feature
    persona = np.where(by_row["novator"] >= 6, "P1", "P2")
    typing = {
        **load_parameters("personas")["personas"]["typing"],
        "categorical": ["traffic"],
        "numeric": ["tenure_years", "novator"],
        "cv_folds": 3,
    }
    _, evaluation = train_typing_model(
        pd.DataFrame({"pid": by_row["pid"].to_numpy(), "persona_id": persona}), by_row, typing, 0
    )
    assert evaluation["features"] == ["traffic", "tenure_years", "novator"]
    assert evaluation["accuracy"] > 0.9 > evaluation["baseline"]


def test_mfg_roster_ages_as_decimals_no_status_column(realdata, roster_params):
    params = _configured(
        roster_params,
        {
            "employee_id": ["EmployeeNumber"],
            "first_name": ["GivenName"],
            "last_name": ["Surname"],
            "department": ["DepartmentName"],
            "org_unit": ["Division"],
            "site": ["StoreLocation"],
            "tenure_years": ["LengthService"],
        },
        drop=("job_level", "work_pattern"),
        hr_covariates={"business_unit": {"columns": ["BusinessUnit"], "kind": "categorical"}},
    )
    raw = read(realdata / "mfg_employees_roster_MFGEmployees4.csv", "roster")
    valid, rejects, _, detected = parse_roster(raw, params, WAVE, WAVE_DATE)
    assert detected["notes"] == [
        "the roster has no employment_status column: every employee is counted as active"
    ]
    assert rejects["reason"].value_counts().to_dict() == {
        "age_out_of_range": 34
    }  # the tutorial's impossible ages (3.5 ...)
    assert set(rejects["column"]) == {"age"} and float(
        rejects["value"].astype(float).min()
    ) == pytest.approx(3.504742504)
    assert len(valid) == 8336 - 34 and (valid["employment_status"] == "active").all()
    assert (
        _hr(valid, params)["business_unit"].value_counts().to_dict()
        == valid["business_unit"].value_counts().to_dict()
    )

"""Small builders for ingestion tests: files as a user's tool would write them."""

from __future__ import annotations

import csv
from pathlib import Path

from segmentation.datasets import RawTable, TabularExportDataset

ROSTER_HEADER = [
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "birth_year",
    "hire_date",
    "department",
    "org_unit",
    "site",
    "job_level",
    "is_people_manager",
    "manager_id",
    "work_pattern",
    "employment_status",
    "language",
    "gender",
]


def roster_row(employee_id: str, **overrides: str) -> list[str]:
    """A valid roster row; keyword arguments replace single fields."""
    row = {
        "employee_id": employee_id,
        "email": f"e{employee_id}@example.org",
        "first_name": "Dana",
        "last_name": "Cohen",
        "birth_year": "1985",
        "hire_date": "2018-03-01",
        "department": "Sales",
        "org_unit": "Sales-B2B",
        "site": "Haifa",
        "job_level": "individual_contributor",
        "is_people_manager": "no",
        "manager_id": "",
        "work_pattern": "office",
        "employment_status": "active",
        "language": "en",
        "gender": "F",
    }
    row.update(overrides)
    return [row[c] for c in ROSTER_HEADER]


def write_csv(
    path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def read(path: Path, role: str = "survey", chunk_rows: int | None = None) -> RawTable:
    """Load a file through the project's dataset, as the catalog does."""
    return TabularExportDataset(str(path), role=role, chunk_rows=chunk_rows).load()


def huebner_roster_params(roster_params: dict, work_pattern: list[str]) -> dict:
    """Roster parameters mapping the Huebner HR data set's headers (shared/realdata), as a user would in conf."""
    return {
        **roster_params,
        "columns": {
            **roster_params["columns"],
            "employee_id": ["EmpID"],
            "birth_date": ["DOB"],
            "hire_date": ["DateofHire"],
            "org_unit": ["Department"],
            "site": ["State"],
            "job_level": ["Position"],
            "work_pattern": work_pattern,
            "employment_status": ["EmploymentStatus"],
            "manager_id": ["ManagerID"],
        },
    }

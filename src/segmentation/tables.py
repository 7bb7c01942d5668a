"""Columns of the tables one stage hands the next, named once for every stage."""

from __future__ import annotations

# data/03_primary/<wave>/employees.parquet: pseudonymous, one row per employee
# (the persona model's HR covariates follow these columns when configured).
EMPLOYEE_COLUMNS = [
    "pid",
    "birth_year",
    "hire_date",
    "department",
    "org_unit",
    "site",
    "job_level",
    "is_people_manager",
    "manager_pid",
    "work_pattern",
    "employment_status",
    "language",
    "gender",
    "responded",
]
# `contacts`: the only table with clear identifiers; in memory only, never written.
CONTACT_COLUMNS = [
    "pid",
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "language",
    "org_unit",
    "employment_status",
    "is_people_manager",
    "manager_pid",
]

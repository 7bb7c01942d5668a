"""Generate and write the sample organisation.

``generate_organisation`` builds everything in memory (a
:class:`SampleOrganisation`); ``write_organisation`` writes it in the layout
of the data contract; ``write_truth`` writes what was planted, which never
belongs in ``data/01_raw``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from segmentation.codebook import Codebook
from segmentation.sample import exports
from segmentation.sample.activity import simulate_activity, simulate_opt_out
from segmentation.sample.personas import (
    PERSONA_IDS,
    PERSONAS,
    drift_personas,
    persona_logits,
    profile_matrix,
    sample_personas,
)
from segmentation.sample.roster import ROSTER_COLUMNS, frame, generate_roster
from segmentation.sample.survey import (
    DEFECT_KINDS,
    NOISE_SD,
    OFFSET_SD,
    WaveSettings,
    WaveTruth,
    item_structure,
    simulate_wave,
    wave_start,
)

DEFAULT_WAVES: tuple[str, ...] = ("2026-03", "2026-09")
SURVEY_FORMATS = ("microsoft_forms", "google_forms", "qualtrics")
SURVEY_FILE = {
    "microsoft_forms": "survey.xlsx",
    "google_forms": "survey.csv",
    "qualtrics": "survey.csv",
}
QUESTIONNAIRE_PARAMS = Path("conf") / "base" / "parameters_questionnaire.yml"
TRUTH_VERSION = 1

Progress = Callable[[str], None] | None


# ------------------------------------------------------------------ codebook


def find_questionnaire(path: str | Path | None = None) -> Path:
    """The questionnaire file: ``path``, else ``conf/base/parameters_questionnaire.yml``
    under the working directory, else under the project this package lives in."""
    if path is not None:
        return Path(path)
    for root in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = root / QUESTIONNAIRE_PARAMS
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {QUESTIONNAIRE_PARAMS} here; pass --questionnaire PATH")


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read a codebook from the project's parameters file (key ``questionnaire``) or
    from a bare questionnaire file such as the contract's ``questionnaire.yml``."""
    with open(find_questionnaire(path), encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if isinstance(data, Mapping) and "questionnaire" in data:
        data = data["questionnaire"]
    return Codebook.from_params(data)


# ------------------------------------------------------------- the organisation


@dataclass
class SampleOrganisation:
    """A generated organisation: the roster, every wave's answers and what was planted.

    ``answers[wave]`` holds one row per export row (duplicates, unfinished and
    unknown respondents included) with the item answers as numbers 1-5 or NaN,
    in the column layout the writers of :mod:`segmentation.sample.exports` take.
    ``truth[wave]`` says which persona every employee has in that wave and
    which rows are defects.
    """

    n_employees: int
    seed: int
    waves: tuple[str, ...]
    codebook: Codebook
    roster: pd.DataFrame
    answers: dict[str, pd.DataFrame]
    truth: dict[str, WaveTruth]
    activity: dict[str, pd.DataFrame]
    opt_out: pd.DataFrame
    survey_formats: dict[str, str]
    header_languages: dict[str, str]
    persona_profiles: pd.DataFrame  # persona x construct, scored 1-5 scale
    activity_summary: dict[str, dict] = field(default_factory=dict)
    reference_date: str = ""

    def clean_answers(self, wave: str) -> pd.DataFrame:
        """Valid answers of a wave, one row per employee (index ``employee_id``):
        unknown respondents and unfinished responses dropped, the later of two
        submissions kept. Item columns only, numbers 1-5 or NaN."""
        answers = self.answers[wave]
        defect = self.truth[wave].responses["defect"].to_numpy()
        keep = (defect == "") | (defect == "duplicate_later")
        items = self.codebook.scored_items
        out = answers.loc[keep, ["employee_id", *items]].set_index("employee_id")
        return out.sort_index()

    def persona_of(self, wave: str) -> pd.Series:
        """employee_id -> planted persona id in ``wave``, every roster employee."""
        return self.truth[wave].persona

    def summary(self) -> dict:
        """Counts per wave, small enough to print."""
        status = self.roster["employment_status"].to_numpy(dtype=object)
        active_ids = pd.Index(
            self.roster["employee_id"].to_numpy(dtype=object)[status == "active"], dtype=object
        )
        out = {"employees": self.n_employees, "active": len(active_ids), "waves": {}}
        prev = None
        for wave in self.waves:
            t = self.truth[wave]
            valid = pd.Index(t.valid_ids(), dtype=object)
            entry = {
                "format": self.survey_formats[wave],
                "rows": len(self.answers[wave]),
                "valid_respondents": len(valid),
                "response_rate_active": round(
                    int(valid.isin(active_ids).sum()) / max(len(active_ids), 1), 4
                ),
                "defects": t.defect_counts,
            }
            if prev is not None:
                entry["panel_share"] = round(int(valid.isin(prev).sum()) / max(len(valid), 1), 4)
            out["waves"][wave] = entry
            prev = valid
        return out

    # -- truth -------------------------------------------------------------

    def _wave_details(self) -> dict[str, dict]:
        """Per wave: its file, rows, valid respondents, persona counts, defects and panel."""
        roster_ids = self.roster["employee_id"].to_numpy(dtype=object)
        status = self.roster["employment_status"].to_numpy(dtype=object)
        active_ids = pd.Index(roster_ids[status == "active"], dtype=object)
        waves, prev_valid = {}, None
        for wave in self.waves:
            t = self.truth[wave]
            valid = pd.Index(t.valid_ids(), dtype=object)  # unknown respondents are never valid
            persona = t.persona
            valid_active = int(valid.isin(active_ids).sum())
            entry = {
                "survey_format": self.survey_formats[wave],
                "survey_file": f"waves/{wave}/{SURVEY_FILE[self.survey_formats[wave]]}",
                "header_language": self.header_languages[wave],
                "rows": len(t.responses),
                "valid_respondents": len(valid),
                "valid_active_respondents": valid_active,
                "active_employees": len(active_ids),
                "response_rate_active": round(valid_active / max(len(active_ids), 1), 4),
                "persona_counts_all": _counts(persona.to_numpy()),
                "persona_counts_valid_respondents": _counts(persona.reindex(valid).to_numpy()),
                "defect_counts": t.defect_counts,
                "defects": t.defects,
                "notes": t.notes,
                "activity": self.activity_summary.get(wave, {}),
            }
            if prev_valid is not None:
                both = int(valid.isin(prev_valid).sum())
                entry["panel"] = {
                    "also_in_previous_wave": both,
                    "share_of_respondents": round(both / max(len(valid), 1), 4),
                }
            waves[wave] = entry
            prev_valid = valid
        return waves

    def _drift(self) -> list[dict]:
        """Between consecutive waves: who changed persona, overall and in the panel."""
        drift = []
        for a, b in zip(self.waves, self.waves[1:], strict=False):
            pa, pb = self.truth[a].persona, self.truth[b].persona
            va = pd.Index(self.truth[a].valid_ids(), dtype=object)
            vb = pd.Index(self.truth[b].valid_ids(), dtype=object)
            panel = vb[vb.isin(va)]
            moved = pa.to_numpy() != pb.to_numpy()
            before, after = pa.reindex(panel).to_numpy(), pb.reindex(panel).to_numpy()
            moved_panel = before != after
            pairs = pd.Series(before[moved_panel] + " -> " + after[moved_panel], dtype=object)
            drift.append(
                {
                    "from_wave": a,
                    "to_wave": b,
                    "changed_share_all": round(float(moved.mean()), 4),
                    "panel_members": len(panel),
                    "panel_changed": int(moved_panel.sum()),
                    "panel_changed_share": round(
                        float(moved_panel.mean()) if len(panel) else 0.0, 4
                    ),
                    "panel_transitions": {
                        k: int(v) for k, v in sorted(pairs.value_counts().items())
                    },
                }
            )
        return drift

    def truth_dict(self, include_assignments: bool = True) -> dict:
        """Everything planted, JSON-ready."""
        out = {
            "generator": "segmentation.sample",
            "truth_version": TRUTH_VERSION,
            "seed": self.seed,
            "n_employees": self.n_employees,
            "waves": list(self.waves),
            "reference_date": self.reference_date,
            "answer_model": {
                "noise_sd": NOISE_SD,
                "personal_offset_sd": OFFSET_SD,
                "scale": "1-5, rounded and clipped; reverse items stored as 6 - latent",
                "reverse_items": list(self.codebook.reverse_items),
            },
            "personas": [
                {
                    "persona_id": p.persona_id,
                    "name": p.name,
                    "description": p.description,
                    "preferred_channels": list(p.preferred_channels),
                    "profile": {
                        c: round(float(v), 3)
                        for c, v in self.persona_profiles.loc[p.persona_id].items()
                    },
                }
                for p in PERSONAS
            ],
            "wave_details": self._wave_details(),
            "drift": self._drift(),
        }
        if include_assignments:
            out["assignments"] = {
                "employee_id": self.roster["employee_id"].to_numpy(dtype=object).tolist(),
                **{wave: self.truth[wave].persona.to_numpy().tolist() for wave in self.waves},
            }
            out["responses"] = {
                wave: {
                    col: self.truth[wave].responses[col].tolist()
                    for col in ("response_id", "employee_id", "persona_id", "defect")
                }
                for wave in self.waves
            }
        return out

    def truth_table(self) -> pd.DataFrame:
        """One row per wave and person (roster employees, then unknown respondents):
        planted persona, response ids (``;``-joined), defect, whether valid."""
        frames = []
        for wave in self.waves:
            t = self.truth[wave]
            r = t.responses
            eid = r["employee_id"].to_numpy(dtype=object)
            rid_all = r["response_id"].to_numpy(dtype=object)
            codes, people = pd.factorize(eid)
            _, first_row = np.unique(codes, return_index=True)
            _, last_rev = np.unique(codes[::-1], return_index=True)
            last_row = len(codes) - 1 - last_rev
            joined = rid_all[first_row].copy()
            two = last_row != first_row
            joined[two] = joined[two] + ";" + rid_all[last_row[two]]
            people = pd.Index(np.asarray(people, dtype=object), dtype=object)
            rid = pd.Series(joined, index=people, dtype=object)
            kinds = r["defect"].to_numpy(dtype=object)[first_row]
            kinds = np.where(
                np.char.startswith(kinds.astype(str), "duplicate_"), DEFECT_KINDS[0], kinds
            )
            defect = pd.Series(kinds.astype(object), index=people, dtype=object)
            persona_first = pd.Series(
                r["persona_id"].to_numpy(dtype=object)[first_row], index=people, dtype=object
            )
            ids = t.persona.index
            unknown = people.difference(ids)
            ids_all = np.concatenate([ids.to_numpy(dtype=object), unknown.to_numpy(dtype=object)])
            table = frame(
                {
                    "wave": np.full(len(ids_all), wave, dtype=object),
                    "employee_id": ids_all,
                    "persona_id": np.concatenate(
                        [
                            t.persona.to_numpy(dtype=object),
                            persona_first.reindex(unknown).to_numpy(dtype=object),
                        ]
                    ),
                }
            )
            key = pd.Index(ids_all, dtype=object)
            table["response_ids"] = pd.Series(
                rid.reindex(key).fillna("").to_numpy(dtype=object), dtype=object
            )
            table["defect"] = pd.Series(
                defect.reindex(key).fillna("").to_numpy(dtype=object), dtype=object
            )
            table["valid_response"] = key.isin(pd.Index(t.valid_ids(), dtype=object))
            frames.append(table)
        return pd.concat(frames, ignore_index=True)


def _counts(values: np.ndarray) -> dict[str, int]:
    return {pid: int((values == pid).sum()) for pid in PERSONA_IDS}


def default_survey_formats(waves: Sequence[str]) -> dict[str, str]:
    """The first wave came from Microsoft Forms, later waves from Qualtrics."""
    return {w: ("microsoft_forms" if i == 0 else "qualtrics") for i, w in enumerate(waves)}


def _reporter(progress: Progress):
    t0 = time.perf_counter()

    def report(message: str) -> None:
        if progress is not None:
            progress(f"[sample {time.perf_counter() - t0:6.1f}s] {message}")

    return report


def _export_shapes(
    waves: tuple[str, ...],
    survey_formats: Mapping[str, str] | None,
    header_languages: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Each wave's export shape and header language (defaults, then the ones asked for)."""
    if not waves:
        raise ValueError("at least one wave")
    if list(waves) != sorted(waves) or len(set(waves)) != len(waves):
        raise ValueError(f"waves must be distinct and in time order, got {waves}")
    formats = default_survey_formats(waves)
    formats.update(survey_formats or {})
    unknown = set(formats.values()) - set(SURVEY_FORMATS)
    if unknown:
        raise ValueError(f"unknown survey formats {sorted(unknown)}; use {SURVEY_FORMATS}")
    headers = {w: ("he" if i == 0 else "en") for i, w in enumerate(waves)}
    headers.update(header_languages or {})
    return formats, headers


def _planted_personas(roster: pd.DataFrame, reference, n_waves: int, seed: int) -> list:
    """Each wave's planted persona per employee: from HR fields at the first wave, then drifting."""
    hire = roster["hire_date"].to_numpy().astype("datetime64[D]")
    age = (int(str(reference)[:4]) - roster["birth_year"].to_numpy()).astype(float)
    tenure = (reference - hire).astype(np.int64) / 365.25
    logits = persona_logits(
        age,
        tenure,
        roster["department"].to_numpy(dtype=object),
        roster["work_pattern"].to_numpy(dtype=object),
        roster["job_level"].to_numpy(dtype=object),
    )
    prng = np.random.default_rng([seed, 3])
    personas = [sample_personas(logits, prng)]
    for _ in range(n_waves - 1):
        personas.append(drift_personas(personas[-1], prng))
    return personas


def _survey_waves(
    roster: pd.DataFrame,
    waves: tuple[str, ...],
    formats: Mapping[str, str],
    personas: list,
    planted: Mapping,
    seed: int,
    report,
) -> tuple[dict, dict]:
    """Each wave's answers and truth; who answered a wave answers the next one more often.

    ``planted``: the :class:`WaveSettings` fields every wave shares.
    """
    hire = roster["hire_date"].to_numpy().astype("datetime64[D]")
    status = roster["employment_status"].to_numpy()
    answers, truth = {}, {}
    previous = None
    for i, wave in enumerate(waves):
        able = (hire < wave_start(wave)) & ((status == "active") | (status == "leave"))
        settings = WaveSettings(
            wave=wave,
            survey_format=formats[wave],
            roster=roster,
            persona=personas[i],
            able=able,
            previous=previous,
            **planted,
        )
        table, wave_truth, responded = simulate_wave(settings, np.random.default_rng([seed, 4, i]))
        answers[wave], truth[wave] = table, wave_truth
        previous = responded & able
        report(f"wave {wave}: {len(table):,} survey rows ({formats[wave]})")
    return answers, truth


def generate_organisation(
    n_employees: int,
    seed: int = 0,
    waves: Sequence[str] = DEFAULT_WAVES,
    codebook: Codebook | None = None,
    *,
    survey_formats: Mapping[str, str] | None = None,
    header_languages: Mapping[str, str] | None = None,
    progress: Progress = None,
) -> SampleOrganisation:
    """Generate a whole organisation in memory.

    ``survey_formats`` maps a wave to ``microsoft_forms``, ``google_forms`` or
    ``qualtrics`` (default: Microsoft Forms for the first wave, Qualtrics later);
    it shapes how unfinished responses look and whether some respondents answer
    with numbers. ``header_languages`` maps a wave to the language of the
    question headers (default: Hebrew for the first wave, English later).
    Deterministic in (``n_employees``, ``seed``, ``waves``, codebook, formats).
    """
    report = _reporter(progress)
    waves = tuple(waves)
    formats, headers = _export_shapes(waves, survey_formats, header_languages)
    starts = [wave_start(w) for w in waves]
    codebook = codebook or load_codebook()
    reference = starts[-1]
    roster, meta = generate_roster(n_employees, seed, reference)
    report(f"roster: {len(roster):,} employees")

    rng = np.random.default_rng([seed, 2])
    constructs, item_construct, shift, reverse = item_structure(codebook, rng)
    profiles = profile_matrix(constructs, rng)
    item_means = np.clip(profiles[:, item_construct] + shift[None, :], 1.2, 4.8)
    offsets = rng.standard_normal((n_employees, len(constructs)), dtype=np.float32) * np.float32(
        OFFSET_SD
    )
    personas = _planted_personas(roster, reference, len(waves), seed)

    answers, truth = _survey_waves(
        roster,
        waves,
        formats,
        personas,
        dict(
            offsets=offsets,
            codebook=codebook,
            item_means=item_means,
            item_construct=item_construct,
            reverse=reverse,
            id_width=meta["id_width"],
            max_id=meta["max_id"],
        ),
        seed,
        report,
    )

    activity, activity_summary = simulate_activity(
        waves=waves, roster=roster, personas=personas, seed=seed
    )
    report(f"activity: {sum(len(a) for a in activity.values()):,} events")
    return SampleOrganisation(
        n_employees=n_employees,
        seed=seed,
        waves=waves,
        codebook=codebook,
        roster=roster[ROSTER_COLUMNS],
        answers=answers,
        truth=truth,
        activity=activity,
        opt_out=simulate_opt_out(roster, seed),
        survey_formats=formats,
        header_languages=headers,
        persona_profiles=pd.DataFrame(profiles, index=list(PERSONA_IDS), columns=constructs),
        activity_summary=activity_summary,
        reference_date=str(reference),
    )


# ------------------------------------------------------------------- writing


def _replace(path: Path, stale: Sequence[Path]) -> Path:
    """Remove other-format twins a previous run left beside ``path``."""
    for other in stale:
        if other != path and other.exists():
            other.unlink()
    return path


def _roster_format(requested: str, rows: int) -> str:
    """xlsx or csv: ``auto`` is xlsx unless the roster exceeds an Excel sheet, as is a too large xlsx."""
    if requested not in ("auto", "xlsx", "csv"):
        raise ValueError("roster_format is auto, xlsx or csv")
    if requested == "auto":
        return "csv" if rows > exports.EXCEL_MAX_DATA_ROWS else "xlsx"
    if requested == "xlsx" and rows > exports.EXCEL_MAX_DATA_ROWS:
        print(f"note: {rows:,} rows exceed an Excel sheet; writing roster.csv", file=sys.stderr)
        return "csv"
    return requested


# Each export shape's writer.
SURVEY_WRITERS = {
    "microsoft_forms": exports.write_microsoft_forms_xlsx,
    "google_forms": exports.write_google_forms_csv,
    "qualtrics": exports.write_qualtrics_csv,
}


def _write_survey(org: SampleOrganisation, wave: str, fmt: str, folder: Path) -> Path:
    """One wave's survey export; a Microsoft Forms wave too large for Excel as Google Forms csv."""
    answers = org.answers[wave]
    if fmt == "microsoft_forms" and len(answers) > exports.EXCEL_MAX_DATA_ROWS:
        print(
            f"note: wave {wave} has {len(answers):,} rows; writing Google Forms csv",
            file=sys.stderr,
        )
        fmt = "google_forms"
    path = _replace(folder / SURVEY_FILE[fmt], [folder / "survey.xlsx", folder / "survey.csv"])
    SURVEY_WRITERS[fmt](
        answers, path, org.codebook, header_language=org.header_languages[wave], missing="mixed"
    )
    return path


def _write_activity(log: pd.DataFrame, path: Path) -> Path:
    exports.write_csv_columns(
        path,
        [["employee_id", "timestamp", "action"]],
        [
            exports._escape_array(log["employee_id"].to_numpy(dtype=object)),
            exports.format_times(log["timestamp"], "%Y-%m-%dT%H:%M:%S"),
            log["action"].to_numpy(dtype=object),
        ],
        escaped=True,
    )
    return path


def write_organisation(
    org: SampleOrganisation,
    out_dir: str | Path,
    *,
    roster_format: str = "auto",
    survey_formats: Mapping[str, str] | None = None,
    progress: Progress = None,
) -> dict[str, Path]:
    """Write the organisation under ``out_dir`` in the contract's layout.

    ``roster_format``: ``xlsx``, ``csv`` or ``auto`` (xlsx unless the roster
    exceeds an Excel sheet). ``survey_formats`` overrides the export shape of a
    wave (default: the formats the organisation was generated for); a Microsoft
    Forms wave too large for Excel is written as Google Forms csv.
    A ``roster.csv`` replaces a stale ``roster.xlsx`` and vice versa (likewise
    ``survey.*``), so the folder never holds two candidates.
    """
    report = _reporter(progress)
    out = Path(out_dir)
    written: dict[str, Path] = {}
    roster_format = _roster_format(roster_format, len(org.roster))
    hr = out / "hr"
    path = _replace(hr / f"roster.{roster_format}", [hr / "roster.xlsx", hr / "roster.csv"])
    written["roster"] = exports.write_roster(org.roster, path)
    report(f"wrote {path}")
    formats = dict(org.survey_formats)
    formats.update(survey_formats or {})
    for wave in org.waves:
        folder = out / "waves" / wave
        written[f"survey/{wave}"] = _write_survey(org, wave, formats[wave], folder)
        report(f"wrote {written[f'survey/{wave}']}")
        written[f"activity/{wave}"] = _write_activity(org.activity[wave], folder / "activity.csv")
        report(f"wrote {written[f'activity/{wave}']}")
    path = out / "campaign" / "opt_out.csv"
    exports.write_csv_columns(
        path, [["employee_id", "email"]], [org.opt_out["employee_id"], org.opt_out["email"]]
    )
    written["opt_out"] = path
    report(f"wrote {path}")
    return written


def write_truth(
    org: SampleOrganisation, path: str | Path, *, forbidden_dir: str | Path | None = None
) -> Path:
    """Write the planted truth: ``.json`` (everything: personas and their profiles,
    per-wave persona of every employee, every export row and its defect, defect
    details, drift, activity summary) or ``.csv`` (one row per wave and person:
    persona, response ids, defects, whether the response is valid)."""
    path = Path(path)
    if forbidden_dir is not None:
        inside = os.path.commonpath([path.resolve(), Path(forbidden_dir).resolve()]) == str(
            Path(forbidden_dir).resolve()
        )
        if inside:
            raise ValueError(f"the truth must not be written inside {forbidden_dir}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        table = org.truth_table()
        columns = [
            np.where(table[c].to_numpy(), "true", "false").astype(object)
            if table[c].dtype == bool
            else table[c].to_numpy(dtype=object)
            for c in table.columns
        ]
        exports.write_csv_columns(path, [list(table.columns)], columns)
    else:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(org.truth_dict(), f, ensure_ascii=False, indent=1, default=_json_default)
            f.write("\n")
    return path


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value)}")


__all__ = [
    "DEFAULT_WAVES",
    "DEFECT_KINDS",
    "SampleOrganisation",
    "default_survey_formats",
    "generate_organisation",
    "load_codebook",
    "write_organisation",
    "write_truth",
]

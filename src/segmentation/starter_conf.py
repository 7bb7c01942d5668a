"""A starter configuration environment from an inspected export: pure functions, text out.

``segmentation inspect`` classifies the columns (:mod:`segmentation.inspection`)
and hands the guesses here; this module turns them into the YAML files of
``conf/<env>/`` with a comment on every guess, and the short summary the
command prints. Nothing here opens a file, so the output is a function of the
export alone: the same export gives byte-identical files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segmentation.codebook import normalise_text
from segmentation.inspection import (
    COMPLETION,
    CONSENT,
    DEMOGRAPHIC,
    EMAIL,
    EMPLOYEE_ID,
    FREE_TEXT,
    MULTI_SELECT,
    MULTI_SELECT_OPTION,
    RATING,
    RESPONDENT_ID,
    SCORED_KINDS,
    SINGLE_CHOICE,
    TIMESTAMP,
    YES_NO,
    ColumnGuess,
    age_band_bounds,
    gender_map,
    guess_constructs,
    guess_role,
    item_ids,
)

LINKED_PREFIX = "linked_"
SINGLE_ROLES = (
    "social_media_use",
    "mobile_use",
    "innovativeness",
    "barriers",
    "gamification_appeal",
)
_SHORT = 70


@dataclass
class Starter:
    """The files of a starter environment (name -> YAML text) and what to tell the user."""

    files: dict[str, str] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)
    anonymous: bool = False


def yaml_value(value: Any) -> str:
    """A value as YAML flow text (JSON is YAML), with OmegaConf's ``${`` escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("${", "\\\\${")


def short(text: str, width: int = _SHORT) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= width else text[: width - 3] + "..."


def _line(indent: int, key: str, value: Any = None, comment: str = "") -> str:
    head = (
        " " * indent
        + (yaml_value(key) if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key) else key)
        + ":"
    )
    if value is not None:
        head += " " + yaml_value(value)
    return head + (f"  # {short(comment, 160)}" if comment else "")


def _scale_of(
    guess: ColumnGuess, ladders: Mapping[str, Sequence[str]]
) -> tuple[str, dict[str, Any], str]:
    """Scale name, its parameters and the note, for a scored column."""
    if guess.kind in (YES_NO, MULTI_SELECT_OPTION):
        return (
            "yes_no",
            {"labels": {"en": list(ladders["yes_no"])}},
            "answers No / Yes, read as 1 / 2",
        )
    if "ladder" in guess.detail:
        name = guess.detail["ladder"]
        return (
            name,
            {"labels": {"en": list(ladders[name])}},
            f"ordered labels, lowest first ({len(ladders[name])} points)",
        )
    low, high = guess.detail["low"], guess.detail["high"]
    return (
        f"numeric_{low}_{high}",
        {"min": low, "max": high},
        f"answers are the numbers {low}-{high}: set min and max to the range your question offered",
    )


def _questionnaire(
    guesses: Sequence[ColumnGuess], vocab: Mapping[str, Any], starter: Starter
) -> tuple[list[str], list[str]]:
    """Lines of ``parameters_questionnaire.yml`` and the constructs (scored) it defines."""
    ladders = vocab["ladders"]
    ids = item_ids(guesses)
    scored = [g for g in guesses if g.kind in SCORED_KINDS and g.position in ids]
    texts = [
        g
        for g in guesses
        if g.kind == FREE_TEXT and g.position in ids and not g.detail.get("write_in")
    ]
    # two columns whose headers fold alike cannot both be found by their header
    seen: set[str] = set()
    kept = []
    for g in [*scored, *texts]:
        key = normalise_text(g.header)
        if key in seen:
            starter.check.append(
                f"column {g.position + 1} ('{short(g.header, 40)}') has the same header as another and is left out"
            )
            continue
        seen.add(key)
        kept.append(g)
    scored = [g for g in scored if g in kept]
    texts = [g for g in texts if g in kept]
    scales: dict[str, tuple[dict[str, Any], str]] = {}
    for g in scored:
        name, spec, note = _scale_of(g, ladders)
        scales.setdefault(name, (spec, note))
    constructs, construct_notes = guess_constructs([ids[g.position] for g in scored])
    item_text = {ids[g.position]: g.header for g in [*scored, *texts]}
    lines = [
        "# Written by `segmentation inspect`. Every line marked `guess` is a guess: check it.",
        "# This questionnaire replaces the standard one whole in this environment.",
        "questionnaire:",
        "  scales:",
    ]
    for name in sorted(scales):
        spec, note = scales[name]
        lines.append(_line(4, name, comment=f"guess: {note}"))
        if "labels" in spec:
            lines.append(_line(6, "labels"))
            lines.append(_line(8, "en", spec["labels"]["en"]))
        else:
            lines.append(_line(6, "min", spec["min"]))
            lines.append(_line(6, "max", spec["max"]))
    missing = [m for m in vocab["missing_answers"]]
    lines += [
        "  # answers that mean 'no answer': never a point of a scale",
        "  missing_labels:",
        _line(4, "en", missing),
    ]
    lines.append("  constructs:")
    for name, members in constructs.items():
        lines.append(_line(4, name, members, f"guess: {construct_notes[name]}"))
    roles = _roles(constructs, item_text, vocab)
    lines.append(
        "  # what each construct is for; a role the survey lacks is left out of the playbook and report"
    )
    lines.append("  roles:")
    if not roles:
        lines[-1] += (
            " {}  # guess: no construct is clearly a need, a channel, social media or mobile use, innovativeness, a barrier or gamification"
        )
    for role, (construct, why) in roles.items():
        lines.append(_line(4, role, construct, f"guess: {why}"))
    lines.append("  items:")
    for g in [*scored, *texts]:
        item = ids[g.position]
        scale = _scale_of(g, ladders)[0] if g in scored else "text"
        lines.append(_line(4, item, comment=f"column {g.position + 1}: {g.note}"))
        lines.append(_line(6, "scale", scale))
        lines.append(_line(6, "en", g.header))
    starter.found.append(
        f"{len(scored)} scored items on {len(scales)} scale(s) ({', '.join(sorted(scales))}), {len(constructs)} constructs, {len(texts)} free-text questions"
    )
    if any("low" in g.detail for g in scored):
        starter.check.append(
            "the numeric range of the rating scale(s): the file shows what was answered, not what was offered"
        )
    return lines, list(constructs)


def _roles(
    constructs: Mapping[str, list[str]], item_text: Mapping[str, str], vocab: Mapping[str, Any]
) -> dict[str, tuple[str, str]]:
    """A construct per role where exactly one construct's words name it."""
    found: dict[str, list[str]] = {}
    for name, members in constructs.items():
        role = guess_role([name, *(item_text[m] for m in members)], vocab["role_words"])
        if role:
            found.setdefault(role, []).append(name)
    return {
        role: (names[0], "its items speak of " + role.replace("_", " "))
        for role, names in found.items()
        if len(names) == 1
    }


def _link(
    guesses: Sequence[ColumnGuess],
    roster_values: Mapping[str, Sequence[str]] | None,
    vocab: Mapping[str, Any],
    starter: Starter,
) -> list[str]:
    """Lines of ``survey.roster_link``: which demographic answers stand for which roster field."""
    lines = []
    for g in guesses:
        if g.kind != DEMOGRAPHIC:
            continue
        field_name = g.detail["roster_field"]
        values = [
            v
            for v in g.detail["values"]
            if normalise_text(v) not in {normalise_text(m) for m in vocab["missing_answers"]}
        ]
        roster = list((roster_values or {}).get(field_name, []))
        entry: list[str] = []
        if field_name == "age":
            if g.detail.get("reads_as") == "bands":
                bands = {v: [age_band_bounds(v)[0], age_band_bounds(v)[1]] for v in values}
                entry = [
                    _line(
                        6,
                        "bands",
                        {
                            k: [int(lo), None if hi == float("inf") else int(hi)]
                            for k, (lo, hi) in bands.items()
                        },
                        "guess: the ages each answer covers, [from, below]; the roster's age falls in one",
                    )
                ]
            else:
                what = (
                    "ages in years"
                    if g.detail.get("reads_as") == "years"
                    else "codes, not age bands"
                )
                starter.check.append(
                    f"'{short(g.header, 40)}' answers {', '.join(values[:6])}: {what}; add `bands` to survey.roster_link.age to type employees on it"
                )
                continue
        elif not roster:
            starter.check.append(
                f"'{short(g.header, 40)}' asks for {field_name}, but the roster has no {field_name} column to match"
            )
            continue
        else:
            if field_name == "gender":
                mapping = gender_map(values, roster, vocab["gender_words"])
                if not mapping and len(values) == 2 and all(v.isdigit() for v in values):
                    male, female = (
                        gender_map(["male", "female"], roster, vocab["gender_words"]).get(k)
                        for k in ("male", "female")
                    )
                    if male and female:
                        mapping = {values[0]: male, values[1]: female}
                        starter.check.append(
                            f"gender codes {values[0]}/{values[1]} are read as male/female: check the survey's codebook"
                        )
            else:
                by_fold = {normalise_text(r): r for r in roster}
                mapping = {
                    v: by_fold[normalise_text(v)] for v in values if normalise_text(v) in by_fold
                }
            if not mapping:
                starter.check.append(
                    f"'{short(g.header, 40)}' answers ({', '.join(values[:5])}) match no {field_name} in the roster; not linked"
                )
                continue
            entry = [
                _line(
                    6,
                    "values",
                    mapping,
                    f"guess: survey answer -> roster {field_name}; other answers are not typed on",
                )
            ]
        lines.append(_line(4, field_name, comment=f"column {g.position + 1}: {g.note}"))
        lines.append(_line(6, "column", [g.header]))
        lines += entry
    return lines


def _shape(
    guesses: Sequence[ColumnGuess], env: str, scored_headers: list[str]
) -> tuple[str, list[str]]:
    """A new export shape named after the environment, detected by a few of its headers."""

    def headers(kind: str) -> list[str]:
        return [g.header for g in guesses if g.kind == kind][:1]

    detect = [[h] for h in [*headers(RESPONDENT_ID), *headers(TIMESTAMP)]] + [
        [h] for h in scored_headers[:2]
    ]
    name = re.sub(r"\W+", "_", env).strip("_").lower() + "_export"
    return name, [
        _line(4, name, comment="guess: a new export shape, recognised by the headers under detect"),
        _line(6, "detect", detect),
        _line(6, "respondent_id", headers(EMPLOYEE_ID)),
        _line(6, "email", headers(EMAIL)),
        _line(6, "submitted_at", headers(TIMESTAMP)),
        _line(6, "dayfirst", False, "guess: dates are month/day when written with slashes"),
    ]


def starter_environment(
    env: str,
    source: str,
    guesses: Sequence[ColumnGuess],
    known_shape: str | None,
    vocab: Mapping[str, Any],
    roster_values: Mapping[str, Sequence[str]] | None = None,
    survey_path: str | None = None,
) -> Starter:
    """The files of ``conf/<env>/`` for the inspected export, and the summary lines.

    ``known_shape`` is the export shape the project already recognises (None:
    a shape is written); ``roster_values`` holds the roster's values of the
    fields a demographic question can be matched to; ``survey_path`` is set
    when the export does not sit where the catalog reads a wave's survey.
    """
    starter = Starter()
    kinds = {g.kind for g in guesses}
    starter.anonymous = not ({EMPLOYEE_ID, EMAIL} & kinds)
    questionnaire, constructs = _questionnaire(guesses, vocab, starter)
    starter.files["parameters_questionnaire.yml"] = "\n".join(questionnaire) + "\n"

    ingestion = ["# Written by `segmentation inspect`: how the export is read.", "survey:"]
    scored_headers = [g.header for g in guesses if g.kind in SCORED_KINDS]
    if known_shape is None:
        shape_name, shape_lines = _shape(guesses, env, scored_headers)
        ingestion += ["  shapes:", *shape_lines]
        starter.found.append(f"export shape: new, written as survey.shapes.{shape_name}")
    else:
        starter.found.append(f"export shape: {known_shape}")
    consent = [g for g in guesses if g.kind == CONSENT]
    if consent:
        ingestion.append(
            _line(
                2,
                "consent_column",
                [consent[0].header],
                f"guess: column {consent[0].position + 1} asks for consent; only '{', '.join(vocab['yes_words'])}' answers are used",
            )
        )
        ingestion.append(_line(2, "consent_yes", list(vocab["yes_words"])))
        starter.found.append(f"consent: column {consent[0].position + 1}")
    else:
        ingestion.append(_line(2, "consent_column", [], "no consent question found"))
    link = _link(guesses, roster_values, vocab, starter)
    linked = [line.split(":")[0].strip() for line in link if re.match(r"^    [A-Za-z_]+:", line)]
    if starter.anonymous:
        ingestion.append(
            "  # The export names nobody: employees are typed on these answers, matched to the roster's fields."
        )
        ingestion.append("  roster_link:" + ("" if link else " {}"))
        ingestion += link
        starter.found.append(
            "respondents: anonymous (no employee id or email); employees typed on "
            + (", ".join(linked) if linked else "nothing the roster holds")
        )
        if not linked:
            starter.check.append(
                "no demographic question matches the roster: personas come from the answers, but no employee can be placed on a list"
            )
    else:
        key = next(g for g in guesses if g.kind in (EMPLOYEE_ID, EMAIL))
        starter.found.append(
            f"respondents: named by column {key.position + 1} ('{short(key.header, 40)}')"
        )
    completion = [g for g in guesses if g.kind == COMPLETION]
    if completion:
        starter.found.append(
            f"completion: column {completion[0].position + 1} ('{short(completion[0].header, 40)}')"
        )
    starter.files["parameters_ingestion.yml"] = "\n".join(ingestion) + "\n"

    personas = [
        "# Written by `segmentation inspect`: personas are formed from every construct of the questionnaire.",
        "personas:",
        _line(
            2,
            "basis",
            constructs,
            "guess: every construct; drop the ones that should only describe personas",
        ),
    ]
    if starter.anonymous:
        features = [f"{LINKED_PREFIX}{f}" for f in linked]
        personas += [
            "  # An anonymous survey carries no HR fields: personas come from the answers alone,",
            "  # are described by the demographics the survey asked, and employees are typed on them.",
            "  model:",
            "    covariates:",
            _line(6, "categorical", []),
            _line(6, "numeric", []),
            "  profiles:",
            _line(4, "hr_numeric", []),
            _line(4, "demographics", features),
            "  typing:",
            _line(
                4,
                "categorical",
                features,
                "the roster fields the survey's demographics were matched to",
            ),
            _line(4, "numeric", []),
            _line(
                4,
                "min_confidence",
                0.0,
                "guess: few fields to type on, so everyone goes to their most likely persona; the report states how often that is right",
            ),
        ]
    starter.files["parameters_personas.yml"] = "\n".join(personas) + "\n"
    if starter.anonymous:
        starter.files["parameters_report.yml"] = (
            "\n".join(
                [
                    "# Written by `segmentation inspect`: an anonymous survey's respondents have no HR fields,",
                    "# so persona cards show no demographic mix of the roster's fields.",
                    "report:",
                    "  personas:",
                    _line(4, "demographics", []),
                ]
            )
            + "\n"
        )
    if survey_path is not None:
        starter.files["catalog.yml"] = (
            "\n".join(
                [
                    "# Written by `segmentation inspect`: the survey it read. For the next wave, put each wave's",
                    "# export at data/01_raw/waves/<wave>/survey.csv (or .xlsx) and delete this entry.",
                    "survey_raw:",
                    "  type: segmentation.datasets.TabularExportDataset",
                    _line(2, "filepath", survey_path),
                    "  role: survey",
                ]
            )
            + "\n"
        )
    unused = [g for g in guesses if g.kind in (SINGLE_CHOICE, MULTI_SELECT)]
    if unused:
        starter.check.append(
            f"{len(unused)} choice question(s) are not scored (columns {', '.join(str(g.position + 1) for g in unused[:8])}"
            + (", ..." if len(unused) > 8 else "")
            + ")"
        )
    rating = sum(g.kind == RATING for g in guesses)
    yes_no = sum(g.kind in (YES_NO, MULTI_SELECT_OPTION) for g in guesses)
    starter.found.insert(
        0,
        f"{source}: {len(guesses)} columns: {rating} rating, {yes_no} yes/no, "
        f"{sum(g.kind == FREE_TEXT for g in guesses)} free text, {len(unused)} choice, "
        f"{sum(g.kind == DEMOGRAPHIC for g in guesses)} demographic",
    )
    starter.check.append("constructs and roles in parameters_questionnaire.yml (marked `guess`)")
    return starter


def column_table(guesses: Sequence[ColumnGuess]) -> list[str]:
    """One line per column: number, kind, header, why."""
    return [
        f"{g.position + 1:>4}  {g.kind:<20} {short(g.header, 50):<50}  {g.note}" for g in guesses
    ]

"""Activity on the internal social network, and the campaign opt-out list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.sample.personas import PERSONA_IDS
from segmentation.sample.roster import frame
from segmentation.sample.survey import wave_end

ACTIONS = np.array(["visit", "post", "comment", "reaction", "join_group"], dtype=object)
WINDOW_DAYS = 56  # the eight weeks ending on the wave's month end
# share of all employees with any activity: a pilot first, wider adoption later
ADOPTION_TARGETS = (0.15, 0.45, 0.55, 0.62)
RETENTION = 0.85  # adopters of the previous wave still active
# per persona (PERSONA_IDS order)
ADOPTION_FACTOR = np.array([1.7, 0.4, 1.0, 0.85, 1.25])
EVENTS_FACTOR = np.array([1.6, 0.6, 1.0, 0.9, 1.3])
ACTION_MIX = np.array(
    [
        # visit post  comment reaction join
        [0.50, 0.12, 0.14, 0.19, 0.05],
        [0.80, 0.02, 0.05, 0.10, 0.03],
        [0.62, 0.06, 0.14, 0.14, 0.04],
        [0.66, 0.04, 0.08, 0.19, 0.03],
        [0.52, 0.10, 0.12, 0.22, 0.04],
    ]
)
MEAN_EVENTS = (7.0, 9.0)  # per adopter in the window: pilot, later waves (sampled, not every visit)
PILOT_UNITS = 5


def _unit_factors(rng, org_unit: np.ndarray, wave_index: int, pilot: set[str]) -> np.ndarray:
    codes, units = pd.factorize(org_unit, sort=True)
    if wave_index == 0:
        factor = np.array([3.0 if u in pilot else 0.35 for u in units])
    else:
        spread = np.exp(rng.normal(0.0, 0.35, size=len(units)))
        factor = np.array(
            [f * (1.3 if u in pilot else 1.0) for u, f in zip(units, spread, strict=True)]
        )
    return factor[codes]


def _adopters(rng, w: int, can: np.ndarray, weight: np.ndarray, adopted_before: np.ndarray):
    """Who is active in wave ``w``: most earlier adopters stay, new ones join by ``weight``
    until the wave's target share; returns everyone active and those carried over."""
    n = len(can)
    target = ADOPTION_TARGETS[min(w, len(ADOPTION_TARGETS) - 1)] * n
    kept = adopted_before & can & (rng.random(n) < RETENTION)
    fresh_pool = can & ~kept
    need = max(target - kept.sum(), 0.0)
    scale = need / max(weight[fresh_pool].sum(), 1e-9)
    fresh = fresh_pool & (rng.random(n) < np.clip(weight * scale, 0, 0.97))
    return kept | fresh, kept


def _event_days(
    rng, idx, kept, hire, first, mean_events
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each event's person (a position in ``idx``), day in the window and whether it is the
    person's first (carried-over adopters are active from the window's start)."""
    earliest = np.maximum((hire[idx] - first).astype(np.int64), 0)
    start_day = np.where(
        kept[idx],
        earliest,
        earliest + (rng.random(len(idx)) * (WINDOW_DAYS - earliest)).astype(np.int64),
    )
    start_day = np.minimum(start_day, WINDOW_DAYS - 1)
    n_events = 1 + rng.poisson(
        np.maximum(mean_events - 1, 0.1) * (WINDOW_DAYS - start_day) / WINDOW_DAYS
    )
    who = np.repeat(np.arange(len(idx)), n_events)
    first_event = np.zeros(len(who), dtype=bool)
    if len(idx):
        first_event[np.concatenate([[0], np.cumsum(n_events)[:-1]])] = True
    span = WINDOW_DAYS - start_day[who]
    day = start_day[who] + np.where(first_event, 0, (rng.random(len(who)) * span).astype(np.int64))
    return who, day, first_event


def _event_times(rng, first, end, day: np.ndarray) -> np.ndarray:
    """Timestamps of events on ``day``: most weekend events moved to Sunday, office hours mostly."""
    m = len(day)
    date = first + day
    weekday = (date.view("int64") - 4) % 7  # 0 = Monday
    weekend = (weekday == 4) | (weekday == 5)
    # weekend events are rarer: move most of them to the next Sunday
    move = weekend & (rng.random(m) < 0.7)
    date = np.where(move, date + np.where(weekday == 4, 2, 1), date)
    date = np.minimum(date, end)
    minute = rng.normal(np.where(rng.random(m) < 0.6, 630, 900), 150)
    outside = (minute < 330) | (minute > 1430)  # redraw the tails, no pile-up at the bounds
    minute = np.where(outside, rng.uniform(420, 1320, m), minute).astype(np.int64)
    return date.astype("datetime64[s]") + (minute * 60).astype("timedelta64[s]")


def simulate_activity(
    *,
    waves: tuple[str, ...],
    roster: pd.DataFrame,
    personas: list[np.ndarray],
    seed: int,
) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """Per wave an activity log (employee_id, timestamp, action) and a summary."""
    rng = np.random.default_rng([seed, 5])
    n = len(roster)
    org_unit = roster["org_unit"].to_numpy(dtype=object)
    status = roster["employment_status"].to_numpy()
    hire = roster["hire_date"].to_numpy().astype("datetime64[D]")
    employee_id = roster["employee_id"].to_numpy(dtype=object)
    units = np.array(sorted(pd.unique(org_unit)), dtype=object)
    pilot = set(rng.choice(units, size=min(PILOT_UNITS, len(units)), replace=False).tolist())
    logs, summary = {}, {}
    adopted_before = np.zeros(n, dtype=bool)
    for w, wave in enumerate(waves):
        end = wave_end(wave)
        first = end - (WINDOW_DAYS - 1)
        persona = personas[w]
        can = (hire <= end) & (status != "terminated")
        weight = ADOPTION_FACTOR[persona] * _unit_factors(rng, org_unit, w, pilot)
        weight *= np.where(status == "leave", 0.2, 1.0)
        adopted, kept = _adopters(rng, w, can, np.where(can, weight, 0.0), adopted_before)
        idx = np.flatnonzero(adopted)
        mean_events = MEAN_EVENTS[min(w, 1)] * EVENTS_FACTOR[persona[idx]]
        who, day, first_event = _event_days(rng, idx, kept, hire, first, mean_events)
        ts = _event_times(rng, first, end, day)
        cum = np.cumsum(ACTION_MIX, axis=1)
        action = (rng.random(len(who))[:, None] > cum[persona[idx][who]]).sum(axis=1)
        action = np.where(first_event, 0, np.minimum(action, len(ACTIONS) - 1))
        row = idx[who]  # roster order is employee_id order
        order = np.lexsort((action, row, ts))
        logs[wave] = frame(
            {
                "employee_id": employee_id[row[order]],
                "timestamp": ts[order],
                "action": ACTIONS[action[order]],
            }
        )
        summary[wave] = {
            "window": [str(first), str(end)],
            "events": int(len(logs[wave])),
            "active_employees": int(len(idx)),
            "active_share": round(len(idx) / n, 4),
            "pilot_org_units": sorted(pilot) if w == 0 else [],
            "active_share_by_persona": {
                pid: round(float(adopted[persona == p].mean()), 3) if (persona == p).any() else 0.0
                for p, pid in enumerate(PERSONA_IDS)
            },
        }
        adopted_before = adopted
    return logs, summary


def simulate_opt_out(roster: pd.DataFrame, seed: int, share: float = 0.01) -> pd.DataFrame:
    """About 1% of employees; each row gives either the employee id or the e-mail
    (some e-mails in upper case)."""
    rng = np.random.default_rng([seed, 6])
    n = len(roster)
    k = max(1, int(round(n * share)))
    pick = np.sort(rng.choice(n, size=min(k, n), replace=False))
    pick = pick[rng.permutation(len(pick))]  # as collected, not in id order
    by_id = rng.random(len(pick)) < 0.55
    email = roster["email"].to_numpy(dtype=object)[pick]
    upper = rng.random(len(pick)) < 0.3
    email = np.array(
        [e.upper() if u else e for e, u in zip(email, upper, strict=True)], dtype=object
    )
    return frame(
        {
            "employee_id": np.where(
                by_id, roster["employee_id"].to_numpy(dtype=object)[pick], ""
            ).astype(object),
            "email": np.where(by_id, "", email).astype(object),
        }
    )

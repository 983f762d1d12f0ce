"""A seeded, synthetic national microdata set (SYNTHETIC: no real person is in it).

Reference year 2018 is calibrated so that the national counts per group per moment, rounded to
tens, equal the report's Table 2.1 (bundled as ``data/tabel_2_1.csv``). Other years (2015–2021)
follow plausible trends. Structure:

- persons spread over the 355 municipalities of 2020: the big cities large, a heavy tail;
- characteristics drawn jointly (single parents mostly women, more non-western background in
  cities, singles older, ...);
- labour-market-relevant covariates (education, Dutch language level, months on benefit,
  recent work experience) that are correlated with the characteristics and affect the
  outcomes, so they explain part of the gaps — and direct effects of the characteristics
  explain the rest;
- regional variation (random per AMR and municipality) and planted deviations
  (`PLANTED_EFFECTS`) so there is something to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from kansenspiegel.codes import CHARACTERISTICS, PROVISION_TYPES, TABLE_2_1_CHARACTERISTICS, UNKNOWN
from kansenspiegel.geography import municipalities

SEED = 2018
YEARS = tuple(range(2015, 2022))
CALIBRATED_YEAR = 2018
#: People on bijstand per year relative to 2018 (2015–2017 growth with refugees; 2020 COVID).
YEAR_SIZE = {2015: 0.955, 2016: 0.985, 2017: 1.0, 2018: 1.0, 2019: 0.975, 2020: 0.99, 2021: 0.965}
#: Shifts on the log-odds of each outcome per year (economy: better to 2019, dip in 2020).
YEAR_SHIFT = {
    "provision": {2015: -0.10, 2016: -0.05, 2017: -0.02, 2018: 0.0, 2019: 0.02, 2020: -0.20, 2021: -0.05},
    "employed": {2015: -0.25, 2016: -0.15, 2017: -0.05, 2018: 0.0, 2019: 0.05, 2020: -0.30, 2021: -0.05},
    "sustained": {2015: -0.10, 2016: -0.05, 2017: 0.0, 2018: 0.0, 2019: 0.03, 2020: -0.25, 2021: -0.05},
}
#: Share of unknown values in registration, per year (2018 has none, like Table 2.1).
UNKNOWN_SHARE = {"gender": {2015: 0.0002}, "age_band": {2015: 0.0003}, "migration_background": {2015: 0.004, 2016: 0.002, 2017: 0.001}}

BIG_CITIES = {  # share of the national bijstand population, roughly as in CBS statistics
    "GM0363": 0.080,
    "GM0599": 0.078,
    "GM0518": 0.052,
    "GM0344": 0.022,
    "GM0772": 0.012,
    "GM0014": 0.013,
    "GM0855": 0.012,
    "GM0034": 0.012,
    "GM0758": 0.009,
    "GM0268": 0.011,
    "GM0153": 0.011,
    "GM0202": 0.011,
    "GM0392": 0.008,
    "GM0935": 0.009,
    "GM0479": 0.008,
    "GM0546": 0.006,
    "GM0917": 0.008,
    "GM0193": 0.006,
    "GM0200": 0.008,
    "GM0505": 0.007,
    "GM0080": 0.008,
    "GM0114": 0.006,
    "GM0606": 0.004,
    "GM0622": 0.003,
}


@dataclass(frozen=True)
class Effect:
    """A planted deviation: log-odds shift of ``moment`` for ``group`` in ``geography``."""

    geography: str
    moment: str
    group: dict[str, str]
    shift: float

    def describe(self) -> str:
        who = " & ".join(f"{k}={v}" for k, v in self.group.items())
        return f"{self.geography}: {self.moment} for {who} {self.shift:+.1f} log-odds"


PLANTED_EFFECTS: tuple[Effect, ...] = (
    Effect("AM05", "employed", {"gender": "female"}, -0.7),
    Effect("AM30", "provision", {"age_band": "45_to_aow"}, -0.8),
    Effect("AM18", "provision", {"age_band": "up_to_26"}, 0.6),
    Effect("GM0268", "provision", {"household_type": "single_parent"}, -1.0),
    Effect("GM0202", "employed", {"migration_background": "non_western", "age_band": "45_to_aow"}, -1.0),
    Effect("AM22", "sustained", {"migration_background": "western"}, -0.8),
)

_HH = ("single_parent", "single_person", "couple", "other")
_AGE = ("up_to_26", "27_to_44", "45_to_aow")
_MIG = ("non_western", "western", "dutch")
_GEN = ("female", "male")


def seed_table() -> pd.DataFrame:
    """The report's Table 2.1 (the calibration target of 2018)."""
    with (resources.files("kansenspiegel.demo") / "data" / "tabel_2_1.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh)


def exact_targets() -> dict[str, dict[str, dict[str, int]]]:
    """Exact 2018 counts per moment, characteristic and group: each rounds to the seed table's
    count, and within a moment every characteristic sums to the same total."""
    table = seed_table()
    label_to_code = {name: {CHARACTERISTICS[name].groups[c].nl: c for c in CHARACTERISTICS[name].known_codes} for name in TABLE_2_1_CHARACTERISTICS}
    reported_total = {"population": 496_780, "provision": 237_590, "employed": 101_640, "sustained": 71_960}
    out: dict[str, dict[str, dict[str, int]]] = {}
    for moment, wanted in reported_total.items():
        groups = {
            name: {
                label_to_code[name][r.group]: int(getattr(r, moment))
                for r in table[table.characteristic == name].itertuples()
                if r.group in label_to_code[name]
            }
            for name in TABLE_2_1_CHARACTERISTICS
        }
        # a value v rounds (half up) to r when r - 5 <= v <= r + 4
        lows = [sum(g.values()) - 5 * len(g) for g in groups.values()]
        highs = [sum(g.values()) + 4 * len(g) for g in groups.values()]
        low, high = max(lows), min(highs)
        if low > high:
            raise ValueError(f"no exact total fits every rounded count of {moment}")
        total = min(max(wanted, low), high)
        out[moment] = {}
        for name, g in groups.items():
            diff = total - sum(g.values())
            codes = list(g)
            exact = dict(g)
            step = 1 if diff > 0 else -1
            i = 0
            while diff != 0:  # spread the difference one at a time, staying within rounding
                c = codes[i % len(codes)]
                if -5 <= exact[c] + step - g[c] <= 4:
                    exact[c] += step
                    diff -= step
                i += 1
            out[moment][name] = exact
    return out


def _municipality_frame(rng: np.random.Generator) -> pd.DataFrame:
    gm = municipalities()[["gm_code", "amr_code"]].copy()
    tail = rng.lognormal(mean=0.0, sigma=0.9, size=len(gm))
    big = gm.gm_code.map(BIG_CITIES)
    rest_share = 1.0 - sum(BIG_CITIES.values())
    small = ~big.notna()
    weight = np.where(small, tail / tail[small.to_numpy()].sum() * rest_share, big.fillna(0).to_numpy())
    gm["weight"] = weight / weight.sum()
    gm["urban"] = np.clip(np.log(gm["weight"] * 2000) / np.log(2000 * 0.08), 0, 1)
    amr_codes = sorted(gm.amr_code.unique())
    amr_effect = {m: dict(zip(amr_codes, rng.normal(0, s, len(amr_codes)))) for m, s in (("provision", 0.2), ("employed", 0.15), ("sustained", 0.1))}
    for m in ("provision", "employed", "sustained"):
        gm[f"re_{m}"] = gm.amr_code.map(amr_effect[m]) + rng.normal(0, 0.12, len(gm))
    return gm


def _cell_probabilities(urban: float) -> np.ndarray:
    """Joint distribution of (migration, household, gender, age) for a municipality."""
    p_mig = np.array([0.18 + 0.5 * urban, 0.10, 0.0])
    p_mig[2] = 1 - p_mig[:2].sum()
    p_hh = {"non_western": (0.24, 0.30, 0.41, 0.05), "western": (0.20, 0.43, 0.31, 0.06), "dutch": (0.17, 0.53, 0.24, 0.06)}
    p_f = {"single_parent": 0.90, "single_person": 0.42, "couple": 0.50, "other": 0.45}
    p_age = {"single_parent": (0.14, 0.58, 0.28), "single_person": (0.11, 0.30, 0.59), "couple": (0.05, 0.33, 0.62), "other": (0.20, 0.30, 0.50)}
    cells = []
    for (mi, m), (hi, h), (_gi, g), (ai, _a) in product(enumerate(_MIG), enumerate(_HH), enumerate(_GEN), enumerate(_AGE)):
        pg = p_f[h] if g == "female" else 1 - p_f[h]
        cells.append(p_mig[mi] * p_hh[m][hi] * pg * p_age[h][ai])
    return np.array(cells)


_CELLS = list(product(_MIG, _HH, _GEN, _AGE))


def _calibrate_cells(gm: pd.DataFrame, targets: dict[str, dict[str, int]]) -> np.ndarray:
    """Per-cell factors (IPF) so that the expected national marginals equal the targets."""
    base = np.array([w * _cell_probabilities(u) for w, u in zip(gm.weight, gm.urban)])  # municipality x cell
    total = sum(targets["gender"].values())
    factor = np.ones(len(_CELLS))
    index = {name: np.array([c[pos] for c in _CELLS]) for name, pos in (("migration_background", 0), ("household_type", 1), ("gender", 2), ("age_band", 3))}
    for _ in range(50):
        for name, codes in index.items():
            p = (base * factor).sum(axis=0)
            p = p / p.sum() * total
            for code, want in targets[name].items():
                sel = codes == code
                factor[sel] *= want / p[sel].sum()
    return factor


def _force_marginal(values: np.ndarray, targets: dict[str, int], rng: np.random.Generator) -> None:
    """Reassign as few random people as needed so that the counts equal ``targets`` exactly."""
    codes, counts = np.unique(values, return_counts=True)
    have = dict(zip(codes, counts))
    excess, deficit = [], []
    for code, want in targets.items():
        d = have.get(code, 0) - want
        if d > 0:
            excess.append(rng.choice(np.flatnonzero(values == code), size=d, replace=False))
        elif d < 0:
            deficit.extend([code] * (-d))
    if excess:
        movers = np.concatenate(excess)
        values[movers] = rng.permutation(np.array(deficit, dtype=object))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _calibrate_offsets(logit: np.ndarray, gi: dict[str, np.ndarray], targets: dict[str, dict[str, int]]) -> dict[str, np.ndarray]:
    """Per-group log-odds offsets (raking) so that expected counts per group equal the targets.

    ``gi[name]`` holds each person's group as an index into ``targets[name]``."""
    offsets = {name: np.zeros(len(want)) for name, want in targets.items()}
    lo = logit.copy()
    for _ in range(30):
        for name, want in targets.items():
            p = _expit(lo)
            k = len(want)
            expected = np.bincount(gi[name], weights=p, minlength=k)
            variance = np.bincount(gi[name], weights=p * (1 - p), minlength=k)
            step = (np.array(list(want.values())) - expected) / np.maximum(variance, 1e-9)
            lo += step[gi[name]]
            offsets[name] += step
    return offsets


def _apply_offsets(gi: dict[str, np.ndarray], offsets: dict[str, np.ndarray]) -> np.ndarray:
    return sum((offsets[name][gi[name]] for name in offsets), np.zeros(len(next(iter(gi.values())))))


def _fix_counts(y: np.ndarray, eligible: np.ndarray, gi: dict[str, np.ndarray], targets: dict[str, dict[str, int]], rng: np.random.Generator) -> None:
    """Flip a few outcomes until every group's count rounds (to tens) to the seed table's:
    greedy moves towards the exact targets, people chosen where they help most groups."""
    names = list(targets)
    want = {n: np.array(list(targets[n].values())) for n in names}
    rounded = {n: (want[n] + 5) // 10 * 10 for n in names}
    noise = rng.random(len(y)) * 1e-3
    for _ in range(5000):
        have = {n: np.bincount(gi[n][y & eligible], minlength=len(want[n])) for n in names}
        if all(np.all((have[n] + 5) // 10 * 10 == rounded[n]) for n in names):
            return
        d = {n: want[n] - have[n] for n in names}
        score = sum(d[n][gi[n]] for n in names) + noise
        net = round(float(np.mean([d[n].sum() for n in names])))
        k = max(1, max(int(np.abs(d[n]).max()) for n in names) // 4)
        up, down = np.flatnonzero(eligible & ~y), np.flatnonzero(eligible & y)
        n_up = min(k, net) if net > 0 else (k if net == 0 else 0)
        n_down = min(k, -net) if net < 0 else (k if net == 0 else 0)
        if n_up:
            y[up[np.argpartition(-score[up], n_up)[:n_up]]] = True
        if n_down:
            y[down[np.argpartition(score[down], n_down)[:n_down]]] = False
    raise RuntimeError("demo calibration did not converge")


def _year(
    year: int,
    gm: pd.DataFrame,
    cell_factor: np.ndarray,
    targets: dict[str, dict[str, dict[str, int]]] | None,
    offsets: dict[str, dict[str, np.ndarray]] | None,
    rng: np.random.Generator,
    n_total: int,
    effects: tuple[Effect, ...] = PLANTED_EFFECTS,
) -> tuple[pd.DataFrame, dict[str, dict[str, np.ndarray]]]:
    n_per_gm = rng.multinomial(n_total, gm.weight.to_numpy())
    gm_idx = np.repeat(np.arange(len(gm)), n_per_gm)
    tilt = np.ones(len(_CELLS))
    if year != CALIBRATED_YEAR:  # composition trends: more non-western and older people over time
        tilt *= np.array([1 + 0.03 * (year - CALIBRATED_YEAR) if c[0] == "non_western" else 1 for c in _CELLS])
        tilt *= np.array([1 + 0.01 * (year - CALIBRATED_YEAR) if c[3] == "45_to_aow" else 1 for c in _CELLS])
    cell = np.empty(n_total, dtype=np.int64)
    start = 0
    for _i, (n, u) in enumerate(zip(n_per_gm, gm.urban)):  # one draw per municipality
        p = _cell_probabilities(u) * cell_factor * tilt
        cell[start : start + n] = rng.choice(len(_CELLS), size=n, p=p / p.sum())
        start += n
    cells = np.array(_CELLS, dtype=object)[cell]
    g = {
        "migration_background": cells[:, 0].copy(),
        "household_type": cells[:, 1].copy(),
        "gender": cells[:, 2].copy(),
        "age_band": cells[:, 3].copy(),
    }
    if targets is not None:
        for name in ("migration_background", "household_type", "gender", "age_band"):
            _force_marginal(g[name], targets["population"][name], rng)
    young, old = g["age_band"] == "up_to_26", g["age_band"] == "45_to_aow"
    nonwest, west, dutch = (g["migration_background"] == v for v in _MIG)
    female = g["gender"] == "female"
    tgr = rng.random(n_total) < 0.03 + 0.05 * young + 0.02 * dutch
    g["target_group_register"] = np.where(tgr, "yes", "no").astype(object)

    # labour-market-relevant covariates, correlated with the characteristics
    u = rng.random(n_total)
    p_low = 0.38 + 0.17 * nonwest + 0.10 * old - 0.08 * young
    education = np.where(u < p_low, "low", np.where(u < p_low + 0.14 - 0.04 * nonwest, "high", "medium"))
    language = np.where(rng.random(n_total) < 0.02 + 0.38 * nonwest + 0.13 * west + 0.1 * (nonwest & old) + 0.1 * (nonwest & female), "below_b1", "b1_or_above")
    months = np.minimum(rng.gamma(1.3, 22 + 30 * old + 8 * female - 12 * young), 480).astype(np.int64)
    recent_work = rng.random(n_total) < 0.46 - 0.15 * old + 0.08 * young - 0.12 * female - 0.002 * np.minimum(months, 60)

    sp = g["household_type"] == "single_parent"
    mid = g["age_band"] == "27_to_44"
    low, high = education == "low", education == "high"
    below_b1 = language == "below_b1"
    geo_effect = {m: gm[f"re_{m}"].to_numpy()[gm_idx] for m in ("provision", "employed", "sustained")}
    gm_code = gm.gm_code.to_numpy()[gm_idx]
    amr_code = gm.amr_code.to_numpy()[gm_idx]
    planted = {m: np.zeros(n_total) for m in ("provision", "employed", "sustained")}
    for eff in effects:
        sel = (gm_code == eff.geography) | (amr_code == eff.geography)
        for k, v in eff.group.items():
            sel &= g[k] == v
        planted[eff.moment] += eff.shift * sel

    logits = {
        "provision": -0.5
        - 0.15 * female
        + 0.35 * young
        + 0.25 * mid
        + 0.2 * nonwest
        - 0.05 * west
        + 0.1 * sp
        + 0.6 * tgr
        + 0.3 * below_b1
        + 0.1 * low
        - 0.004 * months,
    }
    order = {"gender": _GEN, "age_band": _AGE, "migration_background": _MIG, "household_type": _HH}
    gi = {k: pd.Series(g[k]).map({c: i for i, c in enumerate(order[k])}).to_numpy(dtype=np.int64) for k in TABLE_2_1_CHARACTERISTICS}
    new_offsets: dict[str, dict[str, np.ndarray]] = {}

    def outcome(moment: str, base: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        lo = base + geo_effect[moment] + planted[moment] + YEAR_SHIFT[moment][year]
        if targets is not None:
            want = {k: {c: targets[moment][k][c] for c in order[k]} for k in TABLE_2_1_CHARACTERISTICS}
            new_offsets[moment] = _calibrate_offsets(np.where(eligible, lo, -50.0), gi, want)
            lo = lo + _apply_offsets(gi, new_offsets[moment])
        else:
            assert offsets is not None
            lo = lo + _apply_offsets(gi, offsets[moment])
        y = (rng.random(n_total) < _expit(lo)) & eligible
        if targets is not None:
            _fix_counts(y, eligible, gi, want, rng)
        return y

    everyone = np.ones(n_total, dtype=bool)
    provision = outcome("provision", logits["provision"], everyone)
    employed = outcome(
        "employed",
        -1.6
        - 0.45 * female
        + 0.9 * young
        + 0.55 * mid
        + 0.05 * nonwest
        - 0.05 * west
        - 0.1 * sp
        - 0.3 * tgr
        + 0.4 * high
        - 0.3 * low
        - 0.5 * below_b1
        - 0.01 * months
        + 0.7 * recent_work
        + 0.3 * provision,
        everyone,
    )
    sustained = outcome(
        "sustained",
        0.9 + 0.05 * female - 0.3 * young + 0.1 * mid + 0.3 * recent_work + 0.2 * high - 0.005 * months + 0.2 * provision,
        employed,
    )

    frame = pd.DataFrame(
        {
            "person_key": pd.Series(np.arange(n_total)).astype(str).radd(f"D{year}-"),
            "year": np.full(n_total, year, dtype=np.int32),
            "municipality": gm_code,
            **{k: g[k] for k in ("gender", "age_band", "migration_background", "household_type", "target_group_register")},
            "provision": provision,
        }
    )
    tg = rng.random((n_total, len(PROVISION_TYPES)))
    shares = np.array([0.35, 0.2, 0.08, 0.02, 0.35, 0.2])
    # who gets which provision (report 4.2.2: special provisions go to selected groups): wage
    # cost subsidy mostly to the target-group register; fewer work placements for women, less
    # training for 45+; planted: in Nijmegen, a job coach far less often for a non-western background
    tilt = np.outer(tgr, [0.1, 0.05, 0.3, 0.1, 0.0, 0.0]) + np.outer(female, [0.0, -0.07, 0.0, 0.0, 0.0, 0.0]) + np.outer(old, [0.0, 0.0, 0.0, 0.0, -0.15, 0.0])
    tilt += np.outer(nonwest & (gm_code == "GM0268"), [-0.28, 0.0, 0.0, 0.0, 0.0, 0.0])
    types = (tg < shares + tilt) & provision[:, None]
    none = provision & ~types.any(axis=1)
    types[none, -1] = True
    extra = np.random.default_rng([SEED, year, 12])  # draws of their own: the other columns stay as they were
    # registration of the type is incomplete in some municipalities (report: "niet altijd valide")
    completeness = 0.55 + 0.45 * np.random.default_rng([SEED, 13]).random(len(gm)) ** 0.3
    untyped = provision & (extra.random(n_total) > completeness[gm_idx])
    for j, code in enumerate(PROVISION_TYPES):
        frame[f"provision_{code}"] = pd.array(np.where(untyped, None, types[:, j]), dtype="boolean")
    frame["employed_1m"] = employed
    frame["employed_6m"] = sustained
    frame["education_level"] = education
    frame["dutch_language_level"] = language
    frame["months_on_benefit"] = months
    frame["recent_work_experience"] = recent_work
    start_step, end_step = _ladder(extra, year, gm, gm_idx, employed, sustained, provision, female, old, young, nonwest, below_b1)
    frame["ladder_start"], frame["ladder_end"] = start_step, end_step
    for name, per_year in UNKNOWN_SHARE.items():
        share = per_year.get(year, 0.0)
        if share:
            frame.loc[rng.random(n_total) < share, name] = UNKNOWN
    for col in (
        "municipality",
        "gender",
        "age_band",
        "migration_background",
        "household_type",
        "target_group_register",
        "education_level",
        "dutch_language_level",
    ):
        frame[col] = frame[col].astype("string")
    return frame.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True), new_offsets


def _ladder(
    rng: np.random.Generator,
    year: int,
    gm: pd.DataFrame,
    gm_idx: np.ndarray,
    employed: np.ndarray,
    sustained: np.ndarray,
    provision: np.ndarray,
    female: np.ndarray,
    old: np.ndarray,
    young: np.ndarray,
    nonwest: np.ndarray,
    below_b1: np.ndarray,
) -> tuple[pd.Series, pd.Series]:
    """Steps on the participation ladder at the start and end of the period (1–6), missing where
    a municipality does not register it (about one in six) or for a person it did not record.

    Work puts people on step 5–6; otherwise a provision helps them climb. Planted gaps: women and
    people of 45 and older climb less often, people with Dutch below B1 more often stay on steps
    1–3; the gap for women is closing over the years (smaller from 2015 to 2021)."""
    n = len(gm_idx)
    start = np.clip(np.round(rng.normal(2.3 + 0.3 * young - 0.4 * old - 0.3 * below_b1, 0.9)), 1, 4).astype(np.int64)
    women_gap = 0.9 - 0.12 * (year - 2015)  # closing: 0.9 in 2015, 0.18 in 2021
    climb = _expit(-0.6 + 1.1 * provision - women_gap * female - 0.7 * old + 0.3 * young - 0.5 * below_b1)
    up = rng.random(n) < climb
    end = np.where(up, np.minimum(start + 1 + (rng.random(n) < 0.3), 4), np.maximum(start - (rng.random(n) < 0.1), 1))
    end = np.where(employed, np.where(sustained, 6, 5), end)
    registers = np.random.default_rng([SEED, 14]).random(len(gm)) > 0.17
    recorded = registers[gm_idx] & (rng.random(n) < 0.9)
    as_steps = lambda v: pd.array(np.where(recorded, v, None), dtype="Int64")  # noqa: E731
    return pd.Series(as_steps(start)), pd.Series(as_steps(end))


def generate(years: tuple[int, ...] | list[int] = YEARS, seed: int = SEED, effects: tuple[Effect, ...] = PLANTED_EFFECTS) -> pd.DataFrame:
    """Synthetic microdata for ``years`` (the 2018 figures are always calibrated first), with
    ``effects`` planted (tests add their own, which the software cannot know)."""
    rng = np.random.default_rng(seed)
    gm = _municipality_frame(rng)
    targets = exact_targets()
    cell_factor = _calibrate_cells(gm, targets["population"])
    n2018 = sum(targets["population"]["gender"].values())
    frames = {}
    frame2018, offsets = _year(CALIBRATED_YEAR, gm, cell_factor, targets, None, np.random.default_rng([seed, CALIBRATED_YEAR]), n2018, effects)
    frames[CALIBRATED_YEAR] = frame2018
    for year in years:
        if year != CALIBRATED_YEAR:
            n = round(n2018 * YEAR_SIZE.get(year, 1.0))
            frames[year], _ = _year(year, gm, cell_factor, None, offsets, np.random.default_rng([seed, year]), n, effects)
    return pd.concat([frames[y] for y in sorted(years)], ignore_index=True)


def write_scaled(
    folder: Path, years: tuple[int, ...] | list[int] = YEARS, seed: int = SEED, scale: int = 1, effects: tuple[Effect, ...] = PLANTED_EFFECTS
) -> int:
    """Write ``scale`` times the demo microdata of ``years`` to ``folder`` as Parquet, one file
    per year and copy (``year=2018/part-001.parquet``), each written as soon as it is made: memory
    holds one year of one copy, whatever ``scale``. The first copy is `generate`'s data (2018
    calibrated to Table 2.1); every further copy is a new draw from the same model (its own seed,
    person keys ``D2018-2-…``), so the figures stay alike while the rows grow. Returns the rows."""
    rng = np.random.default_rng(seed)
    gm = _municipality_frame(rng)
    targets = exact_targets()
    cell_factor = _calibrate_cells(gm, targets["population"])
    n2018 = sum(targets["population"]["gender"].values())
    first, offsets = _year(CALIBRATED_YEAR, gm, cell_factor, targets, None, np.random.default_rng([seed, CALIBRATED_YEAR]), n2018, effects)
    rows = 0
    for year in sorted(years):
        n = round(n2018 * YEAR_SIZE.get(year, 1.0))
        for copy in range(1, scale + 1):
            if copy == 1 and year == CALIBRATED_YEAR:
                frame = first
            else:
                draw = [seed, year] if copy == 1 else [seed, year, copy]
                frame, _ = _year(year, gm, cell_factor, None, offsets, np.random.default_rng(draw), n, effects)
                if copy > 1:
                    frame["person_key"] = frame["person_key"].str.replace(f"D{year}-", f"D{year}-{copy}-", regex=False)
            part = Path(folder) / f"year={year}" / f"part-{copy:03d}.parquet"
            part.parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(part, index=False)
            rows += len(frame)
            del frame
    return rows


#: The example client file's planted gap: refugee status holders (statushouders, mostly of a
#: non-western background) work less often than the rest, beyond what their background gives.
EXAMPLE_STATUS_SHARE = {"non_western": 0.35, "western": 0.05, "dutch": 0.0, "unknown": 0.1}
EXAMPLE_STATUS_WORK_KEPT = 0.45


def example_client_file(municipality: str = "GM0268", year: int = CALIBRATED_YEAR, seed: int = SEED) -> pd.DataFrame:
    """A SYNTHETIC client file of one municipality as a municipality would fill in the template:
    the demo's people of that municipality and year (contract columns), with an own
    characteristic ``kenmerk:statushouder`` that is not in the national data and has a planted
    gap (status holders keep work ≥ 1 month at 45 % of their chance)."""
    people = generate(years=[year], seed=seed)
    people = people[people.municipality == municipality].reset_index(drop=True)
    rng = np.random.default_rng([seed, 7])
    share = people.migration_background.map(EXAMPLE_STATUS_SHARE).fillna(0.0).to_numpy()
    status = rng.random(len(people)) < share
    lose = status & (rng.random(len(people)) > EXAMPLE_STATUS_WORK_KEPT)
    people["employed_1m"] = people.employed_1m & ~lose
    people["employed_6m"] = people.employed_6m & people.employed_1m
    people["person_key"] = [f"klant-{i:06d}" for i in range(len(people))]
    people["kenmerk:statushouder"] = np.where(status, "ja", "nee")
    return people

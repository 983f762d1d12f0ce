"""The group planner: registrants into intervisie groups, with a real solver (OR-Tools CP-SAT).

The study's rules (`source-report-nl.txt`, 1.3 and the box on national intervisie in 5):
groups of four or five, with the **same role** and people from **different municipalities**,
so that nobody is caught in local relations; when a role had too few people, the second
phase formed mixed groups.

Hard constraints: a person is in at most one group, only in a time slot they can attend; a
group has between ``min_size`` and ``max_size`` people; at most one person per municipality in
a group. Soft ones, strictly in this order (each one counts more than everything after it):

1. place as many people as possible;
2. the same role: as few people as possible outside their group's main role;
3. different labour-market regions: as few second (third, …) people from one AMR in a group;
4. a spread of regions whose figures differ: as few repeats of one *profile* (the
   characteristic on which a person's region deviates most from the country) in a group;
5. fewer groups (fewer sessions to run).

The same order is the plan's `Quality.key`; the solver's objective weighs the five so that
each outweighs everything after it, and it starts from (and may never fall below) the greedy
baseline (`greedy`). With one worker, a fixed seed and a *deterministic* time limit, the
answer is the same on every machine and every run.

Nothing here knows names, e-mail addresses or figures: a `Person` is an id with a role, a
municipality, a region, the slots they can attend and a profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: How long the solver may search, in CP-SAT's *deterministic* seconds (the same on every
#: machine); the wall-clock limit is only a safety net far above it.
DETERMINISTIC_SECONDS = 8.0
WALL_SECONDS = 300.0


@dataclass(frozen=True)
class Person:
    id: int
    role: str
    municipality: str
    region: str
    slots: frozenset[int]
    #: the characteristic on which this person's region deviates most from the country ('' unknown)
    profile: str = ""


@dataclass(frozen=True)
class Settings:
    min_size: int = 4
    max_size: int = 5
    seed: int = 0
    deterministic_seconds: float = DETERMINISTIC_SECONDS


@dataclass(frozen=True)
class Group:
    number: int
    slot: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class Note:
    """One compromise or fact about a plan, as a message id and its parameters (words come from
    the catalogue when it is shown: `conversations.note_text`)."""

    id: str
    params: dict[str, Any] = field(default_factory=dict)
    #: True when the note says a hard rule is broken (only after a move by hand)
    breaks: bool = False


@dataclass(frozen=True)
class Quality:
    people: int
    placed: int
    groups: int
    mixed_groups: int
    #: people in a group whose main role is not theirs
    outside_role: int
    #: second, third, … people from one labour-market region in a group
    same_region: int
    #: second, third, … people with the same region profile in a group
    same_profile: int

    def key(self) -> tuple[int, ...]:
        """The planner's order of what matters: larger is better."""
        return (self.placed, -self.outside_role, -self.same_region, -self.same_profile, -self.groups)

    @property
    def score(self) -> float:
        """0–100: 60 for placing everyone, 20 for same-role groups, 10 each for different regions
        and for a spread of region profiles."""
        if self.people == 0:
            return 100.0
        placed = max(self.placed, 1)
        return round(
            60 * self.placed / self.people
            + 20 * (1 - self.outside_role / placed)
            + 10 * (1 - self.same_region / placed)
            + 10 * (1 - self.same_profile / placed),
            1,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": self.people,
            "placed": self.placed,
            "groups": self.groups,
            "mixed_groups": self.mixed_groups,
            "outside_role": self.outside_role,
            "same_region": self.same_region,
            "same_profile": self.same_profile,
            "score": self.score,
        }


@dataclass(frozen=True)
class Plan:
    groups: tuple[Group, ...]
    #: person id → why they are in no group (``unplaced.*`` message ids)
    unplaced: dict[int, str]
    notes: tuple[Note, ...]
    quality: Quality
    #: 'solver' (CP-SAT), 'greedy' (the baseline) or 'manual' (moved by hand afterwards)
    method: str
    #: the solver's status: OPTIMAL (proved best) or FEASIBLE (best found in the time)
    status: str = ""

    def group_of(self, person: int) -> Group | None:
        return next((g for g in self.groups if person in g.members), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "groups": [{"number": g.number, "slot": g.slot, "members": list(g.members)} for g in self.groups],
            "unplaced": {str(k): v for k, v in self.unplaced.items()},
            "notes": [{"id": n.id, "params": n.params, "breaks": n.breaks} for n in self.notes],
            "quality": self.quality.as_dict(),
            "method": self.method,
            "status": self.status,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Plan:
        q = {k: v for k, v in data["quality"].items() if k != "score"}
        return Plan(
            groups=tuple(Group(int(g["number"]), int(g["slot"]), tuple(int(m) for m in g["members"])) for g in data["groups"]),
            unplaced={int(k): str(v) for k, v in data["unplaced"].items()},
            notes=tuple(Note(n["id"], dict(n["params"]), bool(n.get("breaks", False))) for n in data["notes"]),
            quality=Quality(**q),
            method=str(data["method"]),
            status=str(data.get("status", "")),
        )


# --- measuring a plan ---------------------------------------------------------------------------


def _repeats(values: Iterable[str]) -> int:
    """Second, third, … occurrences of a value ('' never counts)."""
    return sum(n - 1 for v, n in Counter(values).items() if v and n > 1)


def _outside_role(roles: Sequence[str]) -> int:
    return len(roles) - max(Counter(roles).values()) if roles else 0


def quality(groups: Iterable[Group], people: Sequence[Person]) -> Quality:
    """The plan's quality, measured from its groups alone (the same for the solver, the greedy
    baseline and a plan changed by hand)."""
    by_id = {p.id: p for p in people}
    groups = list(groups)
    outside = region = profile = mixed = placed = 0
    for g in groups:
        members = [by_id[m] for m in g.members]
        placed += len(members)
        o = _outside_role([p.role for p in members])
        outside += o
        mixed += o > 0
        region += _repeats(p.region for p in members)
        profile += _repeats(p.profile for p in members)
    return Quality(len(people), placed, len(groups), mixed, outside, region, profile)


def broken_rules(groups: Iterable[Group], people: Sequence[Person], settings: Settings) -> list[Note]:
    """What in a plan breaks a hard rule (after a move by hand): size, availability, two people
    of one municipality in a group, a person in two groups."""
    by_id = {p.id: p for p in people}
    out: list[Note] = []
    seen: Counter[int] = Counter()
    for g in groups:
        seen.update(g.members)
        if len(g.members) > settings.max_size:
            out.append(Note("note.too_big", {"group": g.number, "size": len(g.members), "max": settings.max_size}, breaks=True))
        if 0 < len(g.members) < settings.min_size:
            out.append(Note("note.too_small", {"group": g.number, "size": len(g.members), "min": settings.min_size}, breaks=True))
        for m in g.members:
            if g.slot not in by_id[m].slots:
                out.append(Note("note.not_available", {"group": g.number, "person": m, "slot": g.slot}, breaks=True))
        for muni, n in Counter(by_id[m].municipality for m in g.members).items():
            if n > 1:
                out.append(Note("note.same_municipality", {"group": g.number, "municipality": muni, "count": n}, breaks=True))
    for person, n in seen.items():
        if n > 1:
            out.append(Note("note.twice", {"person": person}, breaks=True))
    return out


# --- the greedy baseline ------------------------------------------------------------------------


def greedy(people: Sequence[Person], settings: Settings, slots: Sequence[int]) -> list[Group]:
    """A simple plan the solver must beat or equal: people with the fewest slots first, each into
    the best open group of their role in a slot they can attend (else a new group in their
    busiest slot); groups that stay too small are split up and their people put where there is
    room; what still does not fit stays out. Always keeps the hard rules."""
    by_id = {p.id: p for p in people}
    available = {s: sum(s in p.slots for p in people) for s in slots}
    groups: list[tuple[int, list[int]]] = []

    def fits(g: tuple[int, list[int]], p: Person) -> bool:
        slot, members = g
        return slot in p.slots and len(members) < settings.max_size and all(by_id[m].municipality != p.municipality for m in members)

    def fit(g: tuple[int, list[int]], p: Person) -> tuple[int, int, int, int]:
        members = [by_id[m] for m in g[1]]
        main = Counter(m.role for m in members).most_common(1)[0][0] if members else p.role
        return (main == p.role, -sum(m.region == p.region for m in members), -sum(m.profile == p.profile for m in members), len(members))

    order = sorted(people, key=lambda p: (len(p.slots), p.id))
    for p in order:
        options = [g for g in groups if fits(g, p) and fit(g, p)[0]]
        if options:
            max(options, key=lambda g: fit(g, p))[1].append(p.id)
            continue
        own_slots = [s for s in slots if s in p.slots]
        if own_slots:
            groups.append((max(own_slots, key=lambda s: (available[s], -s)), [p.id]))
    # too small groups: their people go where there is room (any role), else out
    small = [g for g in groups if len(g[1]) < settings.min_size]
    groups = [g for g in groups if len(g[1]) >= settings.min_size]
    for g in small:
        for m in g[1]:
            options = [h for h in groups if fits(h, by_id[m])]
            if options:
                max(options, key=lambda h: fit(h, by_id[m]))[1].append(m)
    # what is left of the small groups: one more try to form groups among them, per slot
    placed = {m for g in groups for m in g[1]}
    left = [by_id[m] for g in small for m in g[1] if m not in placed]
    for s in sorted(slots, key=lambda s: -available[s]):
        pool = [p for p in left if s in p.slots and p.id not in placed]
        chosen: list[int] = []
        for p in pool:
            if all(by_id[c].municipality != p.municipality for c in chosen) and len(chosen) < settings.max_size:
                chosen.append(p.id)
        if len(chosen) >= settings.min_size:
            groups.append((s, chosen))
            placed.update(chosen)
    return _numbered(groups, by_id)


def _numbered(groups: Iterable[tuple[int, Sequence[int]]], by_id: dict[int, Person]) -> list[Group]:
    """Groups numbered 1, 2, … in order of slot, main role and first member."""

    def order(g: tuple[int, Sequence[int]]) -> tuple[int, str, int]:
        roles = Counter(by_id[m].role for m in g[1])
        return (g[0], roles.most_common(1)[0][0] if roles else "", min(g[1]) if g[1] else 0)

    kept = sorted(((s, tuple(sorted(ms))) for s, ms in groups if ms), key=order)
    return [Group(i + 1, s, ms) for i, (s, ms) in enumerate(kept)]


# --- the solver ---------------------------------------------------------------------------------


def _candidates(people: Sequence[Person], settings: Settings, slots: Sequence[int]) -> list[tuple[int, str]]:
    """The groups the solver may open: per slot and role, as many as that role's people there
    could fill, and one more for what is left over (a group that may have to be mixed); never
    more in a slot than its people could fill."""
    out: list[tuple[int, str]] = []
    for s in slots:
        here = [p for p in people if s in p.slots]
        room = len(here) // settings.min_size
        typed: list[tuple[int, str]] = []
        for role, n in sorted(Counter(p.role for p in here).items(), key=lambda kv: (-kv[1], kv[0])):
            typed += [(s, role)] * (n // settings.min_size + (n % settings.min_size > 0))
        out += typed[:room] if len(typed) > room else typed
    return out


class _Model:
    """One CP-SAT model over candidate groups, solved lexicographically (`solve_phases`)."""

    def __init__(self, people: Sequence[Person], candidates: Sequence[tuple[int, str]], settings: Settings, fixed: dict[int, int] | None = None) -> None:
        from ortools.sat.python import cp_model

        self.cp = cp_model
        self.people = list(people)
        self.candidates = list(candidates)
        self.settings = settings
        model = self.model = cp_model.CpModel()
        x: dict[tuple[int, int], Any] = {}
        for g, (s, _) in enumerate(candidates):
            for p in people:
                if s in p.slots:
                    x[p.id, g] = model.new_bool_var(f"x{p.id}_{g}")
        self.x = x
        self.is_open = [model.new_bool_var(f"open{g}") for g in range(len(candidates))]
        for p in people:
            mine = [v for (q, _), v in x.items() if q == p.id]
            if len(mine) > 1:
                model.add_at_most_one(mine)
        for pid, g in (fixed or {}).items():  # people kept where an earlier stage put them
            model.add(x[pid, g] == 1)
        outside: list[Any] = []
        region: list[Any] = []
        profile: list[Any] = []
        for g, (s, role) in enumerate(candidates):
            here = [p for p in people if (p.id, g) in x]
            size = sum(x[p.id, g] for p in here)
            model.add(size >= settings.min_size * self.is_open[g])
            model.add(size <= settings.max_size * self.is_open[g])
            for members in _by(here, "municipality").values():
                if len(members) > 1:
                    model.add_at_most_one(x[p.id, g] for p in members)
            outside += [x[p.id, g] for p in here if p.role != role]
            for attr, terms in (("region", region), ("profile", profile)):
                for value, members in _by(here, attr).items():
                    if value and len(members) > 1:
                        z = model.new_int_var(0, settings.max_size, f"{attr}{g}_{value}")
                        model.add(z >= sum(x[p.id, g] for p in members) - 1)
                        terms.append(z)
            if not fixed and g > 0 and candidates[g - 1] == (s, role):  # identical candidates: open them in order
                model.add(self.is_open[g] <= self.is_open[g - 1])
        self.phases = [(sum(x.values()), 1), (sum(outside), -1), (sum(region), -1), (sum(profile), -1), (sum(self.is_open), -1)]

    def hint_groups(self, groups: Iterable[Group]) -> dict[Any, int]:
        """A plan as a hint: each group on a free candidate of its slot (its main role first)."""
        by_id = {p.id: p for p in self.people}
        free: dict[tuple[int, str], list[int]] = {}
        for g, c in enumerate(self.candidates):
            free.setdefault(c, []).append(g)
        hint: dict[Any, int] = {v: 0 for v in [*self.x.values(), *self.is_open]}
        for grp in groups:
            main = Counter(by_id[m].role for m in grp.members).most_common(1)[0][0]
            spot = free.get((grp.slot, main)) or next((gs for (s, _), gs in free.items() if s == grp.slot and gs), None)
            if not spot or any((m, spot[0]) not in self.x for m in grp.members):
                continue
            g = spot.pop(0)
            hint[self.is_open[g]] = 1
            for m in grp.members:
                hint[self.x[m, g]] = 1
        return hint

    def solve_phases(self, hint: dict[Any, int] | None, budget: float) -> tuple[list[Group], bool] | None:
        """Best plan found, phase by phase (each keeps what the ones before reached), and whether
        every phase was proved optimal; None when no plan was found."""
        solver = self.cp.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.settings.seed
        solver.parameters.max_time_in_seconds = WALL_SECONDS
        values = hint
        proved = True
        for i, (expr, sign) in enumerate(self.phases):
            self.model.clear_hints()
            for v, value in (values or {}).items():
                self.model.add_hint(v, value)
            if sign > 0:
                self.model.maximize(expr)
            else:
                self.model.minimize(expr)
            solver.parameters.max_deterministic_time = budget * (0.4 if i == 1 else 0.15)
            status = solver.solve(self.model)
            if status not in (self.cp.OPTIMAL, self.cp.FEASIBLE):
                if values is None:
                    return None
                break
            proved = proved and status == self.cp.OPTIMAL
            values = {v: int(solver.boolean_value(v)) for v in [*self.x.values(), *self.is_open]}
            self.model.add(expr == int(solver.value(expr)))  # keep what this phase reached
        assert values is not None
        chosen: dict[int, list[int]] = {}
        for (pid, g), v in self.x.items():
            if values[v]:
                chosen.setdefault(g, []).append(pid)
        by_id = {p.id: p for p in self.people}
        return _numbered(((self.candidates[g][0], ms) for g, ms in chosen.items()), by_id), proved


def solve(people: Sequence[Person], settings: Settings, slots: Sequence[int]) -> tuple[list[Group], str]:
    """The CP-SAT plan (see the module's docstring), in three stages:

    1. per role, pure groups of that role (small models, fast);
    2. the people left over join those groups where there is room, or form mixed groups;
    3. the whole round in one model, starting from the best of stage 2 and the greedy baseline.

    Every stage is solved lexicographically (first the most people placed, then — keeping that —
    the fewest outside their role, and so on). Returns the groups and the solver status: OPTIMAL
    when the last stage proved every aim best, FEASIBLE when it ran out of (deterministic) time,
    GREEDY when the baseline was better (then it is kept)."""
    people = sorted(people, key=lambda p: p.id)
    by_id = {p.id: p for p in people}
    start = greedy(people, settings, slots)
    budget = settings.deterministic_seconds
    # 1. pure groups per role
    pure: list[Group] = []
    for role in sorted({p.role for p in people}):
        mine = [p for p in people if p.role == role]
        cands = _candidates(mine, settings, slots)
        if cands:
            found = _Model(mine, cands, settings).solve_phases(None, budget * 0.1)
            pure += found[0] if found else []
    # 2. the rest around them
    placed = {m for g in pure for m in g.members}
    rest = [p for p in people if p.id not in placed]
    by_role = lambda g: Counter(by_id[m].role for m in g.members).most_common(1)[0][0]  # noqa: E731
    cands = [(g.slot, by_role(g)) for g in pure] + _candidates(rest, settings, slots)
    fixed = {m: i for i, g in enumerate(pure) for m in g.members}
    found = _Model(people, cands, settings, fixed).solve_phases(None, budget * 0.2) if cands else None
    decomposed = found[0] if found else pure
    best = max((decomposed, start), key=lambda gs: quality(gs, people).key())
    # 3. the whole round, from the best so far
    candidates = _candidates(people, settings, slots)
    if not candidates:
        return start, "OPTIMAL"
    whole = _Model(people, candidates, settings)
    found = whole.solve_phases(whole.hint_groups(best), budget * 0.7)
    groups, proved = found if found else (best, False)
    if quality(groups, people).key() < quality(best, people).key():
        groups, proved = best, False
    if quality(groups, people).key() < quality(start, people).key():  # cannot happen: the baseline was a hint
        return start, "GREEDY"
    return groups, "OPTIMAL" if proved else "FEASIBLE"


def _by(people: Iterable[Person], attr: str) -> dict[str, list[Person]]:
    out: dict[str, list[Person]] = {}
    for p in people:
        out.setdefault(getattr(p, attr), []).append(p)
    return out


# --- the plan and what it had to give up --------------------------------------------------------


def plan(people: Sequence[Person], slots: Sequence[int], settings: Settings | None = None, *, method: str = "solver") -> Plan:
    """A plan for a round: the groups, who fits no group and why, the compromises and the quality."""
    settings = settings or Settings()
    if settings.min_size < 2 or settings.max_size < settings.min_size:
        raise ValueError("group sizes: 2 ≤ min_size ≤ max_size")
    if method == "greedy":
        groups, status = greedy(people, settings, slots), ""
    else:
        groups, status = solve(people, settings, slots)
    return explain(groups, people, slots, settings, method=method, status=status)


def explain(groups: Sequence[Group], people: Sequence[Person], slots: Sequence[int], settings: Settings, *, method: str, status: str = "") -> Plan:
    """The plan around its groups: reasons for who is out, the notes and the quality."""
    by_id = {p.id: p for p in people}
    placed = {m for g in groups for m in g.members}
    unplaced = {p.id: _reason(p, people, settings, slots) for p in sorted(people, key=lambda p: p.id) if p.id not in placed}
    notes: list[Note] = []
    roles = Counter(p.role for p in people)
    if len(people) and len(people) < settings.min_size:
        notes.append(Note("note.fewer_than_group", {"people": len(people), "min": settings.min_size}))
    if len(people) > 1 and len({p.municipality for p in people}) == 1:
        notes.append(Note("note.one_municipality", {"municipality": people[0].municipality}))
    if len(roles) == 1 and len(people) >= settings.min_size:
        notes.append(Note("note.one_role", {"role": next(iter(roles))}))
    for s in slots:
        if not any(s in p.slots for p in people):
            notes.append(Note("note.slot_nobody", {"slot": s}))
        elif not any(g.slot == s for g in groups):
            notes.append(Note("note.slot_no_group", {"slot": s, "people": sum(s in p.slots for p in people)}))
    in_mixed: Counter[str] = Counter()
    for g in groups:
        members = [by_id[m] for m in g.members]
        counts = Counter(p.role for p in members)
        if len(counts) > 1:
            main = max(counts, key=lambda r: (counts[r], roles[r], r))  # on a tie: the role with more people in the round
            in_mixed.update(r for r in counts.elements() if r != main)
            notes.append(Note("note.mixed_group", {"group": g.number, "slot": g.slot, "roles": dict(sorted(counts.items()))}))
        for region, n in Counter(p.region for p in members).items():
            if region and n > 1:
                notes.append(Note("note.same_region", {"group": g.number, "region": region, "count": n}))
    for role, n in sorted(in_mixed.items()) if method != "manual" else ():
        notes.append(Note("note.role_too_small", {"role": role, "people": roles[role], "mixed": n, "min": settings.min_size}))
    profile_groups = sum(_repeats(by_id[m].profile for m in g.members) > 0 for g in groups)
    if profile_groups:
        notes.append(Note("note.same_profile", {"groups": profile_groups}))
    if unplaced:
        notes.append(Note("note.unplaced", {"people": len(unplaced)}))
    if method == "manual":
        notes = [*broken_rules(groups, people, settings), *notes]
    return Plan(tuple(groups), unplaced, tuple(notes), quality(groups, people), method, status)


def _reason(p: Person, people: Sequence[Person], settings: Settings, slots: Sequence[int]) -> str:
    mine = [s for s in slots if s in p.slots]
    if not mine:
        return "unplaced.no_slots"
    if all(len({q.municipality for q in people if s in q.slots}) < settings.min_size for s in mine):
        return "unplaced.too_few"
    return "unplaced.full"


def move(current: Plan, people: Sequence[Person], slots: Sequence[int], settings: Settings, person: int, to_group: int | None) -> Plan:
    """The plan after a facilitator moved ``person`` to group ``to_group`` (None: out of every
    group; a number one above the last opens a new group in that person's first slot). The
    result is re-checked: what the move breaks is in its notes (``breaks=True``)."""
    if person not in {p.id for p in people}:
        raise KeyError(person)
    by_id = {p.id: p for p in people}
    groups = [Group(g.number, g.slot, tuple(m for m in g.members if m != person)) for g in current.groups]
    if to_group is not None:
        numbers = {g.number for g in groups}
        if to_group not in numbers:
            if to_group != max(numbers, default=0) + 1:
                raise KeyError(to_group)
            first = min((s for s in slots if s in by_id[person].slots), default=slots[0] if slots else 0)
            groups.append(Group(to_group, first, ()))
        groups = [Group(g.number, g.slot, (*g.members, person)) if g.number == to_group else g for g in groups]
    kept = [g for g in groups if g.members]
    moved = explain(kept, people, slots, settings, method="manual")
    if to_group is None:
        moved.unplaced[person] = "unplaced.by_hand"
    return moved

"""The group planner: hard rules always hold, never worse than the greedy baseline, the same plan
for the same seed, clear outcomes in the edge cases, and the study's round of 77 people."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kansenspiegel.conversations import Person, Settings, broken_rules, example_registrations, greedy, move, plan, quality
from kansenspiegel.conversations._import import _municipality
from kansenspiegel.geography import municipalities

FAST = 0.5  # deterministic seconds per solve in the generated rounds


def check_hard_rules(made, people, slots, cfg: Settings) -> None:  # type: ignore[no-untyped-def]
    """Checked here from the groups themselves, not through the planner's own checker."""
    by_id = {p.id: p for p in people}
    seen: Counter[int] = Counter()
    for g in made.groups:
        assert cfg.min_size <= len(g.members) <= cfg.max_size, g
        assert g.slot in slots
        seen.update(g.members)
        for m in g.members:
            assert g.slot in by_id[m].slots, (m, g)
        munis = [by_id[m].municipality for m in g.members]
        assert len(munis) == len(set(munis)), g
    assert all(n == 1 for n in seen.values())
    assert set(made.unplaced) == set(by_id) - set(seen)
    assert all(reason.startswith("unplaced.") for reason in made.unplaced.values())


@st.composite
def rounds(draw):  # type: ignore[no-untyped-def]
    n_slots = draw(st.integers(1, 3))
    slots = list(range(1, n_slots + 1))
    lo = draw(st.integers(2, 4))
    hi = draw(st.integers(lo, lo + 2))
    n = draw(st.integers(0, 16))
    roles = draw(st.lists(st.sampled_from(["consultant", "manager", "policy_officer"]), min_size=n, max_size=n))
    people = []
    for i in range(n):
        muni = f"GM{draw(st.integers(1, 7)):04d}"
        region = f"AM{int(muni[2:]) % 3:02d}"
        chosen = draw(st.sets(st.sampled_from(slots), max_size=n_slots))
        profile = draw(st.sampled_from(["", "gender", "age_band"]))
        people.append(Person(i + 1, roles[i], muni, region, frozenset(chosen), profile))
    return people, slots, Settings(min_size=lo, max_size=hi, seed=draw(st.integers(0, 5)), deterministic_seconds=FAST)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_generated_rounds_keep_the_rules_and_beat_the_baseline(case) -> None:  # type: ignore[no-untyped-def]
    people, slots, cfg = case
    made = plan(people, slots, cfg)
    check_hard_rules(made, people, slots, cfg)
    baseline = greedy(people, cfg, slots)
    check_hard_rules(plan(people, slots, cfg, method="greedy"), people, slots, cfg)
    assert made.quality.key() >= quality(baseline, people).key()
    assert made.quality == quality(made.groups, people)
    assert not broken_rules(made.groups, people, cfg)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_the_same_seed_gives_the_same_plan(case) -> None:  # type: ignore[no-untyped-def]
    people, slots, cfg = case
    assert plan(people, slots, cfg).as_dict() == plan(list(reversed(people)), slots, cfg).as_dict()


def _people(spec: list[tuple[str, str, set[int]]]) -> list[Person]:
    return [Person(i + 1, role, muni, "AM" + muni[-2:], frozenset(slots)) for i, (role, muni, slots) in enumerate(spec)]


def ids(notes) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.id for n in notes]


def test_one_role_only_is_said_and_not_a_compromise() -> None:
    people = _people([("manager", f"GM00{i:02d}", {1}) for i in range(8)])
    made = plan(people, [1], Settings(deterministic_seconds=FAST))
    assert len(made.groups) == 2 and made.quality.mixed_groups == 0
    assert "note.one_role" in ids(made.notes) and "note.mixed_group" not in ids(made.notes)


def test_everyone_from_one_municipality_forms_no_group_and_says_why() -> None:
    people = _people([(r, "GM0363", {1, 2}) for r in ["consultant"] * 6])
    made = plan(people, [1, 2], Settings(deterministic_seconds=FAST))
    assert made.groups == ()
    assert "note.one_municipality" in ids(made.notes)
    assert set(made.unplaced.values()) == {"unplaced.too_few"}


def test_fewer_people_than_a_group() -> None:
    people = _people([("consultant", f"GM00{i:02d}", {1}) for i in range(3)])
    made = plan(people, [1], Settings(deterministic_seconds=FAST))
    assert made.groups == () and "note.fewer_than_group" in ids(made.notes)
    assert len(made.unplaced) == 3


def test_a_slot_nobody_can_attend_and_a_person_without_slots() -> None:
    people = _people([("consultant", f"GM00{i:02d}", {1}) for i in range(4)] + [("consultant", "GM0099", set())])
    made = plan(people, [1, 2], Settings(deterministic_seconds=FAST))
    assert [n.params for n in made.notes if n.id == "note.slot_nobody"] == [{"slot": 2}]
    assert made.unplaced == {5: "unplaced.no_slots"}


def test_a_role_with_too_few_people_joins_a_mixed_group_and_it_is_said() -> None:
    # 7 consultants and 2 ESF coordinators in one slot: 9 people make a group of 4 and one of 5
    people = _people([("consultant", f"GM00{i:02d}", {1}) for i in range(7)] + [("esf_coordinator", "GM0090", {1}), ("esf_coordinator", "GM0091", {1})])
    made = plan(people, [1], Settings(deterministic_seconds=FAST))
    assert made.quality.placed == 9 and made.quality.mixed_groups >= 1
    too_small = [n for n in made.notes if n.id == "note.role_too_small"]
    assert too_small and too_small[0].params["role"] == "esf_coordinator"


def test_people_who_fit_no_group_are_listed_with_their_reason() -> None:
    # 6 people in slot 1, but two of them share a municipality with everyone else's group seats:
    # one group of 5 at most; the sixth has room nowhere
    people = _people([("consultant", f"GM00{i:02d}", {1}) for i in range(6)])
    made = plan(people, [1], Settings(max_size=5, deterministic_seconds=FAST))
    assert made.quality.placed == 5
    assert list(made.unplaced.values()) == ["unplaced.full"]


def test_a_move_by_hand_is_checked_and_says_what_it_breaks() -> None:
    people = _people([("consultant", f"GM00{i:02d}", {1}) for i in range(10)] + [("consultant", "GM0000", {2})])
    cfg = Settings(min_size=5, max_size=5, deterministic_seconds=FAST)
    made = plan(people, [1, 2], cfg)
    first = made.groups[0]
    other = made.groups[1]
    moved = move(made, people, [1, 2], cfg, other.members[0], first.number)
    broken = {n.id for n in moved.notes if n.breaks}
    assert {"note.too_big", "note.too_small"} <= broken
    assert moved.method == "manual"
    # the person without slot 1 and from GM0000: two rules at once
    moved = move(made, people, [1, 2], cfg, 11, first.number)
    broken = {n.id for n in moved.notes if n.breaks}
    assert "note.not_available" in broken
    gone = move(made, people, [1, 2], cfg, first.members[0], None)
    assert gone.unplaced[first.members[0]] == "unplaced.by_hand"
    with pytest.raises(KeyError):
        move(made, people, [1, 2], cfg, 999, 1)


@pytest.fixture(scope="module")
def study() -> tuple[list[Person], list[int]]:
    """The synthetic round like the study's (77 people: 40/12/16/9), as the planner sees it."""
    frame = example_registrations()
    amr = dict(zip(municipalities().gm_code, municipalities().amr_code))
    roles = {"Consulent": "consultant", "Leidinggevende": "manager", "Beleidsmedewerker": "policy_officer", "ESF-coördinator": "esf_coordinator"}
    people = []
    for i, row in enumerate(frame.itertuples(index=False)):
        muni = _municipality(row.gemeente)
        assert muni is not None
        slots = frozenset(int(s) for s in str(row.tijdstippen).split(",") if s.strip())
        people.append(Person(i + 1, roles[row.rol], muni, amr[muni], slots))
    return people, list(range(1, 7))


def test_the_study_round_forms_about_seventeen_groups(study) -> None:  # type: ignore[no-untyped-def]
    people, slots = study
    assert Counter(p.role for p in people) == {"consultant": 40, "manager": 12, "policy_officer": 16, "esf_coordinator": 9}
    assert len({p.municipality for p in people}) > 40
    made = plan(people, slots, Settings(seed=1))
    check_hard_rules(made, people, slots, Settings())
    assert 16 <= len(made.groups) <= 18
    assert made.quality.placed >= 75  # one registrant gave no slot at all
    assert all(reason == "unplaced.no_slots" for reason in made.unplaced.values())
    assert made.quality.key() >= quality(greedy(people, Settings(), slots), people).key()
    assert made.quality.score > 90
    # every compromise is in the notes: each mixed group and each shared region is named
    assert len([n for n in made.notes if n.id == "note.mixed_group"]) == made.quality.mixed_groups
    assert sum(n.params["count"] - 1 for n in made.notes if n.id == "note.same_region") == made.quality.same_region
    assert "note.unplaced" in ids(made.notes)

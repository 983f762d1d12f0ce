"""The conversation kit: the second half of the Gelijke Kansenspiegel.

A facilitator (at SZW, Divosa, a labour-market region or a municipality) runs a round of
intervisie conversations with municipal staff: registrations (`Rounds`, a separate database
file for staff personal data), a plan of groups of four or five with the same role and
different municipalities (`plan`, OR-Tools CP-SAT), every participant's preparation pack and
the facilitator sheets (published figures only), what was said in the sessions, and an
overview for the feedback session. See `docs/conversations.md`."""

from kansenspiegel.conversations._codes import KINDS, QUESTIONS, ROLES, THEMES, kind_label, question, role_label, theme_label
from kansenspiegel.conversations._example import EXAMPLE_SLOTS, STUDY_ROLES, example_registrations, write_example_registrations
from kansenspiegel.conversations._import import MAX_ANSWER, read_answers, read_registrations, write_registration_template
from kansenspiegel.conversations._kit import (
    PlanView,
    deviations,
    finding_key,
    group_findings,
    make_plan,
    move_person,
    note_text,
    overview_data,
    overview_html,
    pack_html,
    plan_view,
    planner_people,
    record,
    record_entries,
    sheet_html,
    stories,
    write_overview,
    write_packs,
)
from kansenspiegel.conversations._planner import Group, Note, Person, Plan, Quality, Settings, broken_rules, greedy, move, plan, quality
from kansenspiegel.conversations.store import Record, Registration, Round, Rounds

__all__ = [
    "EXAMPLE_SLOTS",
    "KINDS",
    "MAX_ANSWER",
    "QUESTIONS",
    "ROLES",
    "STUDY_ROLES",
    "THEMES",
    "Group",
    "Note",
    "Person",
    "Plan",
    "PlanView",
    "Quality",
    "Record",
    "Registration",
    "Round",
    "Rounds",
    "Settings",
    "broken_rules",
    "deviations",
    "example_registrations",
    "finding_key",
    "greedy",
    "group_findings",
    "kind_label",
    "make_plan",
    "move",
    "move_person",
    "note_text",
    "overview_data",
    "overview_html",
    "pack_html",
    "plan",
    "plan_view",
    "planner_people",
    "quality",
    "question",
    "read_answers",
    "read_registrations",
    "record",
    "record_entries",
    "role_label",
    "sheet_html",
    "stories",
    "theme_label",
    "write_example_registrations",
    "write_overview",
    "write_packs",
    "write_registration_template",
]

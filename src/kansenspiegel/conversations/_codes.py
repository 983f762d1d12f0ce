"""The words of a round of conversations: roles, themes, kinds of remark, the preparation
questions and the ground rules — codes here, words in the message catalogue (``rounds.*``).

The roles are the study's (`source-report-nl.txt`, 1.3): re-integration consultants (such as
klantmanagers), their managers, policy officers and ESF coordinators. The themes are drawn from
the report's chapters 3 and 4 (what lies behind unequal chances, in the participants' words).
"""

from __future__ import annotations

from kansenspiegel.messages import Lang, t

ROLES = ("consultant", "manager", "policy_officer", "esf_coordinator", "other")
#: roles whose packs show the tables beside the words (the others get the words first)
TABLE_ROLES = frozenset({"policy_officer", "esf_coordinator", "manager"})

#: what a registrations file may say for a role (lower case, besides the codes themselves)
ROLE_WORDS = {
    "consulent": "consultant",
    "klantmanager": "consultant",
    "re-integratieconsulent": "consultant",
    "reintegratieconsulent": "consultant",
    "uitvoerende": "consultant",
    "uitvoerder": "consultant",
    "werkcoach": "consultant",
    "leidinggevende": "manager",
    "teamleider": "manager",
    "beleidsmedewerker": "policy_officer",
    "beleidsadviseur": "policy_officer",
    "policy officer": "policy_officer",
    "esf-coördinator": "esf_coordinator",
    "esf-coordinator": "esf_coordinator",
    "esf coördinator": "esf_coordinator",
    "esf coordinator": "esf_coordinator",
    "anders": "other",
    "overig": "other",
}

#: themes raised in the conversations (report chapters 3–4)
THEMES = (
    "employer_prejudice",  # 3.1 werkgeversvoorkeuren
    "self_selection",  # 3.2 zelfselectie door werkzoekenden
    "consultant_assumptions",  # 3.3 consulenten en GKND
    "language",  # 4.1.1 taal en de taaleis
    "age",  # 4.1.2
    "gender_care",  # 4.1.3 geslacht en zorgtaken
    "disability",  # 4.1.4 arbeidsbeperking
    "outflow_pressure",  # 4.2.1 focus op snelle uitstroom, caseload
    "target_group_policy",  # 4.2.2 uitlichten van specifieke doelgroepen
    "provisions",  # voorzieningen en instrumenten
    "registration",  # registratie en gegevens
    "organisation_culture",  # 3.4, 4.3 GKND in de organisatie
    "awareness",  # 4.4 bewustwording
    "other",
)
KINDS = ("bottleneck", "solution", "need", "experience")

#: the four questions of the study (1.3.2), asked before and in the conversation
QUESTIONS = (1, 2, 3, 4)


def role_label(role: str, lang: Lang = "nl", n: int = 1) -> str:
    return t(f"rounds.role.{role}" + ("_plural" if n != 1 else ""), lang)


def theme_label(theme: str, lang: Lang = "nl") -> str:
    return t(f"rounds.theme.{theme}", lang)


def kind_label(kind: str, lang: Lang = "nl") -> str:
    return t(f"rounds.kind.{kind}", lang)


def question(number: int, lang: Lang = "nl") -> str:
    return t(f"rounds.question.{number}", lang)


def ground_rules(lang: Lang = "nl") -> list[str]:
    return [t(f"rounds.rule.{i}", lang) for i in (1, 2, 3, 4)]

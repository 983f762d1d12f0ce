"""Stage 7: published views — the only door to published figures.

Each view (funnel, groups, characteristics, provisions, trends, combinations, compare, quality,
Table 2.1, findings, own-vs-reference, own combinations) is one module that declares its parameters, columns and disclosure rule and
registers itself in `VIEWS`; `Published` computes them for one mirror under one policy. The web
pages, the JSON API, the downloads, the reports (`report_data`) and the CLI all read from here.
"""

from __future__ import annotations

from kansenspiegel.codes import group_label
from kansenspiegel.findings import Finding
from kansenspiegel.views import (  # noqa: F401  (registers the views)
    adjusted,
    characteristics,
    combinations,
    compare,
    findings,
    funnel,
    groups,
    own,
    own_combinations,
    provisions,
    quality,
    table,
    trends,
)
from kansenspiegel.views._params import GEO_PATTERN, Moment, characteristic_list
from kansenspiegel.views._published import Published, area_chain, records
from kansenspiegel.views._registry import VIEWS, Column, Params, View, register
from kansenspiegel.views.findings import ranked
from kansenspiegel.views.own import NAME_PATTERN, OwnData, municipalities_of
from kansenspiegel.views.report import ReportData, report_data

__all__ = [
    "GEO_PATTERN",
    "NAME_PATTERN",
    "VIEWS",
    "Column",
    "Finding",
    "Moment",
    "OwnData",
    "Params",
    "Published",
    "ReportData",
    "View",
    "area_chain",
    "characteristic_list",
    "group_label",
    "municipalities_of",
    "ranked",
    "records",
    "register",
    "report_data",
]

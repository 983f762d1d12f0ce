"""An adversary with everything the API publishes for a region, its municipalities and the
country tries to recover suppressed counts by differencing: within each area (the groups of a
characteristic against "everyone") and across areas (municipalities against their AMR)."""

from __future__ import annotations

import pandas as pd
from fastapi.testclient import TestClient

from kansenspiegel.geography import municipalities

CHARACTERISTICS = ("gender", "age_band", "migration_background", "household_type", "target_group_register")


def published(client: TestClient, geography: str) -> pd.DataFrame:
    rows = client.get("/api/v1/groups", params={"year": 2018, "geography": geography}).json()
    return pd.DataFrame(rows)


def test_differencing_recovers_no_suppressed_count(client: TestClient) -> None:
    amr = "AM08"  # Rijk van Nijmegen: a big city and small municipalities
    gms = list(municipalities().query("amr_code == @amr").gm_code)
    data = pd.concat([published(client, g) for g in [amr, *gms, "NL"]], ignore_index=True)
    data = data[data.moment == "employed"]
    assert data.suppressed.any(), "the test needs suppressed cells to attack"
    recovered = []
    # within an area: the groups of one characteristic add up to everyone
    for (geo, grouping), part in data[data.grouping.isin(CHARACTERISTICS)].groupby(["geography", "grouping"]):
        everyone = data[(data.geography == geo) & (data.grouping == "all")]["count"].iloc[0]
        hidden = part["count"].isna()
        if hidden.sum() == 1 and pd.notna(everyone):
            recovered.append((geo, grouping, part[hidden].group.iloc[0]))
    # across areas: the municipalities of the AMR add up to the AMR
    for (grouping, group), part in data[data.geography.isin(gms)].groupby(["grouping", "group"]):
        total = data[(data.geography == amr) & (data.grouping == grouping) & (data.group == group)]["count"]
        hidden = part["count"].isna()
        missing_areas = len(gms) - len(part)  # an area without the group at all counts as hidden too
        if hidden.sum() + missing_areas == 1 and len(total) and pd.notna(total.iloc[0]) and missing_areas == 0:
            recovered.append((grouping, group, part[hidden].geography.iloc[0]))
    assert recovered == []

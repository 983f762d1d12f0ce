"""The JSON API under /api/v1 (documented at /docs). The pages read their charts from it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Path, Query, Request, UploadFile

from kansenspiegel.codes import CHARACTERISTIC_NAMES, MOMENTS, NATIONAL_CODE, TABLE_2_1_CHARACTERISTICS
from kansenspiegel.geography import geojson
from kansenspiegel.ingest import ValidationReport
from kansenspiegel.web.own import NAME_PATTERN, OwnData, comparison
from kansenspiegel.web.uploads import check_upload
from kansenspiegel.web.views import Dashboard, NotFound, records

router = APIRouter(prefix="/api/v1", tags=["mirror"])

GEO_PATTERN = r"^(NL|AM\d{2}|GM\d{4})$"
Year = Annotated[int, Query(ge=2000, le=2100, description="Reference year, e.g. 2018")]
Geo = Annotated[str, Query(pattern=GEO_PATTERN, description="NL, an AMR code (AM05) or a municipality code (GM0363)")]
Moment = Literal["provision", "employed", "sustained", "employed_given_provision", "sustained_given_employed"]
LangQ = Annotated[Literal["nl", "en"], Query(description="Language of labels")]


def board(request: Request) -> Dashboard:
    return request.app.state.dashboard


def _chars(spec: str | None) -> tuple[str, ...]:
    if not spec:
        return ()
    chars = tuple(c.strip() for c in spec.split(",") if c.strip())
    for c in chars:
        if c not in CHARACTERISTIC_NAMES:
            raise NotFound(f"unknown characteristic {c!r}; choose from {', '.join(CHARACTERISTIC_NAMES)}")
    return chars


@router.get("/meta", summary="Years, datasets and whether the data is synthetic")
def meta(request: Request) -> dict[str, Any]:
    d = board(request)
    return {
        "dataset": d.mirror.dataset,
        "synthetic": d.mirror.synthetic,
        "years": list(d.years),
        "characteristics": list(CHARACTERISTIC_NAMES),
        "moments": list(MOMENTS),
        "disclosure": {"rounding": d.policy.rounding_base, "threshold": d.policy.threshold},
    }


@router.get("/geographies", summary="Every geography: the country, AMRs and municipalities (2020)")
def geographies(request: Request) -> list[dict[str, str]]:
    return board(request).geographies()


@router.get("/funnel", summary="Counts and chances at each decision moment, with the AMR and the national figure")
def funnel(request: Request, year: Year, geography: Geo = NATIONAL_CODE) -> list[dict[str, Any]]:
    return records(board(request).funnel(year, geography))


@router.get("/characteristics", summary="The Table 2.1 view: shares, gaps and chances per group, with a comparison area")
def characteristics(request: Request, year: Year, geography: Geo = NATIONAL_CODE, comparison: Geo = NATIONAL_CODE, lang: LangQ = "nl") -> list[dict[str, Any]]:
    return records(board(request).characteristics(year, geography, comparison, lang))


@router.get("/groups", summary="Published metrics of every group (all groupings and moments) in one geography")
def groups(
    request: Request,
    year: Year,
    geography: Geo = NATIONAL_CODE,
    characteristics: Annotated[str | None, Query(description="Comma-separated characteristics (1–3); empty = every grouping")] = None,
    moment: Moment | None = None,
) -> list[dict[str, Any]]:
    frame = board(request).groups(year, geography)
    chars = _chars(characteristics)
    if chars:
        if len(chars) > 3:
            raise NotFound("at most three characteristics can be combined")
        frame = frame[frame.grouping == "+".join(c for c in CHARACTERISTIC_NAMES if c in chars)]
    if moment:
        frame = frame[frame.moment == moment]
    return records(frame)


@router.get("/combinations", summary="Chances per combined group of 2 or 3 characteristics")
def combinations(
    request: Request,
    year: Year,
    characteristics: Annotated[str, Query(description="2 or 3 comma-separated characteristics")],
    geography: Geo = NATIONAL_CODE,
    moment: Moment = "employed",
    lang: LangQ = "nl",
) -> list[dict[str, Any]]:
    return records(board(request).combinations(year, geography, _chars(characteristics), moment, lang))


@router.get("/compare", summary="One group at one moment in every AMR or municipality (map and ranking)")
def compare(
    request: Request,
    year: Year,
    level: Literal["amr", "municipality"] = "amr",
    grouping: Annotated[str, Query(max_length=80, description="e.g. gender, or gender+age_band; 'all' = everyone")] = "all",
    group: Annotated[str, Query(max_length=80, description="e.g. female, or female+45_to_aow; 'all' = everyone")] = "all",
    moment: Moment = "employed",
) -> list[dict[str, Any]]:
    return records(board(request).across(year, level, grouping, group, moment))


@router.get("/findings", summary="The deviations that matter in one area, ranked, with sentences and caveats")
def findings(request: Request, year: Year, geography: Geo = NATIONAL_CODE, lang: LangQ = "nl") -> list[dict[str, Any]]:
    d = board(request)
    d.check(year=year, geography=geography)
    return [f.to_dict() for f in d.findings(year, geography, lang)]


@router.get("/quality", summary="Data quality: unknown values per characteristic, suppressed cells")
def quality(request: Request, year: Year, geography: Geo = NATIONAL_CODE) -> dict[str, Any]:
    d = board(request)
    d.check(year=year, geography=geography)
    return d.quality(year, geography)


@router.get("/table", summary="The report's Table 2.1 layout (published: rounded, small cells '.')")
def table(
    request: Request,
    year: Year,
    geography: Geo = NATIONAL_CODE,
    characteristic: Annotated[str | None, Query(description="One characteristic; empty = those of Table 2.1")] = None,
    lang: LangQ = "nl",
) -> list[dict[str, Any]]:
    d = board(request)
    d.check(year=year, geography=geography)
    chars = _chars(characteristic) or TABLE_2_1_CHARACTERISTICS
    return records(d.table(year, geography, chars, lang))


@router.get("/boundaries/{level}", summary="Boundaries of 2020 as GeoJSON (CBS/PDOK via cartomap/nl, CC BY 4.0)")
def boundaries(level: Literal["amr", "municipality", "province"]) -> dict[str, Any]:
    return geojson(level)


@router.post("/validate", summary="Check a client file against the data contract (nothing is stored)", response_model=ValidationReport)
async def validate(request: Request, file: Annotated[UploadFile, File(description="CSV (; or ,), XLSX or Parquet")]) -> ValidationReport:
    return await check_upload(request, file)


def own_data(request: Request) -> OwnData:
    own = getattr(request.app.state, "own", None)
    if own is None:
        raise NotFound("this server has no own-data database (start it with --own-db)")
    return own


@router.get("/own", summary="Own client files loaded into this server's own-data database", tags=["own data"])
def own_datasets(request: Request) -> list[dict[str, Any]]:
    return own_data(request).datasets()


@router.get("/own/{name}/compare", summary="An own dataset's municipality beside the reference AMR and national figures", tags=["own data"])
def own_compare(
    request: Request,
    name: Annotated[str, Path(pattern=NAME_PATTERN, description="Name of the own dataset")],
    year: Year,
    geography: Annotated[str, Query(pattern=r"^GM\d{4}$", description="A municipality in the own dataset")],
    moment: Moment = "employed",
    lang: LangQ = "nl",
) -> dict[str, Any]:
    result = comparison(own_data(request).board(name), board(request), year=year, geography=geography, moment=moment, lang=lang)
    return {**{k: v for k, v in result.items() if k != "rows"}, "rows": records(result["rows"])}

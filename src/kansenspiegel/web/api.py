"""The JSON API under /api/v1 (documented at /docs): one route per published view, generated
from the view registry (its parameters as query parameters, its columns as the response
model), plus the meta data, geographies, boundaries and the upload check."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi import Path as FastPath

from kansenspiegel.codes import CHARACTERISTIC_NAMES, MOMENTS
from kansenspiegel.geography import geojson
from kansenspiegel.ingest import ValidationReport
from kansenspiegel.views import NAME_PATTERN, VIEWS, Moment, Params, Published, View, records
from kansenspiegel.views import own as own_view
from kansenspiegel.views.own import OwnComparison, OwnParams
from kansenspiegel.views.own_combinations import OwnCombinationsParams
from kansenspiegel.web import accounts
from kansenspiegel.web.uploads import check_upload

router = APIRouter(prefix="/api/v1", tags=["mirror"])


def board(request: Request) -> Published:
    return accounts.door(request)


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
        "views": list(VIEWS),
    }


@router.get("/geographies", summary="Every geography: the country, AMRs and municipalities (2020)")
def geographies(request: Request) -> list[dict[str, str]]:
    return board(request).geographies()


def _route(router: APIRouter, view: View) -> None:
    """GET /api/v1/<view> for one registered view."""
    params_model: type[Params] = view.params

    def endpoint(request: Request, params: Params) -> Any:
        pub = board(request)
        rows = pub.view(view.name, params)
        if view.shape == "object" and view.as_object is not None:
            return view.as_object(rows, pub, params)
        return records(rows)

    # the parameters are the view's model, read from the query string (real objects, not the
    # strings `from __future__ import annotations` would leave)
    signature = inspect.Signature(
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[params_model, Query()]),
        ]
    )
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    response_model = view.object_model if view.shape == "object" else list[view.row_model()]  # type: ignore[misc]
    router.add_api_route(
        f"/{view.name}",
        endpoint,
        methods=["GET"],
        summary=view.summary,
        response_model=response_model,
        tags=list(view.tags),
        name=view.name,
        operation_id=f"view_{view.name}",
    )


def view_router() -> APIRouter:
    """A route for every registered view (built per app, so a view registered later is served
    too); own data has its dataset name in the path (below)."""
    views = APIRouter(prefix="/api/v1")  # each view names its own tags
    for view in VIEWS.values():
        if "own data" not in view.tags:  # those need the access check of their own routes
            _route(views, view)
    return views


@router.get("/boundaries/{level}", summary="Boundaries of 2020 as GeoJSON (CBS/PDOK via cartomap/nl, CC BY 4.0)")
def boundaries(level: Literal["amr", "municipality", "province"]) -> dict[str, Any]:
    return geojson(level)


@router.post("/validate", summary="Check a client file against the data contract (nothing is stored)", response_model=ValidationReport)
async def validate(request: Request, file: Annotated[UploadFile, File(description="CSV (; or ,), XLSX or Parquet")]) -> ValidationReport:
    accounts.require_user(request)  # on a server with accounts: client files only after logging in
    return await check_upload(request, file)


#: Own data has its own router and tag, so /docs lists each of its endpoints once.
own_router = APIRouter(prefix="/api/v1", tags=["own data"])


@own_router.get("/own", summary="Own client files loaded into this server's own-data database")
def own_datasets(request: Request) -> list[dict[str, Any]]:
    return accounts.own_datasets(request)


@own_router.get("/own/{name}/compare", summary=VIEWS["own"].summary, response_model=OwnComparison)
def own_compare(
    request: Request,
    name: Annotated[str, FastPath(pattern=NAME_PATTERN, description="Name of the own dataset")],
    year: Annotated[int, Query(ge=2000, le=2100)],
    geography: Annotated[str, Query(pattern=r"^GM\d{4}$", description="A municipality in the own dataset")],
    moment: Moment = "employed",
    lang: Literal["nl", "en"] = "nl",
) -> dict[str, Any]:
    accounts.own_board(request, name)  # only a dataset this request may see
    pub = board(request)
    params = OwnParams(name=name, year=year, geography=geography, moment=moment, lang=lang)
    return own_view.as_object(pub.view("own", params), pub, params)


@own_router.get("/own/{name}/combinations", summary=VIEWS["own_combinations"].summary)
def own_combinations(
    request: Request,
    name: Annotated[str, FastPath(pattern=NAME_PATTERN, description="Name of the own dataset")],
    year: Annotated[int, Query(ge=2000, le=2100)],
    geography: Annotated[str, Query(pattern=r"^GM\d{4}$", description="A municipality in the own dataset")],
    characteristics: Annotated[str, Query(max_length=200, description="2 or 3 comma-separated characteristics of the dataset (its own ones too)")],
    moment: Moment = "employed",
    lang: Literal["nl", "en"] = "nl",
) -> list[dict[str, Any]]:
    accounts.own_board(request, name)  # only a dataset this request may see
    params = OwnCombinationsParams(name=name, year=year, geography=geography, characteristics=characteristics, moment=moment, lang=lang)
    return records(board(request).view("own_combinations", params))

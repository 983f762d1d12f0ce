"""What a published view is: its parameters, its columns and its disclosure rule, declared once.

A view module declares one `View` and registers it; the JSON API (with a response model per
view), the downloads (CSV, XLSX), the CLI and the reports all render from the registry, so a
new view is one module (plus a template for its page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, create_model

from kansenspiegel.messages import Lang, has, t

if TYPE_CHECKING:
    from kansenspiegel.views._published import Published

#: How a column is rendered: a code (kept as is, or its label in labelled output), words, a
#: published count (whole number), a chance (a fraction; percentage in labelled output), a
#: difference in percentage points, a p- or q-value, a flag.
Kind = Literal["code", "moment", "comparison", "text", "count", "rate", "pp", "p", "flag", "number", "list"]

#: The JSON type of each kind (every value may be null: a suppressed cell).
JSON_TYPES: dict[str, Any] = {
    "code": str,
    "moment": str,
    "comparison": str,
    "text": str,
    "count": int,
    "rate": float,
    "pp": float,
    "p": float,
    "flag": bool,
    "number": float,
    "list": list[str],
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind

    def label(self, lang: Lang) -> str:
        """The column's header in labelled output (``column.<name>`` in the catalogue)."""
        key = f"column.{self.name}"
        return t(key, lang) if has(key) else self.name


class Params(BaseModel):
    """Base of every view's parameters (validated the same way on every door)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class View:
    """A published view.

    ``compute(published, params)`` returns the view's rows (a DataFrame with ``columns``, in
    that order); ``disclosure`` says which rule its numbers passed (the policy's text is added
    by every renderer); ``page`` names the dashboard page that shows it, if any."""

    name: str
    summary: str
    params: type[Params]
    columns: tuple[Column, ...]
    compute: Callable[[Published, Any], pd.DataFrame]
    disclosure: str = "published"
    page: str | None = None
    #: the API answers with rows (a list) or, for an ``object`` view, ``as_object(rows, published, params)``
    shape: Literal["rows", "object"] = "rows"
    as_object: Callable[..., dict[str, Any]] | None = None
    object_model: type[BaseModel] | None = None
    tags: tuple[str, ...] = field(default=("mirror",))
    #: False for views of data that changes while the server runs (own data)
    cache: bool = True

    def row_model(self) -> type[BaseModel]:
        fields: dict[str, Any] = {c.name: (JSON_TYPES[c.kind] | None, None) for c in self.columns}
        return create_model(f"{self.name.title().replace('_', '')}Row", **fields)


VIEWS: dict[str, View] = {}


def register(view: View) -> View:
    if view.name in VIEWS:
        raise ValueError(f"view {view.name!r} registered twice")
    VIEWS[view.name] = view
    return view


def columns(*spec: str) -> tuple[Column, ...]:
    """Columns from ``name:kind`` strings (``count`` for the count columns when no kind)."""
    out = []
    for s in spec:
        name, _, kind = s.partition(":")
        out.append(Column(name, kind or "count"))  # type: ignore[arg-type]
    return tuple(out)

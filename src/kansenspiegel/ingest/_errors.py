"""The validation report: each problem names file, row, column, value and what was expected.

A problem carries message ids and parameters, never prose: its words come from the catalogue
(``problem.message.*`` and ``problem.expected.*``) in the reader's language. Parameters named
in ``terms`` are themselves catalogue words (``problem.term.*``), e.g. "a year" / "een jaar".
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, computed_field

from kansenspiegel.messages import Lang, t, tn

MAX_LISTED = 50


class Problem(BaseModel):
    """One problem in an input file. ``row`` counts like a spreadsheet (header = row 1)."""

    row: int | None
    column: str | None
    value: str | None
    expected_id: str
    message_id: str | None = None
    params: dict[str, str] = {}
    terms: tuple[str, ...] = ()

    def _params(self, lang: Lang) -> dict[str, str]:
        return {k: (t("problem.term." + v, lang) if k in self.terms else v) for k, v in self.params.items()}

    def expected_text(self, lang: Lang = "en") -> str:
        return t("problem.expected." + self.expected_id, lang, **self._params(lang))

    def message_text(self, lang: Lang = "en") -> str:
        return t("problem.message." + self.message_id, lang, **self._params(lang)) if self.message_id else ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def expected(self) -> str:
        """What was expected, in English (``expected_text(lang)`` for another language)."""
        return self.expected_text("en")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def message(self) -> str:
        """What is wrong, in English ('' when the expectation says it all)."""
        return self.message_text("en")

    def describe(self, file: str, lang: Lang = "en") -> str:
        where = [t("problem.where.file", lang, file=file)]
        if self.row is not None:
            where.append(t("problem.where.row", lang, row=self.row))
        if self.column is not None:
            where.append(t("problem.where.column", lang, column=self.column))
        text = ", ".join(where) + ": "
        if self.message_id:
            text += self.message_text(lang) + "; "
        if self.value is not None:
            text += t("problem.where.value", lang, value=repr(self.value))
        return text + t("problem.where.expected", lang, expected=self.expected_text(lang))


def problem(
    expected_id: str,
    message_id: str | None = None,
    *,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    terms: tuple[str, ...] = (),
    **params: object,
) -> Problem:
    """A problem of the whole file (or of one header cell)."""
    return Problem(
        row=row, column=column, value=value, expected_id=expected_id, message_id=message_id, params={k: str(v) for k, v in params.items()}, terms=terms
    )


class IngestError(Exception):
    """Raised when a file breaks the data contract. Nothing has been stored when it is raised."""

    def __init__(self, file: str | Path, problems: list[Problem], total: int | None = None) -> None:
        self.file = str(file)
        self.problems = sorted(problems, key=lambda p: p.row or 0)  # stable: columns keep their order
        self.total = total if total is not None else len(problems)
        super().__init__(self.text("en"))

    def text(self, lang: Lang = "en") -> str:
        lines = [p.describe(self.file, lang) for p in self.problems[:MAX_LISTED]]
        more = self.total - len(lines)
        if more > 0:
            lines.append(tn("problem.and_more", more, lang))
        head = tn("problem.rejected", self.total, lang, file=self.file)
        return head + "\n  " + "\n  ".join(lines)

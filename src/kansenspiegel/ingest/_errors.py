"""The validation report: each problem names file, row, column, value and what was expected."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

MAX_LISTED = 50


class Problem(BaseModel):
    """One problem in an input file. ``row`` counts like a spreadsheet (header = row 1)."""

    row: int | None
    column: str | None
    value: str | None
    expected: str
    message: str = ""

    def describe(self, file: str) -> str:
        where = [f"file {file}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + ": "
        if self.message:
            text += self.message + "; "
        if self.value is not None:
            text += f"value {self.value!r} — "
        return text + f"expected {self.expected}"


class IngestError(Exception):
    """Raised when a file breaks the data contract. Nothing has been stored when it is raised."""

    def __init__(self, file: str | Path, problems: list[Problem], total: int | None = None) -> None:
        self.file = str(file)
        self.problems = sorted(problems, key=lambda p: p.row or 0)  # stable: columns keep their order
        self.total = total if total is not None else len(problems)
        lines = [p.describe(self.file) for p in self.problems[:MAX_LISTED]]
        more = self.total - len(lines)
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        head = f"{self.file} was rejected ({self.total} problem(s)); nothing was loaded:"
        super().__init__(head + "\n  " + "\n  ".join(lines))

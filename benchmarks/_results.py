"""benchmarks/results.md: each benchmark replaces its own section (from its '## ' heading to
the next one) and leaves the others as they are."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


def write_section(section: str) -> None:
    """Put ``section`` (starting with its '## ' heading line) in place of the section of the
    same heading, or at the end; print it."""
    heading = section.splitlines()[0]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    title = re.escape(heading.split("(")[0].strip())
    text = re.sub(title + r".*?(?=\n## |\Z)", "", text, flags=re.S).rstrip() + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")
    print(section)


def write_table(heading: str, intro: list[str], rows: list[tuple[str, float, str]]) -> None:
    """A section of one table (what, wall seconds, note) under ``heading`` and its ``intro`` lines."""
    lines = [heading, "", *intro, "", "| what | wall (s) | note |", "|---|---:|---|", *[f"| {name} | {s:.2f} | {note} |" for name, s, note in rows]]
    write_section("\n".join(lines) + "\n")

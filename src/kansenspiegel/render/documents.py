"""Documents from templates: one HTML page (inline CSS, no scripts), printed to PDF by
WeasyPrint, and workbooks of labelled sheets. The conversation kit's packs, facilitator sheets
and overview are laid out here; what they hold comes from `kansenspiegel.conversations`."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kansenspiegel import __version__
from kansenspiegel.formatting import fmt_int, fmt_pct, fmt_pp
from kansenspiegel.messages import Lang, t, tn


def _env() -> Environment:
    folder = resources.files("kansenspiegel.render") / "templates"
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html"]))


def page(template: str, lang: Lang, **context: Any) -> str:
    """A document template rendered in ``lang`` with the usual helpers."""
    return (
        _env()
        .get_template(template)
        .render(
            lang=lang,
            t=lambda key, **params: t(key, lang, **params),
            tn=lambda key, n, **params: tn(key, n, lang, **params),
            fmt_int=lambda v: fmt_int(v, lang),
            fmt_pct=lambda v: fmt_pct(v, lang),
            fmt_pp=lambda v: fmt_pp(v, lang),
            fmt_pp0=lambda v: fmt_pp(v, lang, digits=0),
            version=__version__,
            today=date.today().isoformat(),
            **context,
        )
    )


def pdf_bytes(html: str) -> bytes:
    """An HTML document printed to PDF (WeasyPrint; needs Debian's pango and a font)."""
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


def write_document(html: str, path: str | Path) -> Path:
    """``path`` ending in .pdf gets the PDF, anything else the HTML."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(pdf_bytes(html))
    else:
        path.write_text(html, encoding="utf-8")
    return path


def write_workbook(sheets: list[tuple[str, list[str], list[list[Any]]]], path: str | Path) -> Path:
    """One sheet per (title, header, rows): bold frozen headers, real numbers, wide last column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for line in ws.iter_rows(min_row=2):
            for cell in line:
                if cell.data_type == "f":  # a text such as "=HYPERLINK(…)" stays text, never a formula
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
        for i, _ in enumerate(header):
            ws.column_dimensions[get_column_letter(i + 1)].width = 18 if i != len(header) - 1 else 70
    path = Path(path)
    wb.save(path)
    return path

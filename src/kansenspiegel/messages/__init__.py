"""The message catalogue: every word the product shows, in Dutch (default) and English.

One file per language (``nl.toml``, ``en.toml``), the same keys in both; a text may hold named
placeholders (``{area}``), the same in both languages. Templates, findings, reports, the CLI
and validation messages all take their words from here:

>>> t("ui.overview", "en")
'Overview'
>>> Msg("ui.overview")("nl")
'Overzicht'

A key missing in either language, or a placeholder that differs, fails the catalogue test
(`tests/test_messages.py`), so a changed text can never fall back to the other language.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    """Every message of one language, by key."""
    text = (resources.files("kansenspiegel.messages") / f"{lang}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message (``{area}`` → ``area``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(key: str, lang: Lang = "nl", /, **params: object) -> str:
    """The message ``key`` in ``lang``, with its placeholders filled in. An unknown key is an
    error (KeyError), never a silent fallback."""
    text = catalogue("en" if lang == "en" else "nl")[key]
    return text.format(**params) if params else text


def tn(key: str, n: int, lang: Lang = "nl", /, **params: object) -> str:
    """A message that depends on a number: ``key.one`` for exactly 1, ``key.other`` otherwise
    (Dutch and English both have these two forms); ``{n}`` is the number, Dutch-formatted."""
    shown = f"{n:,}".replace(",", "." if lang == "nl" else ",")
    return t(f"{key}.{'one' if n == 1 else 'other'}", lang, n=shown, **params)


def has(key: str) -> bool:
    return key in catalogue("nl")


@dataclass(frozen=True)
class Msg:
    """A message by key, to be put into words later: ``Msg("ui.overview")("en")``."""

    key: str

    def __call__(self, lang: Lang = "nl", /, **params: object) -> str:
        return t(self.key, lang, **params)

    @property
    def nl(self) -> str:
        return t(self.key, "nl")

    @property
    def en(self) -> str:
        return t(self.key, "en")


__all__ = ["LANGUAGES", "Lang", "Msg", "catalogue", "has", "placeholders", "t", "tn"]

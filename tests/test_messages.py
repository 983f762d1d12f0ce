"""The message catalogue: both languages complete, the same placeholders, every key used exists,
and no text is chosen by language outside the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kansenspiegel.messages import LANGUAGES, catalogue, placeholders, t

SRC = Path(__file__).resolve().parents[1] / "src" / "kansenspiegel"
#: t('key') / t("key", ...) / Msg("key") / Label("key") with a literal key
USES = re.compile(r"""\b(?:t|Msg|Label)\(\s*['"]([a-z_][a-z0-9_.]*)['"]""")
#: choosing a text by language in code or templates: the catalogue's job
#: (a word: three letters or more — "en" if lang == "nl" else "nl" picks a language code, not words)
INLINE = re.compile(r"""['"][^'"]*[A-Za-z]{3}[^'"]*['"]\s+if\s+(?:lang\s*==\s*['"]nl['"]|nl)\s+else\s+['"]""")


def test_both_languages_have_the_same_keys() -> None:
    nl, en = set(catalogue("nl")), set(catalogue("en"))
    assert not nl - en, f"missing in English: {sorted(nl - en)}"
    assert not en - nl, f"missing in Dutch: {sorted(en - nl)}"


def test_placeholders_are_the_same_in_both_languages() -> None:
    differ = {k: (placeholders(v), placeholders(catalogue("en")[k])) for k, v in catalogue("nl").items() if placeholders(v) != placeholders(catalogue("en")[k])}
    assert not differ


def test_no_text_is_empty_or_left_untranslated_by_mistake() -> None:
    for lang in LANGUAGES:
        assert all(v.strip() for v in catalogue(lang).values()), lang


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*") if p.suffix in (".py", ".html") and "messages" not in p.parts)


def test_every_key_used_in_code_and_templates_exists() -> None:
    keys = set(catalogue("nl"))
    used = {(p.name, k) for p in _sources() for k in USES.findall(p.read_text(encoding="utf-8")) if "." in k}
    # a key ending in '.' is a prefix completed at run time (e.g. "finding.certainty." + level)
    missing = {(name, k) for name, k in used if (k not in keys if not k.endswith(".") else not any(x.startswith(k) for x in keys))}
    assert len(used) > 150 and not missing


def test_no_words_are_chosen_by_language_outside_the_catalogue() -> None:
    found = [f"{p.relative_to(SRC)}:{i}" for p in _sources() for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if INLINE.search(line)]
    assert not found, found


def test_an_unknown_key_is_an_error_not_a_fallback() -> None:
    with pytest.raises(KeyError):
        t("ui.no_such_message", "nl")
    assert t("finding.pp", "nl", value="3,2") == "3,2 procentpunt" and t("finding.pp", "en", value="3.2") == "3.2 percentage points"

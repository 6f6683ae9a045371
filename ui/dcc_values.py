"""EU DCC codes in people's words: the eHealth Network's value sets shipped in assets/dcc/valuesets/
(their English names, Apache-2.0, see the README there) and this project's Chinese names for the
generic sets (assets/dcc/names-zh.json). Which entry field reads which value set is fixed here.

    name_for("entry.mp", "EU/1/20/1507", chinese_first=True)   # -> "Spikevax"
    name_for("entry.tg", "840539006", chinese_first=True)  # -> "新型冠状病毒感染\nCOVID-19"
    name_for("entry.ma", "1232", chinese_first=False)      # -> None (not in the shipped sets: show the code)

Files are read once, on first use, each at most 1 MiB; one that is missing or broken is logged and
left out (the code is then shown as is): a display aid never stops a verdict from showing.
Threads: any (read-only after the first load, which is idempotent).
"""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

DCC_ASSETS = Path(__file__).resolve().parent.parent / "assets" / "dcc"
VALUESET_DIR = DCC_ASSETS / "valuesets"
MAX_FILE = 1 << 20

# summary field (CredentialSummary.dcc, flattened) -> (value set file, valueSetId)
FIELD_SETS = {
    "entry.tg": ("disease-agent-targeted.json", "disease-agent-targeted"),
    "entry.vp": ("vaccine-prophylaxis.json", "sct-vaccines-covid-19"),
    "entry.mp": ("vaccine-medicinal-product.json", "vaccines-covid-19-names"),
    "entry.ma": ("vaccine-mah-manf.json", "vaccines-covid-19-auth-holders"),
    "entry.tt": ("test-type.json", "covid-19-lab-test-type"),
    "entry.tr": ("test-result.json", "covid-19-lab-result"),
}


def _read_json(path: Path) -> object:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise ValueError("over 1 MiB")
        return json.loads(data)
    except (OSError, ValueError) as exc:
        log.warning("EU DCC value set %s not used: %s", path.name, exc)
        return {}


@functools.lru_cache(maxsize=None)
def english(file: str) -> Mapping[str, str]:
    """code -> display name of one value set file (the standard form {valueSetId, valueSetDate,
    valueSetValues} or the flat form {code: {display, ...}})."""
    doc = _read_json(VALUESET_DIR / file)
    if not isinstance(doc, dict):
        return {}
    values = doc.get("valueSetValues", doc)
    if not isinstance(values, dict):
        return {}
    return {str(code): v["display"] for code, v in values.items()
            if isinstance(v, dict) and isinstance(v.get("display"), str)}


@functools.lru_cache(maxsize=None)
def chinese() -> Mapping[str, Mapping[str, str]]:
    doc = _read_json(DCC_ASSETS / "names-zh.json")
    if not isinstance(doc, dict):
        return {}
    return {k: {str(c): n for c, n in v.items() if isinstance(n, str)} for k, v in doc.items() if isinstance(v, dict)}


def name_for(field: str, code: object, *, chinese_first: bool) -> str | None:
    """The name for `code` in summary field `field`, or None when no shipped value set has it.
    Chinese first: the project's Chinese name with the EU's English name on the line below when
    there is one, else the EU name (product and company names are not translated)."""
    spec = FIELD_SETS.get(field)
    if spec is None or not isinstance(code, str):
        return None
    en = english(spec[0]).get(code)
    if en is None:
        return None
    if chinese_first:
        zh = chinese().get(spec[1], {}).get(code)
        if zh:
            return f"{zh}\n{en}"
    return en

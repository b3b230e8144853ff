"""The published old -> new commune correspondence of the 2025 reform, keyed to our unit rows.

The correspondence comes from the PyPI package `vietnamadminunits` (MIT), not a hand-typed table:
its converter data lists, per new province, the new wards made of whole old wards
(``DICT_PROVINCE_WARD_NO_DIVIDED``) and the old wards split between several new ones, one of them
the default (``DICT_PROVINCE_WARD_DIVIDED``). Its sqlite dataset gives the GSO code of every key
(``admin_units_legacy`` for 2025-01, ``admin_units`` for 2025-10), so the correspondence is matched
to the unit rows we load from `vietnam-provinces` by GSO code; names, normalised, are compared too,
and every disagreement is reported (a code in one and not the other, a name that differs).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from unidecode import unidecode

from org.models import AdministrativeUnit, CodeVersion, UnitLevel

# The package's data files, found without importing it (its import loads its address parser).
PACKAGE_DATA = Path(find_spec("vietnamadminunits").origin).parent / "data"
PREFIXES = ("thi tran ", "phuong ", "xa ", "dac khu ")


@dataclass(frozen=True)
class OldCommune:
    """One 2025-01 commune: the 2025-10 communes it went to, the default first."""

    code: str
    name: str
    new_codes: tuple[str, ...]
    # False for an old commune the package does not carry: its candidates are the new communes
    # the other communes of its old district went to, the most common first (see below).
    from_package: bool = True

    @property
    def default(self) -> str:
        return self.new_codes[0]

    @property
    def split(self) -> bool:
        """Its people wait in the worklist: split between several, or not in the package."""
        return len(self.new_codes) > 1 or not self.from_package


@dataclass
class Correspondence:
    province_code: str
    old: dict[str, OldCommune] = field(default_factory=dict)  # by old GSO commune code
    new_names: dict[str, str] = field(default_factory=dict)  # new GSO code -> package name
    disagreements: list[str] = field(default_factory=list)


def normalise_name(name: str) -> str:
    """ "Phường Quán Triều" and "phuong quan trieu" alike: no accents, no kind, no spaces."""
    text = unidecode(name).lower().strip()
    for prefix in PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return re.sub(r"[^a-z0-9]", "", text)


@cache
def _package_tables() -> tuple[dict, list[dict], list[dict]]:
    data = json.loads((PACKAGE_DATA / "converter_2025.json").read_text())
    with sqlite3.connect(PACKAGE_DATA / "dataset.db") as db:
        db.row_factory = sqlite3.Row
        legacy = [
            dict(r)
            for r in db.execute(
                "SELECT provinceKey, provinceCode, districtKey, wardKey, wardCode, ward "
                "FROM admin_units_legacy"
            )
        ]
        current = [
            dict(r)
            for r in db.execute(
                "SELECT provinceKey, provinceCode, wardKey, wardCode, ward FROM admin_units"
            )
        ]
    return data, legacy, current


def package_correspondence(province_code: str) -> Correspondence:
    """The package's correspondence for a (2025-10) province, by GSO codes, on its own."""
    province_code = str(int(province_code)).zfill(2)
    data, legacy, current = _package_tables()
    result = Correspondence(province_code=province_code)
    new_rows = [r for r in current if r["provinceCode"] == province_code]
    if not new_rows:
        return result
    new_key = new_rows[0]["provinceKey"]
    new_code_of = {r["wardKey"]: r["wardCode"] for r in new_rows}
    result.new_names = {r["wardCode"]: r["ward"] for r in new_rows}
    old_province_keys = set(data["DICT_PROVINCE"].get(new_key, []))
    # Old communes of this new province only: an old province that also fed another one keeps
    # the communes of that other one out.
    old_of = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": r
        for r in legacy
        if r["provinceKey"] in old_province_keys and r["wardCode"]
    }
    targets: dict[str, list[str]] = {}
    for new_ward_key, old_keys in data["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}).items():
        for old_key in old_keys:
            targets.setdefault(old_key, [new_ward_key])
    for old_key, new_wards in data["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {}).items():
        if old_key in targets:
            continue  # the package's converter reads the whole-commune table first
        ordered = sorted(new_wards, key=lambda w: not w["isDefaultNewWard"])
        targets[old_key] = [w["newWardKey"] for w in ordered]
    for old_key, new_keys in sorted(targets.items()):
        row = old_of.get(old_key)
        if row is None:
            result.disagreements.append(f"package: old key {old_key} has no GSO code")
            continue
        codes = [new_code_of.get(k) for k in new_keys]
        if None in codes:
            missing = [k for k, c in zip(new_keys, codes, strict=True) if c is None]
            result.disagreements.append(
                f"package: new key(s) {', '.join(missing)} of old {row['wardCode']} have no code"
            )
            codes = [c for c in codes if c]
            if not codes:
                continue
        result.old[row["wardCode"]] = OldCommune(row["wardCode"], row["ward"], tuple(codes))
    return result


def province_correspondence(province_code: str) -> Correspondence:
    """The correspondence for the province's units as loaded: only old communes we have a row
    for, only new communes we have a row for; every difference in `disagreements`."""
    package = package_correspondence(province_code)
    code = package.province_code
    old_rows = {
        u.code: u
        for u in AdministrativeUnit.objects.filter(
            code_version=CodeVersion.THREE_TIER,
            level=UnitLevel.COMMUNE,
            path__startswith=f"{CodeVersion.THREE_TIER}/{code}/",
        )
    }
    new_rows = {
        u.code: u
        for u in AdministrativeUnit.objects.filter(
            code_version=CodeVersion.TWO_TIER,
            level=UnitLevel.COMMUNE,
            path__startswith=f"{CodeVersion.TWO_TIER}/{code}/",
        )
    }
    result = Correspondence(province_code=code, new_names=package.new_names)
    result.disagreements = list(package.disagreements)
    # A new commune whose code differs between the two sources is matched by its name.
    by_name = {normalise_name(u.name): u for u in new_rows.values()}
    renamed: dict[str, str] = {}
    for new_code, name in sorted(package.new_names.items()):
        unit = by_name.get(normalise_name(name))
        if new_code not in new_rows and unit is not None and unit.code not in package.new_names:
            renamed[new_code] = unit.code
            result.disagreements.append(
                f"new {name}: code {new_code} in the package, {unit.code} here (matched by name)"
            )
    not_loaded = 0
    for old_code, old in package.old.items():
        if old_code not in old_rows:
            not_loaded += 1  # an old commune of another old province merged into this one
            continue
        unit = old_rows[old_code]
        if normalise_name(unit.name) != normalise_name(old.name):
            result.disagreements.append(
                f"old {old_code}: name {unit.name!r} here, {old.name!r} in the package"
            )
        kept = tuple(renamed.get(c, c) for c in old.new_codes if renamed.get(c, c) in new_rows)
        for lost in sorted(c for c in old.new_codes if renamed.get(c, c) not in new_rows):
            result.disagreements.append(
                f"old {old_code}: new commune {lost} of the package is not loaded"
            )
        if kept:
            result.old[old_code] = OldCommune(old_code, unit.name, kept)
    if not_loaded:
        result.disagreements.append(
            f"{not_loaded} old communes of the package are not loaded here "
            "(another old province merged into this one)"
        )
    for old_code in sorted(set(old_rows) - set(result.old)):
        if old_code in package.old:
            continue
        unit = old_rows[old_code]
        # The new communes its old district's other communes went to, the most common first.
        went = Counter(
            c
            for o in result.old.values()
            if o.from_package and old_rows[o.code].parent_id == unit.parent_id
            for c in o.new_codes
        )
        candidates = tuple(c for c, _n in sorted(went.items(), key=lambda kv: (-kv[1], kv[0])))
        result.disagreements.append(
            f"old {old_code} ({unit.name}) is not in the package: its people go to the worklist"
            f" (candidates: the {len(candidates)} new communes of its old district)"
        )
        if candidates:
            result.old[old_code] = OldCommune(old_code, unit.name, candidates, from_package=False)
    for new_code, unit in sorted(new_rows.items()):
        name = package.new_names.get(new_code)
        if new_code in renamed.values():
            continue
        if name is None:
            result.disagreements.append(f"new {new_code} ({unit.name}) is not in the package")
        elif normalise_name(name) != normalise_name(unit.name):
            result.disagreements.append(
                f"new {new_code}: name {unit.name!r} here, {name!r} in the package"
            )
    return result

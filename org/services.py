"""Writes for administrative units and staff users."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.errors import AppError
from org.errors import OrgErrorCode
from org.models import (
    ROLE_LEVELS,
    AdministrativeUnit,
    CodeVersion,
    Role,
    UnitLevel,
    User,
    format_unit_code,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class UnitRow:
    """One unit as read from a source, before it touches the database."""

    level: str
    code: str
    name: str
    division_type: str
    parent_code: str | None  # the parent's code at the level above, same version


@dataclass(frozen=True)
class UnitLoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _walk(
    node: dict, level: str, parent_code: str | None, child_levels: list[str]
) -> Iterator[UnitRow]:
    try:
        code = format_unit_code(level, node["code"])
        row = UnitRow(level, code, node["name"].strip(), node.get("division_type", ""), parent_code)
    except (KeyError, TypeError, ValueError) as exc:
        raise AppError(
            OrgErrorCode.UNIT_ENTRY_INVALID, f"Invalid {level} entry {node!r}: {exc}"
        ) from exc
    yield row
    if child_levels:
        child_level = child_levels[0]
        key = {"district": "districts", "commune": "communes"}[child_level]
        for child in node.get(key) or []:
            yield from _walk(child, child_level, code, child_levels[1:])


def units_from_json(data: dict, *, province_code: str | None = None) -> tuple[str, list[UnitRow]]:
    """Read the JSON format of shared/data: {"levels": [...], "provinces": [...nested...]}.

    Returns the code version (three-tier files are 2025-01, two-tier 2025-10) and the rows,
    parents before children.
    """
    levels = data.get("levels")
    if levels == ["province", "district", "commune"]:
        version = CodeVersion.THREE_TIER
    elif levels == ["province", "commune"]:
        version = CodeVersion.TWO_TIER
    else:
        raise AppError(
            OrgErrorCode.UNIT_LEVELS_UNKNOWN,
            f"Unknown levels {levels!r}: expected province/district/commune or province/commune.",
        )
    rows: list[UnitRow] = []
    for province in data.get("provinces") or []:
        if province_code and int(province["code"]) != int(province_code):
            continue
        rows.extend(_walk(province, UnitLevel.PROVINCE, None, levels[1:]))
    return version, rows


def units_from_package(*, province_code: str | None = None) -> tuple[str, list[UnitRow]]:
    """The current two-tier list of every province from the `vietnam-provinces` package."""
    from vietnam_provinces import Province, Ward

    rows: list[UnitRow] = []
    for province in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        if province_code and int(province.code) != int(province_code):
            continue
        pcode = format_unit_code(UnitLevel.PROVINCE, int(province.code))
        rows.append(
            UnitRow(UnitLevel.PROVINCE, pcode, province.name, province.division_type.value, None)
        )
        for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code)):
            rows.append(
                UnitRow(
                    UnitLevel.COMMUNE,
                    format_unit_code(UnitLevel.COMMUNE, int(ward.code)),
                    ward.name,
                    ward.division_type.value,
                    pcode,
                )
            )
    return CodeVersion.TWO_TIER, rows


LEVEL_ORDER = {UnitLevel.PROVINCE: 0, UnitLevel.DISTRICT: 1, UnitLevel.COMMUNE: 2}


def parent_level(level: str, code_version: str) -> str:
    """A district's parent is a province; a commune's is a district (three-tier) or the
    province (two-tier, after the 2025 reform)."""
    if level == UnitLevel.COMMUNE and code_version == CodeVersion.THREE_TIER:
        return UnitLevel.DISTRICT
    return UnitLevel.PROVINCE


def unit_load(*, rows: Iterable[UnitRow], code_version: str) -> UnitLoadResult:
    """Create or update units of one code version, in bulk, keeping history.

    Idempotent: loading the same rows twice changes nothing the second time. A unit is matched
    on (code version, level, code); its name, type and parent are brought up to date.
    """
    rows = sorted(rows, key=lambda r: LEVEL_ORDER[UnitLevel(r.level)])
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {
            (u.level, u.code): u
            for u in AdministrativeUnit.objects.filter(code_version=code_version).select_related(
                "parent"
            )
        }
        for level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE):
            level_rows = [r for r in rows if r.level == level]
            if not level_rows:
                continue
            to_create, to_update = [], []
            for row in level_rows:
                parent = None
                if row.parent_code is not None:
                    parent = existing.get((parent_level(level, code_version), row.parent_code))
                    if parent is None:
                        raise AppError(
                            OrgErrorCode.UNIT_PARENT_MISSING,
                            f"Unit {row.code} {row.name}: parent {row.parent_code} not found.",
                        )
                unit = existing.get((level, row.code))
                if unit is None:
                    unit = AdministrativeUnit(
                        code=row.code,
                        level=level,
                        code_version=code_version,
                        name=row.name,
                        division_type=row.division_type,
                        parent=parent,
                        active=True,
                    )
                    unit.path = unit.build_path()
                    to_create.append(unit)
                else:
                    new_path = f"{parent.path if parent else code_version + '/'}{row.code}/"
                    if (unit.name, unit.division_type, unit.parent_id, unit.active, unit.path) != (
                        row.name,
                        row.division_type,
                        parent.pk if parent else None,
                        True,
                        new_path,
                    ):
                        unit.name, unit.division_type, unit.parent, unit.active = (
                            row.name,
                            row.division_type,
                            parent,
                            True,
                        )
                        unit.path = new_path
                        to_update.append(unit)
                    else:
                        unchanged += 1
            if to_create:
                bulk_create_with_history(to_create, AdministrativeUnit, batch_size=1000)
                # Fetch the new rows back so that their ids are known to the next level.
                for unit in AdministrativeUnit.objects.filter(
                    code_version=code_version, level=level, code__in=[u.code for u in to_create]
                ):
                    existing[(level, unit.code)] = unit
                created += len(to_create)
            if to_update:
                bulk_update_with_history(
                    to_update,
                    AdministrativeUnit,
                    ["name", "division_type", "parent", "active", "path"],
                    batch_size=1000,
                )
                updated += len(to_update)
    return UnitLoadResult(created, updated, unchanged)


def unit_load_file(*, path: Path, province_code: str | None = None) -> tuple[str, UnitLoadResult]:
    """Load a JSON file in the shared/data format; returns its code version and the counts."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AppError(OrgErrorCode.UNIT_FILE_UNREADABLE, f"Cannot read {path}: {exc}") from exc
    version, rows = units_from_json(data, province_code=province_code)
    if not rows:
        raise AppError(
            OrgErrorCode.UNIT_FILE_EMPTY,
            f"No units in {path}" + (f" for province {province_code}" if province_code else ""),
        )
    return version, unit_load(rows=rows, code_version=version)


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    unit: AdministrativeUnit | None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a staff user after checking that the role fits the unit's level."""
    if role != Role.ADMIN:
        if unit is None:
            raise AppError(
                OrgErrorCode.USER_NEEDS_UNIT, "Every user except an administrator needs a unit."
            )
        if not unit.active:
            raise AppError(
                OrgErrorCode.UNIT_ABOLISHED,
                f"{unit} was abolished by the 2025 reform: choose a unit of the new organisation.",
            )
        if unit.level not in ROLE_LEVELS[Role(role)] or (
            role == Role.COMMUNE_LEADER and unit.code_version != CodeVersion.TWO_TIER
        ):
            raise AppError(
                OrgErrorCode.ROLE_WRONG_LEVEL, f"A {role} cannot work at a {unit.level} unit."
            )
    user = User(
        username=username,
        role=role,
        unit=unit,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user

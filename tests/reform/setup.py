"""Thái Nguyên (19) on its 2025-01 units, with people in a commune the reform splits (Phường
Cam Giá, 05467: to Gia Sàng by default, or Tích Lương) and in a whole one (Phường Quán Triều,
05431), a draft change, a province officer and a district officer; then the reform applied."""

import datetime
import io

from django.core.management import call_command

from beneficiaries.models import ChangeRecord, ReformRun
from org.models import Role
from org.services import DATA_DIR
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory, unit

THREE_TIER = DATA_DIR / "units_2025-01_three_tier_hue_thai_nguyen.json"
EFFECTIVE = datetime.date(2026, 1, 1)


def thai_nguyen_reformed(effective: datetime.date = EFFECTIVE, before=None) -> dict:
    """The province reformed; `before(world)` runs first on the old units (lists to close...)
    and what it returns joins the world."""
    call_command("load_units", str(THREE_TIER), province="19", stdout=io.StringIO())
    split = unit("05467")
    whole = unit("05431")
    province = unit("19", "province")
    officer = UserFactory(username="tinh19", role=Role.PROVINCE_OFFICER, unit=province)
    district = UserFactory(username="huyen164", role=Role.DISTRICT_OFFICER, unit=whole.parent)
    maker = UserFactory(username="xa05467", role=Role.COMMUNE_OFFICER, unit=split)
    waiting = [
        BeneficiaryFactory(commune=split, full_name=f"Hoàng Văn Chờ {i}", address=f"Tổ {i + 1}")
        for i in range(3)
    ]
    moved = [BeneficiaryFactory(commune=whole, full_name=f"Lê Thị Chuyển {i}") for i in range(2)]
    for person in waiting + moved:
        BeneficiaryCategoryFactory(beneficiary=person)
    draft = ChangeRecord.objects.create(
        beneficiary=waiting[0],
        commune=split,
        kind="suspend",
        reason="other",
        effective_month=effective,
        maker=maker,
    )
    open_whole = ChangeRecord.objects.create(
        beneficiary=moved[0],
        commune=whole,
        kind="suspend",
        reason="other",
        effective_month=effective,
        maker=maker,
        status="submitted",
    )
    extra = (
        before({"split": split, "whole": whole, "district_officer": district, "maker": maker})
        if before
        else None
    )
    call_command(
        "apply_unit_reform",
        province="19",
        effective_month=effective.strftime("%Y-%m"),
        stdout=io.StringIO(),
    )
    return {
        "run": ReformRun.objects.get(province_code="19"),
        "waiting": waiting,
        "moved": moved,
        "draft": draft,
        "open_whole": open_whole,
        "officer": officer,
        "district_officer": district,
        "gia_sang": unit("05467", version="2025-10"),
        "tich_luong": unit("05500", version="2025-10"),
        "new_province": unit("19", "province", "2025-10"),
        **(extra or {}),
    }

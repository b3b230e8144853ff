import json

import pytest
from django.core.management import CommandError, call_command

from org.models import AdministrativeUnit, CodeVersion
from tests.conftest import THREE_TIER, TWO_TIER


def run(*args, **kwargs) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_units", *args, stdout=out, **kwargs)
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.django_db
def test_three_tier_file_loads_provinces_districts_and_communes():
    summary = run(str(THREE_TIER))
    assert "326 units of code version 2025-01" in summary
    units = AdministrativeUnit.objects.filter(code_version=CodeVersion.THREE_TIER)
    hue = units.get(level="province", code="46")
    assert hue.name == "Thành phố Huế"
    assert hue.children.count() == 9
    assert units.filter(level="commune", path__startswith=hue.path).count() == 134
    thai_nguyen = units.get(level="province", code="19")
    assert units.filter(level="district", parent=thai_nguyen).count() == 9
    # Every commune hangs under a district, which hangs under its province.
    commune = units.get(level="commune", code="19777")
    assert commune.parent.level == "district"
    assert commune.parent.parent == hue
    assert commune.closing_unit == commune.parent
    assert commune.path == f"2025-01/46/{commune.parent.code}/19777/"


@pytest.mark.django_db
def test_two_tier_file_puts_communes_directly_under_the_province():
    run(str(TWO_TIER))
    units = AdministrativeUnit.objects.filter(code_version=CodeVersion.TWO_TIER)
    hue = units.get(level="province", code="46")
    assert units.filter(level="district").count() == 0
    assert hue.children.filter(level="commune").count() == 40
    assert units.get(level="province", code="19").children.count() == 92
    commune = hue.children.first()
    assert commune.closing_unit == commune  # on two-tier units the commune closes its list


@pytest.mark.django_db
def test_both_versions_coexist_even_where_codes_were_reused():
    run(str(THREE_TIER))
    run(str(TWO_TIER))
    # 05443 is Phường Trưng Vương before the reform and Phường Phan Đình Phùng after it.
    before = AdministrativeUnit.objects.get(code="05443", code_version="2025-01")
    after = AdministrativeUnit.objects.get(code="05443", code_version="2025-10")
    assert before.pk != after.pk
    assert before.name == "Phường Trưng Vương"
    assert after.name == "Phường Phan Đình Phùng"


@pytest.mark.django_db
def test_loading_twice_changes_nothing_and_keeps_history():
    run(str(THREE_TIER))
    summary = run(str(THREE_TIER))
    assert "0 created, 0 updated, 326 unchanged" in summary
    unit = AdministrativeUnit.objects.get(code="19777", code_version="2025-01")
    assert unit.history.count() == 1


@pytest.mark.django_db
def test_a_renamed_unit_is_updated_with_history(tmp_path):
    run(str(THREE_TIER))
    data = json.loads(THREE_TIER.read_text())
    hue = next(p for p in data["provinces"] if p["code"] == 46)
    hue["districts"][0]["communes"][0]["name"] = "Phường Mới Đổi Tên"
    changed = tmp_path / "units.json"
    changed.write_text(json.dumps(data, ensure_ascii=False))
    summary = run(str(changed), province="46")
    assert "1 updated" in summary
    code = str(hue["districts"][0]["communes"][0]["code"]).zfill(5)
    unit = AdministrativeUnit.objects.get(code=code, code_version="2025-01")
    assert unit.name == "Phường Mới Đổi Tên"
    assert [h.name for h in unit.history.order_by("history_date")][-1] == "Phường Mới Đổi Tên"
    assert unit.history.count() == 2


@pytest.mark.django_db
def test_package_loads_every_province_two_tier():
    summary = run(package=True)
    assert "code version 2025-10 from vietnam-provinces" in summary
    units = AdministrativeUnit.objects.filter(code_version="2025-10")
    assert units.filter(level="province").count() == 34
    assert units.filter(level="commune").count() == 3321


@pytest.mark.django_db
def test_package_for_one_province_matches_the_shared_file():
    run(package=True, province="46")
    summary = run(str(TWO_TIER), province="46")
    assert "0 created, 0 updated, 41 unchanged" in summary


@pytest.mark.django_db
def test_bad_inputs_are_refused_with_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        run(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(broken))
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"levels": ["region"], "provinces": []}))
    with pytest.raises(CommandError, match="Unknown levels"):
        run(str(odd))
    with pytest.raises(CommandError, match="No province 99"):
        run(package=True, province="99")
    with pytest.raises(CommandError, match="either a FILE or --package"):
        run()
    assert AdministrativeUnit.objects.count() == 0


@pytest.mark.django_db
def test_an_orphan_commune_rolls_back_the_whole_file(tmp_path):
    data = {
        "levels": ["province", "commune"],
        "provinces": [
            {
                "code": 46,
                "name": "Huế",
                "division_type": "tỉnh",
                "communes": [{"code": 1, "name": "Xã A"}],
            },
            {
                "code": 47,
                "name": "Lỗi",
                "division_type": "tỉnh",
                "communes": [{"name": "Xã thiếu mã"}],
            },
        ],
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(CommandError, match="Invalid commune"):
        run(str(bad))
    assert AdministrativeUnit.objects.count() == 0

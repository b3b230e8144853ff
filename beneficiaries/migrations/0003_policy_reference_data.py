"""Reference data of Decree 20/2021/NĐ-CP and Decree 76/2024/NĐ-CP: categories, coefficient
bands, and the national standard levels. A new decree is a new row, added the same way."""

import datetime
from decimal import Decimal

from django.db import migrations

D20 = "Nghị định 20/2021/NĐ-CP"
D76 = "Nghị định 76/2024/NĐ-CP"
FROM = datetime.date(2021, 7, 1)

# code, kind, name, legal basis, requires disability level, requires children, additive
CATEGORIES = [
    ("K1", "allowance", "Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng", f"{D20}, Điều 5 khoản 1", False, False, False),
    ("K2", "allowance", "Người từ 16 đến 22 tuổi đang đi học, thuộc diện K1", f"{D20}, Điều 5 khoản 2", False, False, False),
    ("K3", "allowance", "Trẻ em nhiễm HIV thuộc hộ nghèo", f"{D20}, Điều 5 khoản 3", False, False, False),
    ("K4", "allowance", "Người đơn thân thuộc hộ nghèo, cận nghèo đang nuôi con", f"{D20}, Điều 5 khoản 4", False, True, True),
    ("K5A", "allowance", "Người cao tuổi thuộc hộ nghèo, không có người phụng dưỡng", f"{D20}, Điều 5 khoản 5 điểm a", False, False, False),
    ("K5B", "allowance", "Người từ 75 đến 80 tuổi thuộc hộ nghèo, cận nghèo ở xã đặc biệt khó khăn", f"{D20}, Điều 5 khoản 5 điểm b", False, False, False),
    ("K5C", "allowance", "Người từ 80 tuổi trở lên không có lương hưu, trợ cấp hằng tháng", f"{D20}, Điều 5 khoản 5 điểm c", False, False, False),
    ("K5D", "allowance", "Người cao tuổi đủ điều kiện vào cơ sở trợ giúp xã hội, sống tại cộng đồng", f"{D20}, Điều 5 khoản 5 điểm d", False, False, False),
    ("K6", "allowance", "Người khuyết tật nặng, đặc biệt nặng", f"{D20}, Điều 5 khoản 6", True, False, False),
    ("K7", "allowance", "Trẻ em dưới 3 tuổi thuộc hộ nghèo, cận nghèo ở xã đặc biệt khó khăn", f"{D20}, Điều 5 khoản 7", False, False, False),
    ("K8", "allowance", "Người nhiễm HIV thuộc hộ nghèo không có nguồn thu nhập ổn định", f"{D20}, Điều 5 khoản 8", False, False, False),
    ("CS_FOSTER_K1", "care_support", "Hỗ trợ nhận chăm sóc, nuôi dưỡng trẻ em (K1)", f"{D20}, Điều 20 khoản 1", False, False, False),
    ("CS_FOSTER_K5D", "care_support", "Hỗ trợ nhận chăm sóc, nuôi dưỡng người cao tuổi (K5D)", f"{D20}, Điều 20 khoản 2", False, False, False),
    ("CS_HOUSEHOLD_DISABLED", "care_support", "Hỗ trợ hộ gia đình chăm sóc người khuyết tật đặc biệt nặng", f"{D20}, Điều 20 khoản 3", False, False, False),
    ("CS_FOSTER_DISABLED", "care_support", "Hỗ trợ nhận chăm sóc, nuôi dưỡng người khuyết tật đặc biệt nặng", f"{D20}, Điều 20 khoản 4", False, False, False),
    ("CS_DISABLED_PARENT", "care_support", "Hỗ trợ người khuyết tật mang thai hoặc nuôi con dưới 36 tháng", f"{D20}, Điều 20 khoản 5", False, False, False),
    ("FUNERAL", "funeral", "Hỗ trợ chi phí mai táng", f"{D20}, Điều 11", False, False, False),
]

# code, min_age, max_age, age_group, disability level, per child, variant, coefficient, note
BANDS = [
    ("K1", None, 4, "", "", False, "", "2.5", "Dưới 4 tuổi"),
    ("K1", 4, 16, "", "", False, "", "1.5", "Từ 4 tuổi đến dưới 16 tuổi"),
    ("K2", 16, 22, "", "", False, "", "1.5", "Từ 16 đến dưới 22 tuổi, đang đi học"),
    ("K3", None, 4, "", "", False, "", "2.5", "Dưới 4 tuổi"),
    ("K3", 4, 16, "", "", False, "", "2.0", "Từ 4 tuổi đến dưới 16 tuổi"),
    ("K4", None, None, "", "", True, "", "1.0", "Mỗi con đang nuôi"),
    ("K5A", 60, 80, "", "", False, "", "1.5", "Từ 60 đến dưới 80 tuổi"),
    ("K5A", 80, None, "", "", False, "", "2.0", "Từ 80 tuổi trở lên"),
    ("K5B", 75, 80, "", "", False, "", "1.0", "Từ 75 đến dưới 80 tuổi"),
    ("K5C", 80, None, "", "", False, "", "1.0", "Từ 80 tuổi trở lên"),
    ("K5D", 60, None, "", "", False, "", "3.0", "Sống tại cộng đồng"),
    ("K6", None, None, "", "extremely_severe", False, "", "2.0", "Khuyết tật đặc biệt nặng"),
    ("K6", None, None, "child", "extremely_severe", False, "", "2.5", "Khuyết tật đặc biệt nặng, trẻ em"),
    ("K6", None, None, "elderly", "extremely_severe", False, "", "2.5", "Khuyết tật đặc biệt nặng, người cao tuổi"),
    ("K6", None, None, "", "severe", False, "", "1.5", "Khuyết tật nặng"),
    ("K6", None, None, "child", "severe", False, "", "2.0", "Khuyết tật nặng, trẻ em"),
    ("K6", None, None, "elderly", "severe", False, "", "2.0", "Khuyết tật nặng, người cao tuổi"),
    ("K7", None, 3, "", "", False, "", "1.5", "Dưới 3 tuổi"),
    ("K8", None, None, "", "", False, "", "1.5", "Không có nguồn thu nhập ổn định"),
    ("CS_FOSTER_K1", None, 4, "", "", False, "", "2.5", "Nuôi trẻ em dưới 4 tuổi"),
    ("CS_FOSTER_K1", 4, None, "", "", False, "", "1.5", "Nuôi trẻ em từ 4 tuổi"),
    ("CS_FOSTER_K5D", None, None, "", "", False, "", "1.5", "Nuôi người cao tuổi"),
    ("CS_HOUSEHOLD_DISABLED", None, None, "", "extremely_severe", False, "", "1.0", "Hộ gia đình có người khuyết tật đặc biệt nặng"),
    ("CS_FOSTER_DISABLED", None, None, "", "extremely_severe", False, "", "1.5", "Nhận nuôi người khuyết tật đặc biệt nặng"),
    ("CS_FOSTER_DISABLED", None, None, "child", "extremely_severe", False, "", "2.5", "Nhận nuôi trẻ em khuyết tật đặc biệt nặng"),
    ("CS_DISABLED_PARENT", None, None, "", "", False, "", "1.5", "Mang thai hoặc nuôi một con dưới 36 tháng"),
    ("CS_DISABLED_PARENT", None, None, "", "", False, "both_or_two_children", "2.0", "Mang thai và nuôi con dưới 36 tháng, hoặc nuôi từ hai con dưới 36 tháng"),
    ("FUNERAL", None, None, "", "", False, "", "20.0", "Một lần, bằng 20 lần mức chuẩn"),
]

LEVELS = [
    (datetime.date(2021, 7, 1), 360_000, D20),
    (datetime.date(2024, 7, 1), 500_000, D76),
]


def load(apps, schema_editor):
    Category = apps.get_model("beneficiaries", "Category")
    CategoryCoefficient = apps.get_model("beneficiaries", "CategoryCoefficient")
    StandardLevel = apps.get_model("beneficiaries", "StandardLevel")
    by_code = {}
    for order, (code, kind, name, basis, needs_level, needs_children, additive) in enumerate(CATEGORIES):
        by_code[code] = Category.objects.create(
            code=code,
            kind=kind,
            name=name,
            legal_basis=basis,
            requires_disability_level=needs_level,
            requires_dependent_children=needs_children,
            additive=additive,
            sort_order=order,
        )
    for code, min_age, max_age, group, level, per_child, variant, coefficient, note in BANDS:
        CategoryCoefficient.objects.create(
            category=by_code[code],
            min_age=min_age,
            max_age=max_age,
            age_group=group,
            disability_level=level,
            per_child=per_child,
            variant=variant,
            coefficient=Decimal(coefficient),
            valid_from=FROM,
            note=note,
        )
    for month, amount, basis in LEVELS:
        StandardLevel.objects.create(province=None, effective_month=month, amount=amount, legal_basis=basis)


def unload(apps, schema_editor):
    apps.get_model("beneficiaries", "CategoryCoefficient").objects.all().delete()
    apps.get_model("beneficiaries", "StandardLevel").objects.filter(province=None).delete()
    apps.get_model("beneficiaries", "Category").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]

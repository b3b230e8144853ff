"""Reference data has bounds (issue 16): standard levels and coefficient bands are checked in the
admin (their model's clean()): amounts and coefficients within bounds, no overlapping age bands,
no change taking effect in a month whose list is closed; and every change is in history."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Category, CategoryCoefficient, StandardLevel
from core.errors import all_codes
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
ADD_LEVEL = "admin:beneficiaries_standardlevel_add"


def add_level(client, **fields):
    data = {"province": "", "effective_month": "2027-01-01", "legal_basis": "Nghị định mới"}
    data.update(fields)
    return client.post(reverse(ADD_LEVEL), data)


@pytest.fixture
def admin_client(client, officers):
    client.force_login(officers["admin"])
    return client


@pytest.mark.parametrize("amount", ["0", "99999", "10000001", "9223372036854775807"])
def test_the_admin_refuses_an_absurd_national_standard_level(admin_client, amount):
    before = StandardLevel.objects.count()
    response = add_level(admin_client, amount=amount)
    assert response.status_code == 200  # the form again, with the error
    assert "errornote" in response.content.decode() or "errorlist" in response.content.decode()
    assert StandardLevel.objects.count() == before


def test_the_admin_says_the_bounds_in_vietnamese(admin_client):
    html = add_level(admin_client, amount="0").content.decode()
    assert "100.000 ₫" in html and "10.000.000 ₫" in html


def test_a_sane_level_is_saved_with_its_history(admin_client, officers):
    response = add_level(admin_client, amount="650000")
    assert response.status_code == 302
    level = StandardLevel.objects.get(amount=650_000)
    assert level.effective_month == datetime.date(2027, 1, 1)
    record = level.history.get()
    assert record.history_type == "+" and record.history_user == officers["admin"]
    admin_client.post(
        reverse("admin:beneficiaries_standardlevel_change", args=[level.pk]),
        {
            "province": "",
            "effective_month": "2027-01-01",
            "amount": "700000",
            "legal_basis": "Nghị định mới",
        },
    )
    assert [h.amount for h in level.history.order_by("history_date")] == [650_000, 700_000]


def test_a_level_starts_on_the_first_of_a_month(hue_units):
    level = StandardLevel(
        effective_month=datetime.date(2027, 1, 15), amount=600_000, legal_basis="x"
    )
    with pytest.raises(ValidationError) as exc:
        level.full_clean()
    assert Code.MONTH_NOT_FIRST_DAY in all_codes(exc.value)


@pytest.fixture
def december_closed(hue_units, officers):
    """Huế's first district has closed 12/2026."""
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    return period


def test_no_level_takes_effect_in_a_closed_month(admin_client, december_closed, hue_units):
    before = StandardLevel.objects.count()
    html = add_level(admin_client, amount="650000", effective_month="2026-12-01").content.decode()
    assert "12/2026" in html and "01/2027" in html
    assert StandardLevel.objects.count() == before
    # Nor may the level in force in December be edited.
    level = StandardLevel.objects.get(effective_month=datetime.date(2024, 7, 1))
    level.amount = 550_000
    with pytest.raises(ValidationError) as exc:
        level.full_clean()
    assert Code.REFERENCE_MONTH_CLOSED in all_codes(exc.value)
    # Nor deleted.
    url = reverse("admin:beneficiaries_standardlevel_delete", args=[level.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert StandardLevel.objects.filter(pk=level.pk).exists()
    # The next month is open; so is December in a province that closed nothing.
    assert add_level(admin_client, amount="650000").status_code == 302
    other = (
        hue_units["province"]
        .__class__.objects.filter(level="province")
        .exclude(pk=hue_units["province"].pk)
    )
    if other.exists():
        StandardLevel(
            province=other.first(), effective_month=DEC, amount=650_000, legal_basis="x"
        ).full_clean()


def test_a_provincial_level_in_the_closed_province_is_refused(december_closed, hue_units):
    level = StandardLevel(
        province=hue_units["province"], effective_month=DEC, amount=650_000, legal_basis="x"
    )
    with pytest.raises(ValidationError) as exc:
        level.full_clean()
    assert Code.REFERENCE_MONTH_CLOSED in all_codes(exc.value)


# --- Coefficient bands -------------------------------------------------------------------------


def band(code="K5A", **fields) -> CategoryCoefficient:
    values = dict(
        category=Category.objects.get(code=code),
        min_age=70,
        max_age=90,
        coefficient=Decimal("1.5"),
        valid_from=datetime.date(2027, 1, 1),
    )
    values.update(fields)
    return CategoryCoefficient(**values)


def codes_of(instance) -> set[str]:
    with pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return all_codes(exc.value)


def test_a_band_overlapping_another_is_refused(db):
    # K5A has 60–80 and 80– from 07/2021, open-ended: 70–90 overlaps both.
    assert Code.AGE_BANDS_OVERLAP in codes_of(band())
    # Another age group, or a band ending before the others start, does not overlap.
    band(age_group="child").full_clean()
    band(valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2021, 7, 1)).full_clean()


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"coefficient": Decimal("0")}, Code.COEFFICIENT_OUT_OF_RANGE),
        ({"coefficient": Decimal("-1")}, Code.COEFFICIENT_OUT_OF_RANGE),
        ({"coefficient": Decimal("250")}, Code.COEFFICIENT_OUT_OF_RANGE),
        ({"min_age": 90, "max_age": 70}, Code.AGE_BAND_EMPTY),
        ({"valid_from": datetime.date(2027, 1, 2)}, Code.MONTH_NOT_FIRST_DAY),
        ({"valid_to": datetime.date(2026, 1, 1)}, Code.VALIDITY_INVALID),
    ],
)
def test_a_band_out_of_bounds_is_refused(db, fields, code):
    values = {"min_age": None, "max_age": None, "age_group": "child", **fields}
    assert code in codes_of(band("K8", **values))


def test_the_funeral_support_keeps_its_twenty_times(db):
    funeral = CategoryCoefficient.objects.get(category__code="FUNERAL")
    funeral.full_clean()  # 20 × the standard level: within its own bound


def test_no_band_changes_in_a_closed_month(december_closed):
    k5c = CategoryCoefficient.objects.get(category__code="K5C")
    k5c.coefficient = Decimal("1.2")
    assert Code.REFERENCE_MONTH_CLOSED in codes_of(k5c)
    k5c.refresh_from_db()
    k5c.note = "Ghi chú"  # not money: allowed
    k5c.full_clean()


def test_the_category_admin_refuses_an_overlapping_band_and_keeps_history(admin_client, officers):
    k5c = Category.objects.get(code="K5C")
    existing = k5c.coefficients.get()
    data = {
        "code": k5c.code,
        "kind": k5c.kind,
        "name": k5c.name,
        "legal_basis": k5c.legal_basis,
        "sort_order": k5c.sort_order,
        "coefficients-TOTAL_FORMS": "2",
        "coefficients-INITIAL_FORMS": "1",
        "coefficients-MIN_NUM_FORMS": "0",
        "coefficients-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(
        [
            {"id": existing.pk, "min_age": 80, "coefficient": "1.0", "valid_from": "2021-07-01"},
            {"id": "", "min_age": 85, "coefficient": "1.2", "valid_from": "2027-01-01"},
        ]
    ):
        for name in ("max_age", "age_group", "disability_level", "variant", "valid_to", "note"):
            data[f"coefficients-{i}-{name}"] = ""
        data[f"coefficients-{i}-category"] = k5c.pk
        for name, value in row.items():
            data[f"coefficients-{i}-{name}"] = value
    url = reverse("admin:beneficiaries_category_change", args=[k5c.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert k5c.coefficients.count() == 1
    # Ended where the new one starts: saved, and in history.
    data["coefficients-0-valid_to"] = "2027-01-01"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert k5c.coefficients.count() == 2
    new = k5c.coefficients.get(min_age=85)
    assert new.history.get().history_user == officers["admin"]
    assert existing.history.latest().valid_to == datetime.date(2027, 1, 1)

"""Reference data gets a second pair of eyes (issue 16): a standard level or a coefficient band
entered or changed in the admin is proposed, counts for nothing in generation until another
person approves it ("Duyệt" on the changelist), and its proposer cannot approve it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from beneficiaries.models import Category, CategoryCoefficient, StandardLevel
from beneficiaries.policy_tables import load_policy_tables
from core.errors import AppError, AppForbidden, error_codes
from org.errors import OrgErrorCode
from org.models import Role
from org.review import ReviewStatus, reference_row_approve, reference_row_propose
from payments.errors import PaymentErrorCode
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
OLD_LEVEL = 500_000


@pytest.fixture
def second_admin(db):
    return UserFactory(
        username="quantri2", role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True
    )


@pytest.fixture
def k5c_person(hue_units):
    person = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1)
    )
    BeneficiaryCategoryFactory(beneficiary=person, category=Category.objects.get(code="K5C"))
    return person


def regular_amount(hue_units, person) -> int:
    """Generate December for the district (again) and read the person's monthly allowance."""
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list = payment_list_generate(period=period)
    return payment_list.lines.get(beneficiary=person).amount_regular


def approve_in_admin(client, model: str, rows) -> str:
    response = client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": "approve_selected", "_selected_action": [r.pk for r in rows]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_national_level_counts_only_once_another_admin_approves_it(
    client, officers, second_admin, hue_units, k5c_person
):
    coefficient = CategoryCoefficient.objects.get(category__code="K5C").coefficient
    assert regular_amount(hue_units, k5c_person) == OLD_LEVEL * coefficient

    client.force_login(officers["admin"])
    response = client.post(
        reverse("admin:beneficiaries_standardlevel_add"),
        {
            "province": "",
            "effective_month": "2026-12-01",
            "amount": "2000000",
            "legal_basis": "Nghị định mới",
        },
    )
    assert response.status_code == 302
    level = StandardLevel.objects.get(amount=2_000_000)
    assert level.review_status == ReviewStatus.PROPOSED
    assert level.proposed_by == officers["admin"] and level.proposed_at is not None
    # The next generation still uses the old level.
    assert regular_amount(hue_units, k5c_person) == OLD_LEVEL * coefficient

    # The proposer's own approval is refused, and nothing is approved.
    html = approve_in_admin(client, "beneficiaries_standardlevel", [level])
    assert "người khác" in html or "another person" in html
    level.refresh_from_db()
    assert level.review_status == ReviewStatus.PROPOSED and level.approved_by is None
    assert regular_amount(hue_units, k5c_person) == OLD_LEVEL * coefficient

    # Another administrator approves: the next generation uses it.
    client.force_login(second_admin)
    approve_in_admin(client, "beneficiaries_standardlevel", [level])
    level.refresh_from_db()
    assert level.review_status == ReviewStatus.APPROVED
    assert level.approved_by == second_admin and level.approved_at is not None
    assert regular_amount(hue_units, k5c_person) == 2_000_000 * coefficient

    # History has the proposal and the approval.
    statuses = [h.review_status for h in level.history.order_by("history_date")]
    assert statuses == [ReviewStatus.PROPOSED, ReviewStatus.APPROVED]


def test_an_edited_approved_level_needs_a_new_approval(
    client, officers, second_admin, hue_units, k5c_person
):
    level = StandardLevel.objects.create(
        effective_month=DEC, amount=600_000, legal_basis="Nghị định"
    )
    assert level.review_status == ReviewStatus.APPROVED  # written by code: approved
    coefficient = CategoryCoefficient.objects.get(category__code="K5C").coefficient
    assert regular_amount(hue_units, k5c_person) == 600_000 * coefficient

    client.force_login(officers["admin"])
    response = client.post(
        reverse("admin:beneficiaries_standardlevel_change", args=[level.pk]),
        {"province": "", "effective_month": "2026-12-01", "amount": "9000000", "legal_basis": "x"},
    )
    assert response.status_code == 302
    level.refresh_from_db()
    assert level.amount == 9_000_000 and level.review_status == ReviewStatus.PROPOSED
    # The edited amount does not count, silently or otherwise: the level in force before does.
    assert regular_amount(hue_units, k5c_person) == OLD_LEVEL * coefficient
    # An approved row cannot be deleted in the admin (only a proposal can be withdrawn).
    reference_row_approve(row=level, approved_by=second_admin)
    assert regular_amount(hue_units, k5c_person) == 9_000_000 * coefficient
    url = reverse("admin:beneficiaries_standardlevel_delete", args=[level.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403


def test_a_band_edited_in_the_category_admin_waits_for_approval(
    client, officers, second_admin, hue_units
):
    k8 = Category.objects.get(code="K8")
    bands = list(k8.coefficients.order_by("pk"))
    data = {
        "code": k8.code,
        "kind": k8.kind,
        "name": k8.name,
        "legal_basis": k8.legal_basis,
        "sort_order": k8.sort_order,
        "coefficients-TOTAL_FORMS": str(len(bands)),
        "coefficients-INITIAL_FORMS": str(len(bands)),
        "coefficients-MIN_NUM_FORMS": "0",
        "coefficients-MAX_NUM_FORMS": "1000",
    }
    fields = [
        "min_age",
        "max_age",
        "age_group",
        "disability_level",
        "variant",
        "coefficient",
        "valid_from",
        "valid_to",
        "note",
    ]
    for i, b in enumerate(bands):
        data[f"coefficients-{i}-id"] = b.pk
        data[f"coefficients-{i}-category"] = k8.pk
        for f in fields:
            value = getattr(b, f)
            data[f"coefficients-{i}-{f}"] = "" if value is None else str(value)
        if b.per_child:
            data[f"coefficients-{i}-per_child"] = "on"
    changed = bands[0]
    data["coefficients-0-coefficient"] = "9.5"
    client.force_login(officers["admin"])
    response = client.post(reverse("admin:beneficiaries_category_change", args=[k8.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    changed.refresh_from_db()
    assert changed.coefficient == Decimal("9.5")
    assert changed.review_status == ReviewStatus.PROPOSED
    assert changed.proposed_by == officers["admin"]
    # The untouched bands stay approved; the edited one is out of the tables until approved.
    for b in bands[1:]:
        b.refresh_from_db()
        assert b.review_status == ReviewStatus.APPROVED
    in_tables = {
        band.coefficient for band in load_policy_tables().bands if band.category_code == "K8"
    }
    assert Decimal("9.5") not in in_tables

    with pytest.raises(PermissionDenied) as exc:
        reference_row_approve(row=changed, approved_by=officers["admin"])
    assert exc.value.code == OrgErrorCode.REFERENCE_OWN_PROPOSAL
    # On the bands' changelist, another administrator approves it.
    client.force_login(second_admin)
    approve_in_admin(client, "beneficiaries_categorycoefficient", [changed])
    changed.refresh_from_db()
    assert changed.review_status == ReviewStatus.APPROVED
    in_tables = {
        band.coefficient for band in load_policy_tables().bands if band.category_code == "K8"
    }
    assert Decimal("9.5") in in_tables


def test_who_may_approve(officers, hue_units):
    level = StandardLevel.objects.create(
        effective_month=datetime.date(2027, 1, 1),
        amount=600_000,
        legal_basis="x",
        review_status=ReviewStatus.PROPOSED,
        proposed_by=officers["admin"],
    )
    # A national level is the administrator's; the province officer may not approve it.
    with pytest.raises((AppError, AppForbidden)) as exc:
        reference_row_approve(row=level, approved_by=officers["province"])
    assert exc.value.code == OrgErrorCode.REFERENCE_REVIEW_NOT_ALLOWED
    # The province's own level: its province officer may.
    provincial = StandardLevel.objects.create(
        province=hue_units["province"],
        effective_month=datetime.date(2027, 1, 1),
        amount=600_000,
        legal_basis="x",
        review_status=ReviewStatus.PROPOSED,
        proposed_by=officers["admin"],
    )
    reference_row_approve(row=provincial, approved_by=officers["province"])
    assert provincial.review_status == ReviewStatus.APPROVED
    # Nobody below the province.
    for role in ("district", "commune"):
        level.refresh_from_db()
        with pytest.raises((AppError, AppForbidden)):
            reference_row_approve(row=level, approved_by=officers[role])
    # Nor twice.
    with pytest.raises((AppError, AppForbidden)) as exc:
        reference_row_approve(row=provincial, approved_by=officers["admin"])
    assert exc.value.code == OrgErrorCode.REFERENCE_NOT_PROPOSED


def test_the_policy_tables_page_shows_proposals_apart(client, officers, hue_units):
    StandardLevel.objects.create(
        effective_month=datetime.date(2027, 1, 1),
        amount=1_234_000,
        legal_basis="x",
        review_status=ReviewStatus.PROPOSED,
        proposed_by=officers["admin"],
    )
    client.force_login(officers["commune"])
    html = client.get(reverse("policy_tables")).content.decode()
    proposed = html.split('id="proposed-reference"')
    assert len(proposed) == 2
    assert "1.234.000" not in proposed[0] and "1.234.000" in proposed[1]
    assert "chờ duyệt" in proposed[1]


def test_a_proposal_is_not_approved_into_a_closed_month(officers, second_admin, hue_units):
    from payments.services import payment_list_close

    person = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1)
    )
    BeneficiaryCategoryFactory(beneficiary=person, category=Category.objects.get(code="K5C"))
    level = StandardLevel.objects.create(
        effective_month=DEC,
        amount=800_000,
        legal_basis="x",
        review_status=ReviewStatus.PROPOSED,
        proposed_by=officers["admin"],
    )
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    # Proposed before December closed, approved after: it would change a closed month.
    with pytest.raises(AppError) as exc:
        reference_row_approve(row=level, approved_by=second_admin)
    assert exc.value.code == OrgErrorCode.REFERENCE_MONTH_CLOSED
    level.refresh_from_db()
    assert level.review_status == ReviewStatus.PROPOSED


def test_the_history_names_the_proposer_and_the_approver(officers, second_admin, hue_units):
    from org.review import reference_row_propose

    level = StandardLevel(effective_month=datetime.date(2027, 1, 1), amount=700_000)
    reference_row_propose(row=level, proposed_by=officers["admin"])
    level.save()
    reference_row_approve(row=level, approved_by=second_admin)
    users = [h.history_user for h in level.history.order_by("history_date")]
    assert users == [officers["admin"], second_admin]


def test_an_approved_band_cannot_be_deleted_in_the_category_admin(client, officers):
    k5c = Category.objects.get(code="K5C")
    existing = k5c.coefficients.get()
    data = {
        "code": k5c.code,
        "kind": k5c.kind,
        "name": k5c.name,
        "legal_basis": k5c.legal_basis,
        "sort_order": k5c.sort_order,
        "coefficients-TOTAL_FORMS": "1",
        "coefficients-INITIAL_FORMS": "1",
        "coefficients-MIN_NUM_FORMS": "0",
        "coefficients-MAX_NUM_FORMS": "1000",
        "coefficients-0-id": existing.pk,
        "coefficients-0-category": k5c.pk,
        "coefficients-0-min_age": "" if existing.min_age is None else existing.min_age,
        "coefficients-0-max_age": "" if existing.max_age is None else existing.max_age,
        "coefficients-0-coefficient": str(existing.coefficient),
        "coefficients-0-valid_from": str(existing.valid_from),
        "coefficients-0-DELETE": "on",
    }
    client.force_login(officers["admin"])
    response = client.post(reverse("admin:beneficiaries_category_change", args=[k5c.pk]), data)
    assert response.status_code == 200  # the form again, with the error
    assert CategoryCoefficient.objects.filter(pk=existing.pk).exists()


def test_a_level_approved_after_generation_makes_the_list_stale(
    officers, second_admin, hue_units, k5c_person
):
    """A decision after the point the list reflects makes it stale: a standard level approved
    after generation blocks closing until the list is generated again with it."""
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    level = StandardLevel(amount=2_000_000, effective_month=DEC, legal_basis="Nghị định mới")
    reference_row_propose(row=level, proposed_by=officers["admin"])
    level.save()
    reference_row_approve(row=level, approved_by=second_admin)
    with pytest.raises(AppError) as refused:
        payment_list_close(period=period, closed_by=officers["district"])
    assert error_codes(refused.value) == {PaymentErrorCode.POLICY_CHANGED_SINCE_GENERATION}
    payment_list = payment_list_generate(period=period)
    assert payment_list.lines.get(beneficiary=k5c_person).amount_regular > OLD_LEVEL
    payment_list_close(period=period, closed_by=officers["district"])

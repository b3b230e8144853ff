"""A provider contract gets a second pair of eyes (issue 16): entered or changed in the admin it
is proposed, and reconciliation's fee lookup (`contract_for`) ignores it until another person,
the administrator or the province's own officer, approves it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from org.errors import OrgErrorCode
from org.review import ReviewStatus, reference_row_approve
from payments.reconciliation import contract_for
from payments.services import payment_period_open
from providers.models import Provider, ProviderContract

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


def contract_data(hue_units, **fields):
    data = {
        "province": hue_units["province"].pk,
        "provider": Provider.objects.get(code="VNPOST").pk,
        "contract_number": "HĐ-12/2026",
        "fee_percent": "2.5",
        "valid_from": "2026-12-01",
        "valid_to": "",
    }
    data.update(fields)
    return data


def test_a_contract_counts_for_the_fee_only_once_approved_by_another(client, officers, hue_units):
    vnpost = Provider.objects.get(code="VNPOST")
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    assert contract_for(period, vnpost) is None

    client.force_login(officers["admin"])
    response = client.post(
        reverse("admin:providers_providercontract_add"), contract_data(hue_units)
    )
    assert response.status_code == 302
    contract = ProviderContract.objects.get(contract_number="HĐ-12/2026")
    assert contract.review_status == ReviewStatus.PROPOSED
    assert contract.proposed_by == officers["admin"]
    assert contract_for(period, vnpost) is None

    # The proposer cannot approve it, in the admin or through the service.
    html = client.post(
        reverse("admin:providers_providercontract_changelist"),
        {"action": "approve_selected", "_selected_action": [contract.pk]},
        follow=True,
    ).content.decode()
    assert "người khác" in html
    with pytest.raises(PermissionDenied) as exc:
        reference_row_approve(row=contract, approved_by=officers["admin"])
    assert exc.value.code == OrgErrorCode.REFERENCE_OWN_PROPOSAL
    assert contract_for(period, vnpost) is None

    # The province officer of the province may approve its contracts.
    reference_row_approve(row=contract, approved_by=officers["province"])
    found = contract_for(period, vnpost)
    assert found == contract and found.fee_percent == Decimal("2.5")
    assert found.approved_by == officers["province"]

    # Editing the approved fee sends it back for approval: the fee lookup no longer sees it.
    response = client.post(
        reverse("admin:providers_providercontract_change", args=[contract.pk]),
        contract_data(hue_units, fee_percent="9.9"),
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.fee_percent == Decimal("9.9")
    assert contract.review_status == ReviewStatus.PROPOSED and contract.approved_by is None
    assert contract_for(period, vnpost) is None
    history = [h.review_status for h in contract.history.order_by("history_date")]
    assert history == [ReviewStatus.PROPOSED, ReviewStatus.APPROVED, ReviewStatus.PROPOSED]


def test_a_district_officer_may_not_approve_a_contract(officers, hue_units):
    contract = ProviderContract.objects.create(
        province=hue_units["province"],
        provider=Provider.objects.get(code="VNPOST"),
        fee_percent=Decimal("1"),
        valid_from=DEC,
        review_status=ReviewStatus.PROPOSED,
        proposed_by=officers["admin"],
    )
    with pytest.raises(PermissionDenied) as exc:
        reference_row_approve(row=contract, approved_by=officers["district"])
    assert exc.value.code == OrgErrorCode.REFERENCE_REVIEW_NOT_ALLOWED

"""Provider contracts have bounds (issue 16): a fee of 0-10 % of the amount paid, an end after
the start, one contract per province and provider on any day, no change in a month whose list is
closed in the province; checked in the admin (the model's clean()), every change in history."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries.models import Category
from core.errors import all_codes
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.errors import ProviderErrorCode as Code
from providers.models import Provider, ProviderContract
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
ADD = "admin:providers_providercontract_add"


@pytest.fixture
def admin_client(client, officers):
    client.force_login(officers["admin"])
    return client


def add(client, hue_units, **fields):
    data = {
        "province": hue_units["province"].pk,
        "provider": Provider.objects.get(code="VIETTELPAY").pk,
        "contract_number": "HĐ-01/2027",
        "fee_percent": "0.5",
        "valid_from": "2027-01-01",
        "valid_to": "",
    }
    data.update(fields)
    return client.post(reverse(ADD), data)


@pytest.mark.parametrize("fee", ["-1", "10.001", "50", "100"])
def test_the_admin_refuses_a_fee_outside_0_to_10_percent(admin_client, hue_units, fee):
    before = ProviderContract.objects.count()
    response = add(admin_client, hue_units, fee_percent=fee)
    assert response.status_code == 200
    assert "10 %" in response.content.decode() or "errorlist" in response.content.decode()
    assert ProviderContract.objects.count() == before


def test_a_sane_contract_is_saved_with_its_history_and_no_second_one_on_the_same_days(
    admin_client, hue_units, officers
):
    assert add(admin_client, hue_units).status_code == 302
    contract = ProviderContract.objects.get(contract_number="HĐ-01/2027")
    assert contract.history.get().history_user == officers["admin"]
    response = add(admin_client, hue_units, contract_number="HĐ-02/2027", valid_from="2027-06-01")
    assert response.status_code == 200
    assert not ProviderContract.objects.filter(contract_number="HĐ-02/2027").exists()
    with pytest.raises(ValidationError) as exc:
        ProviderContract(
            province=hue_units["province"],
            provider=contract.provider,
            fee_percent=Decimal("0.4"),
            valid_from=datetime.date(2027, 3, 1),
        ).full_clean()
    assert Code.CONTRACTS_OVERLAP in all_codes(exc.value)


def test_an_end_before_the_start_is_refused(hue_units):
    with pytest.raises(ValidationError) as exc:
        ProviderContract(
            province=hue_units["province"],
            provider=Provider.objects.get(code="VNPOST"),
            fee_percent=Decimal("1"),
            valid_from=datetime.date(2027, 3, 1),
            valid_to=datetime.date(2027, 2, 1),
        ).full_clean()
    assert Code.CONTRACT_VALIDITY_INVALID in all_codes(exc.value)


def test_no_contract_change_in_a_closed_month(admin_client, hue_units, officers):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    response = add(admin_client, hue_units, valid_from="2026-12-10")
    assert response.status_code == 200 and "12/2026" in response.content.decode()
    # The contract in force in December cannot change its fee any more.
    contract = ProviderContract.objects.create(
        province=hue_units["province"],
        provider=Provider.objects.get(code="VNPOST"),
        fee_percent=Decimal("1"),
        valid_from=datetime.date(2026, 1, 1),
    )
    contract.fee_percent = Decimal("9")
    with pytest.raises(ValidationError) as exc:
        contract.full_clean()
    assert Code.CONTRACT_MONTH_CLOSED in all_codes(exc.value)
    contract.refresh_from_db()
    contract.contract_number = "HĐ-VNPost-2026"  # not money: allowed
    contract.full_clean()
    url = reverse("admin:providers_providercontract_delete", args=[contract.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert ProviderContract.objects.filter(pk=contract.pk).exists()

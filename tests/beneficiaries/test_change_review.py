"""The checker sees what they approve: date of birth, ID number, categories, the amount this
month before and after (the same amount the payment list computes), the recipient, the account,
the population database's answer, possible duplicates (named only within scope) and the
rulebook's warnings."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Category, PopulationCheck
from beneficiaries.services.changes import ChangeInput, change_record_create
from org.privacy import identifiers_for
from payments.services import payment_list_generate, payment_period_open
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


@pytest.fixture
def person(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"],
        full_name="Phan Thị Duyệt",
        date_of_birth=datetime.date(1941, 3, 9),
        legacy_id_number="191234567",
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    return b


def test_the_change_page_shows_the_checker_everything_they_approve(
    client, hue_units, officers, person
):
    month = timezone.localdate().replace(day=1)
    recipient = RecipientFactory(beneficiary=person, full_name="Phan Văn Nhận")
    account = AccountFactory(beneficiary=person, account_number="0971112223")
    PopulationCheck.objects.create(
        beneficiary=person,
        result="mismatch",
        fields="date_of_birth",
        checked_at=timezone.now(),
    )
    # Possible duplicates: one in the checker's district (named), one elsewhere (not named).
    twin = BeneficiaryFactory(
        commune=hue_units["neighbour"],
        full_name="Phan Thị Duyệt",
        date_of_birth=person.date_of_birth,
    )
    far = BeneficiaryFactory(
        commune=hue_units["far_commune"],
        full_name="Người Ở Xa",
        id_number="",
        legacy_id_number=person.legacy_id_number,
    )
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(kind="suspend", reason="other", effective_month=month),
        maker=officers["commune"],
        today=timezone.localdate(),
    )
    # The amount the payment list of this month computes for the person.
    period = payment_period_open(unit=hue_units["district"], month=month)
    payment_list_generate(period=period)
    line = period.payment_list.lines.get(beneficiary=person)
    assert line.amount_regular > 0

    checker = officers["district"]
    client.force_login(checker)
    html = client.get(reverse("beneficiaries:change_detail", args=[change.pk])).content.decode()
    shown = identifiers_for(checker)
    assert "09/03/1941" in html
    assert shown.id_number(person.id_number) in html
    assert "K5C" in html
    assert f'data-amount="before">{_vnd(line.amount_regular)}<' in html
    assert 'data-amount="after">0 ₫<' in html  # suspended: nothing paid
    assert recipient.full_name in html
    assert shown.account(account.account_number) in html
    assert 'data-fact="population"><span class="status status-mismatch">Khác với CSDL' in html
    assert "Phan Thị Duyệt" in html and twin.commune.name in html  # named in scope
    assert far.full_name not in html and far.commune.name not in html
    assert html.count("data-duplicate") == 2
    # The rulebook's and the population database's warnings the maker saw.
    assert "data-warnings" in html


def test_a_suspension_ends_the_amount_and_a_resumption_restores_it(hue_units, officers, person):
    from beneficiaries.change_review import amounts_before_and_after

    month = timezone.localdate().replace(day=1)
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(kind="suspend", reason="other", effective_month=month),
        maker=officers["commune"],
        today=timezone.localdate(),
    )
    before, after = amounts_before_and_after(change, month)
    assert before.amount > 0 and after.amount == 0
    person.status = "suspended"
    person.save()
    change.kind = "resume"
    change.beneficiary = person
    before, after = amounts_before_and_after(change, month)
    assert before.amount == 0 and after.amount > 0


def test_a_change_of_category_is_priced_with_the_new_category(hue_units, officers, person):
    from beneficiaries.change_review import amounts_before_and_after
    from beneficiaries.models import ChangeRecord

    month = timezone.localdate().replace(day=1)
    k5c, k5a = Category.objects.get(code="K5C"), Category.objects.get(code="K5A")
    change = ChangeRecord(
        beneficiary=person,
        commune=person.commune,
        kind="change_category",
        old_category=k5c,
        new_category=k5a,
        effective_month=month,
    )
    before, after = amounts_before_and_after(change, month)
    assert before.codes == ("K5C",) and after.codes == ("K5A",)
    assert after.amount > before.amount  # K5A pays 2.0 from 80, K5C 1.0

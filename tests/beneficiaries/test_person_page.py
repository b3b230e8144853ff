"""A person's page answers "what do they get and did they get it": this month's amount and how it
is computed (the policy engine's own answer), the changes waiting, the next change age brings,
and a change menu that offers only what the server accepts."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Category, ChangeRecord
from beneficiaries.person_summary import age_outlook, format_coefficient, month_amount
from beneficiaries.services.applicable import MENU_KINDS, applicable_kinds
from core.months import add_months
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


def person(commune, born, codes, **kwargs):
    b = BeneficiaryFactory(commune=commune, date_of_birth=born, **kwargs)
    for code in codes:
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code=code))
    return b


def page(client, user, b, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("beneficiaries:detail", args=[b.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


# --- This month's amount --------------------------------------------------------------------------


def test_the_amount_is_the_highest_category_with_each_coefficient_shown(hue_units):
    # 70 years old, severe disability: K5A pays 1.5, K6 (elderly, severe) 2.0; only K6 counts.
    b = person(hue_units["commune"], datetime.date(1956, 3, 3), ["K5A", "K6"])
    b.disability_level = "severe"
    b.save()
    result = month_amount(b, DEC)
    assert (result.amount, result.standard_level, result.coefficient) == (1_000_000, 500_000, "2,0")
    parts = {p.code: p for p in result.parts}
    assert (parts["K6"].coefficient, parts["K6"].amount, parts["K6"].paid) == (
        "2,0",
        1_000_000,
        True,
    )
    assert (parts["K5A"].coefficient, parts["K5A"].amount, parts["K5A"].paid) == (
        "1,5",
        750_000,
        False,
    )
    assert "cao nhất" in parts["K5A"].note  # the engine's own note: only the highest is paid


def test_the_page_shows_this_months_figures_in_vietnamese(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1956, 3, 3), ["K5A", "K6"])
    b.disability_level = "severe"
    b.save()
    html = page(client, officers["commune"], b)
    assert 'data-amount="1000000"' in html and "1.000.000 ₫" in html
    assert 'data-part="K5A"' in html and "1,5" in html and "750.000 ₫" in html
    assert "500.000 ₫" in html  # the standard level in force


@pytest.mark.parametrize(
    ("status", "extra", "words"),
    [
        ("suspended", {}, "Tạm dừng"),
        ("stopped", {"date_of_death": datetime.date(2026, 10, 14)}, "Đã mất ngày 14/10/2026"),
        ("stopped", {"end_month": datetime.date(2026, 9, 1)}, "09/2026"),
    ],
)
def test_someone_not_receiving_gets_zero_with_the_reason(
    client, officers, hue_units, status, extra, words
):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], status=status, **extra)
    assert month_amount(b, DEC).amount == 0
    html = page(client, officers["commune"], b)
    assert 'data-amount="0"' in html and "data-amount-reason" in html
    assert words.lower() in html.lower()


# --- The next change age brings ------------------------------------------------------------------


def test_turning_80_raises_the_k5a_coefficient(hue_units):
    b = person(hue_units["commune"], datetime.date(1947, 3, 10), ["K5A"])
    outlook = age_outlook(b, DEC)
    # 79 on 01/03/2027, 80 on 01/04/2027 (the age on the first day of the month counts).
    assert (outlook.month, outlook.age) == (datetime.date(2027, 4, 1), 80)
    assert "04/2027" in outlook.text and "K5A" in outlook.text and "1,5 → 2,0" in outlook.text
    assert "750.000 ₫ → 1.000.000 ₫" in outlook.text


def test_a_child_turning_16_loses_k1(hue_units):
    b = person(hue_units["commune"], datetime.date(2011, 5, 17), ["K1"])
    outlook = age_outlook(b, DEC)
    assert (outlook.month, outlook.age) == (datetime.date(2027, 6, 1), 16)
    assert "K1" in outlook.text and "→ 0 ₫" in outlook.text


def test_no_age_change_to_come_says_nothing(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1930, 1, 1), ["K5C"])
    assert age_outlook(b, DEC) is None
    assert "data-age-outlook" not in page(client, officers["commune"], b)


def test_the_page_shows_the_next_age_change(client, officers, hue_units):
    month = timezone.localdate().replace(day=1)
    born = add_months(month, 3 - 80 * 12).replace(day=10)  # turns 80 four months from now
    b = person(hue_units["commune"], born, ["K5A"])
    html = page(client, officers["commune"], b)
    assert "data-age-outlook" in html and "1,5 → 2,0" in html


def test_coefficients_are_written_with_a_decimal_comma():
    from decimal import Decimal

    assert [format_coefficient(Decimal(v)) for v in ("1.50", "2", "2.5")] == ["1,5", "2,0", "2,5"]
    assert format_coefficient(None) == "—"


# --- Changes waiting -----------------------------------------------------------------------------


def test_the_changes_waiting_are_listed_with_kind_month_and_maker(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    client.force_login(officers["commune"])
    client.post(
        reverse("beneficiaries:change_create", args=[b.pk, "suspend"]),
        {"reason": "other", "effective_month": "2027-01"},
    )
    change = ChangeRecord.objects.get()
    html = page(client, officers["commune"], b)
    waiting = html[html.index("data-waiting") :]
    assert f'data-waiting-change="{change.pk}"' in waiting
    assert reverse("beneficiaries:change_detail", args=[change.pk]) in waiting
    assert "01/2027" in waiting and str(officers["commune"]) in waiting


# --- The change menu and the server agree --------------------------------------------------------


def menu(client, officers, b) -> str:
    html = page(client, officers["commune"], b)
    if "data-change-menu" not in html:
        return ""
    return html[
        html.index("data-change-menu") : html.index("</ul>", html.index("data-change-menu"))
    ]


def kind_url(b, kind):
    return reverse("beneficiaries:change_create", args=[b.pk, kind])


def test_an_active_person_is_offered_no_resumption(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    RecipientFactory(beneficiary=b)
    AccountFactory(beneficiary=b)
    offered = menu(client, officers, b)
    assert f'{kind_url(b, "stop")}?reason=death"' in offered
    assert f'"{kind_url(b, "stop")}"' in offered
    for kind in ("suspend", "remove_recipient", "close_account", "set_account", "move"):
        assert f'"{kind_url(b, kind)}"' in offered, kind
    assert kind_url(b, "resume") not in offered


def test_a_suspended_person_is_offered_resumption_not_suspension(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], status="suspended")
    offered = menu(client, officers, b)
    assert kind_url(b, "resume") in offered and kind_url(b, "suspend") not in offered


def test_no_close_account_without_one_and_no_removal_without_a_recipient(
    client, officers, hue_units
):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    offered = menu(client, officers, b)
    assert kind_url(b, "close_account") not in offered
    assert kind_url(b, "remove_recipient") not in offered
    assert kind_url(b, "set_account") in offered


def test_a_dead_or_stopped_person_has_no_change_menu(client, officers, hue_units):
    dead = person(
        hue_units["commune"],
        datetime.date(1940, 1, 1),
        ["K5C"],
        status="stopped",
        date_of_death=datetime.date(2026, 10, 14),
    )
    assert applicable_kinds(dead) == []
    assert menu(client, officers, dead) == ""


def test_a_kind_already_waiting_is_not_offered_again(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    client.force_login(officers["commune"])
    client.post(kind_url(b, "suspend"), {"reason": "other", "effective_month": "2027-01"})
    assert kind_url(b, "suspend") not in menu(client, officers, b)


@pytest.mark.parametrize(
    ("status", "kind", "code", "data"),
    [
        ("active", "resume", "not_suspended", {"reason": "other", "effective_month": "2027-01"}),
        ("suspended", "suspend", "not_active", {"reason": "other", "effective_month": "2027-01"}),
        ("active", "close_account", "no_active_account", {"reason": "other"}),
        ("active", "remove_recipient", "no_recipient", {"reason": "other"}),
        ("stopped", "stop", "beneficiary_closed", {"reason": "refused"}),
        ("pending", "suspend", "beneficiary_pending", {"reason": "other"}),
    ],
)
def test_a_kind_that_does_not_apply_is_refused_when_posted_directly(
    client, officers, hue_units, status, kind, code, data
):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], status=status)
    assert kind not in applicable_kinds(b)
    client.force_login(officers["commune"])
    for response in (client.get(kind_url(b, kind)), client.post(kind_url(b, kind), data)):
        assert response.status_code == 400
        assert f"<code>{code}</code>" in response.content.decode()
    assert not ChangeRecord.objects.exists()


def test_the_menu_offers_exactly_what_the_server_accepts(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], status="suspended")
    RecipientFactory(beneficiary=b)
    client.force_login(officers["commune"])
    offered = applicable_kinds(b)
    for kind in MENU_KINDS:
        status = client.get(kind_url(b, kind)).status_code
        assert status == (200 if kind in offered else 400), kind


# --- The death form ------------------------------------------------------------------------------


def test_the_death_form_has_death_fields_prefilled_and_the_other_stop_has_none(
    client, officers, hue_units
):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    guardian = RecipientFactory(
        beneficiary=b, kind="guardian", full_name="Trần Văn Khánh", relationship="Con trai"
    )
    client.force_login(officers["commune"])
    death = client.get(kind_url(b, "stop") + "?reason=death").content.decode()
    assert 'name="date_of_death"' in death and 'name="effective_month"' not in death
    assert 'name="funeral_payee_from" value="recipient"' in death
    assert f'value="{guardian.full_name}"' in death and f'value="{guardian.id_number}"' in death
    assert re.search(r'value="recipient"[^>]*checked', death)  # prefilled: the guardian
    other = client.get(kind_url(b, "stop")).content.decode()
    assert 'name="effective_month"' in other
    for name in ("date_of_death", "funeral_payee_name", "funeral_payee_from"):
        assert f'name="{name}"' not in other, name
    assert 'value="death"' not in other
    # A death posted to the other stop's form is not taken as one.
    response = client.post(kind_url(b, "stop"), {"reason": "death", "date_of_death": "14/10/2026"})
    assert response.status_code == 200 and not ChangeRecord.objects.exists()
    # The prefilled death form goes through as it is.
    response = client.post(
        kind_url(b, "stop") + "?reason=death",
        {
            "reason": "death",
            "date_of_death": "14/10/2026",
            "funeral_payee_from": "recipient",
            "funeral_payee_name": guardian.full_name,
            "funeral_payee_id_number": guardian.id_number,
            "funeral_payee_relationship": guardian.relationship,
        },
    )
    assert response.status_code == 302
    change = ChangeRecord.objects.get()
    assert change.effective_month == datetime.date(2026, 11, 1)
    assert change.funeral_payee_name == guardian.full_name


# --- A moved month is explained ------------------------------------------------------------------


def test_an_age_proposal_before_the_allowance_started_says_why_it_moved(hue_units):
    from beneficiaries.services.proposals import age_changes_propose

    # Turned 16 on 15/10/2026 (K1 ends from 11/2026), but paid only from 12/2026.
    child = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(2010, 10, 15),
        id_number="",
        start_month=DEC,
    )
    BeneficiaryCategoryFactory(
        beneficiary=child, category=Category.objects.get(code="K1"), start_month=DEC
    )
    assert age_changes_propose(month=DEC, rule="first_day") == 1
    change = ChangeRecord.objects.get()
    assert (change.effective_month, change.requested_month, change.month_moved) == (
        DEC,
        datetime.date(2026, 11, 1),
        "before_start",
    )
    assert change.month_moved_text == (
        "Tháng hiệu lực chuyển từ 11/2026 sang 12/2026 vì trợ cấp bắt đầu từ 12/2026."
    )


def test_the_service_refuses_what_the_menu_does_not_offer(hue_units, officers):
    """Every door (the page, the portal, the import) reaches `change_record_create`: it asks the
    same question as the menu."""
    from beneficiaries.services.changes import change_record_create
    from beneficiaries.services.inputs import ChangeInput
    from core.errors import error_codes

    pending = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], status="pending")
    active = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    for b, kind, code in (
        (pending, "suspend", "beneficiary_pending"),
        (active, "resume", "not_suspended"),
        (active, "close_account", "no_active_account"),
    ):
        with pytest.raises(ValidationError) as refused:
            change_record_create(
                beneficiary=b,
                data=ChangeInput(kind=kind, reason="other", effective_month=DEC),
                maker=officers["commune"],
            )
        assert error_codes(refused.value)["kind"] == [code], kind
    assert not ChangeRecord.objects.exists()

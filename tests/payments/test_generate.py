"""The monthly list, right to the đồng: every amount below is computed by hand from
DESIGN.md §4 (standard level 500,000 from 07/2024; coefficients of Decree 20)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import PaymentAccount
from beneficiaries.models import Category, StandardLevel
from beneficiaries.services.changes import (
    change_record_approve,
    change_record_create,
    changes_apply_due,
)
from beneficiaries.services.inputs import ChangeInput
from core.errors import error_codes
from payments.errors import PaymentErrorCode
from payments.models import LineStatus, PaymentLine
from payments.services import (
    change_record_defer,
    payment_list_close,
    payment_list_generate,
    payment_period_open,
)
from providers.models import Provider
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
NOV = datetime.date(2026, 11, 1)
OCT = datetime.date(2026, 10, 1)


def person(commune, born, categories, sex="F", **kwargs):
    b = BeneficiaryFactory(commune=commune, date_of_birth=born, sex=sex, **kwargs)
    for code in categories:
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code=code))
    return b


def generate(unit, month, user=None):
    period = payment_period_open(unit=unit, month=month)
    payment_list_generate(period=period, generated_by=user)
    period.refresh_from_db()
    return period


def line(period, b) -> PaymentLine | None:
    return PaymentLine.objects.filter(payment_list__period=period, beneficiary=b).first()


def test_amounts_for_every_category_age_band_recipient_and_account_case(hue_units):
    c = hue_units["commune"]
    k5c_85 = person(c, datetime.date(1941, 5, 2), ["K5C"])
    k5a_70 = person(c, datetime.date(1956, 3, 3), ["K5A"])
    k5a_turns_80 = person(c, datetime.date(1946, 11, 15), ["K5A"])  # 80 on 01/12/2026
    k5a_turns_80_late = person(c, datetime.date(1946, 12, 15), ["K5A"])  # still 79 on 01/12
    k1_3 = person(c, datetime.date(2023, 6, 1), ["K1"])
    k1_turns_4 = person(c, datetime.date(2022, 12, 1), ["K1"])  # 4 on 01/12/2026
    k1_16 = person(c, datetime.date(2010, 11, 30), ["K1"])  # 16: K1 has ended
    k6_xs_adult = person(c, datetime.date(1990, 1, 1), ["K6"], disability_level="extremely_severe")
    k6_xs_child = person(c, datetime.date(2016, 1, 1), ["K6"], disability_level="extremely_severe")
    k6_s_elderly = person(c, datetime.date(1950, 1, 1), ["K6"], disability_level="severe")
    k4_k6 = person(
        c, datetime.date(1990, 2, 2), ["K4", "K6"], disability_level="severe", dependent_children=2
    )
    k5c_k6 = person(c, datetime.date(1944, 4, 4), ["K5C", "K6"], disability_level="severe")
    k2_k4 = person(c, datetime.date(2006, 2, 2), ["K2", "K4"], dependent_children=1)
    suspended = person(c, datetime.date(1940, 1, 1), ["K5C"], status="suspended")
    pending = person(c, datetime.date(1940, 1, 2), ["K5C"], status="pending")

    # Paid through a recipient into the recipient's wallet.
    rec = RecipientFactory(beneficiary=k5a_70, full_name="Lê Văn Tèo", id_number="046080000111")
    AccountFactory(
        beneficiary=k5a_70, holder="recipient", recipient=rec, account_number="0981112223"
    )
    # Own account, but a guardian receives: the account is not the payee's, so cash.
    RecipientFactory(beneficiary=k6_xs_adult, kind="guardian")
    AccountFactory(beneficiary=k6_xs_adult)
    # Own VietinBank account, paid personally.
    AccountFactory(
        beneficiary=k5c_85,
        provider=Provider.objects.get(code="VIETINBANK"),
        account_number="108800001111",
    )

    period = generate(hue_units["district"], DEC)
    expected = {
        k5c_85: 500_000,
        k5a_70: 750_000,
        k5a_turns_80: 1_000_000,
        k5a_turns_80_late: 750_000,
        k1_3: 1_250_000,
        k1_turns_4: 750_000,
        k6_xs_adult: 1_000_000,
        k6_xs_child: 1_250_000,
        k6_s_elderly: 1_000_000,
        k4_k6: 750_000 + 1_000_000,  # K4 is paid on top of K6
        k5c_k6: 1_000_000,  # only the highest: K6 elderly 2.0
        k2_k4: 750_000,  # K4 with K2 is not additive: the higher, K2 1.5
    }
    for b, amount in expected.items():
        got = line(period, b)
        assert got is not None, b.full_name
        assert (got.amount_regular, got.amount_total) == (amount, amount), (
            b.full_name,
            got.explanation,
        )
    for b in (k1_16, suspended, pending):
        assert line(period, b) is None

    assert line(period, k4_k6).categories == "K4;K6"
    assert str(line(period, k4_k6).coefficient) == "3.50"
    wallet = line(period, k5a_70)
    assert (wallet.channel, wallet.provider.code, wallet.account_number) == (
        "account",
        "VIETTELPAY",
        "0981112223",
    )
    assert (wallet.payee_name, wallet.payee_is_recipient) == ("Lê Văn Tèo", True)
    assert (line(period, k6_xs_adult).channel, line(period, k6_xs_adult).provider.code) == (
        "cash",
        "VNPOST",
    )
    assert line(period, k5c_85).provider.code == "VIETINBANK"
    assert line(period, k1_3).payee_is_recipient is False  # no guardian recorded
    plist = period.payment_list
    assert plist.line_count == 12
    assert plist.total_amount == sum(expected.values())
    assert period.status == "generated"


def test_a_provincial_standard_level_applies_from_its_month(hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    StandardLevel.objects.create(
        province=hue_units["province"], effective_month=DEC, amount=650_000, legal_basis="NQ HĐND"
    )
    assert line(generate(hue_units["district"], NOV), b).amount_total == 500_000
    assert line(generate(hue_units["district"], DEC), b).amount_total == 650_000


@pytest.fixture
def history(hue_units, officers, checker):
    """October and November closed, then changes decided: what December owes."""
    c = hue_units["commune"]
    steady = person(c, datetime.date(1940, 1, 1), ["K5C"])
    AccountFactory(beneficiary=steady, account_number="0971230001")
    worse = person(c, datetime.date(1985, 1, 1), ["K6"], disability_level="severe")
    dying = person(c, datetime.date(1935, 1, 1), ["K5C"])
    resting = person(c, datetime.date(1938, 1, 1), ["K5C"])
    for month in (OCT, NOV):
        if month == NOV:
            # Suspended from November (approved before November's list was generated).
            ch = change_record_create(
                beneficiary=resting,
                data=ChangeInput(kind="suspend", reason="not_collected", effective_month=NOV),
                maker=officers["commune"],
                today=datetime.date(2026, 10, 20),
            )
            change_record_approve(
                change=ch, approved_by=officers["district"], today=datetime.date(2026, 10, 21)
            )
            changes_apply_due(today=NOV)
        period = generate(hue_units["district"], month, officers["district"])
        payment_list_close(period=period, closed_by=checker)
    # November: the wallet payment failed.
    failed = PaymentLine.objects.get(payment_list__period__month=NOV, beneficiary=steady)
    failed.status = LineStatus.FAILED
    failed.save(update_fields=["status"])
    # A late registration effective from October.
    late = person(c, datetime.date(1939, 1, 1), ["K5C"], status="active", start_month=OCT)
    from beneficiaries.models import ChangeRecord

    ChangeRecord.objects.create(
        beneficiary=late,
        commune=c,
        kind="register",
        reason="new_decision",
        effective_month=OCT,
        status="approved",
        maker=officers["commune"],
        checker=officers["district"],
        decided_at=timezone.now(),
    )
    # Disability found extremely severe from November.
    ch = change_record_create(
        beneficiary=worse,
        data=ChangeInput(
            kind="change_disability",
            reason="new_decision",
            effective_month=NOV,
            new_disability_level="extremely_severe",
            decision_number="12/QĐ",
        ),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 25),
    )
    change_record_approve(
        change=ch, approved_by=officers["district"], today=datetime.date(2026, 11, 26)
    )
    # Died on 10/11/2026: stops from December, funeral support to the son.
    ch = change_record_create(
        beneficiary=dying,
        data=ChangeInput(
            kind="stop",
            reason="death",
            date_of_death=datetime.date(2026, 11, 10),
            funeral_payee_name="Phan Văn Con",
            funeral_payee_id_number="046070009999",
            funeral_payee_relationship="Con trai",
        ),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 25),
    )
    change_record_approve(
        change=ch, approved_by=officers["district"], today=datetime.date(2026, 11, 26)
    )
    # Resumes in December: November, when suspended, is paid as arrears.
    ch = change_record_create(
        beneficiary=resting,
        data=ChangeInput(kind="resume", reason="other", effective_month=DEC),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 25),
    )
    change_record_approve(
        change=ch, approved_by=officers["district"], today=datetime.date(2026, 11, 26)
    )
    return {"steady": steady, "worse": worse, "dying": dying, "resting": resting, "late": late}


def test_arrears_funeral_and_carry_over_land_on_the_right_lines(history, hue_units):
    dec = generate(hue_units["district"], DEC)
    steady = line(dec, history["steady"])
    assert (steady.amount_regular, steady.amount_carried_over, steady.amount_total) == (
        500_000,
        500_000,
        1_000_000,
    )
    assert steady.channel == "cash"  # the wallet failed: cash through VNPost this time

    worse = line(dec, history["worse"])
    # December at 2.0; November was paid at 1.5 (750,000), owed 1,000,000: 250,000 arrears.
    assert (worse.amount_regular, worse.amount_arrears, worse.arrears_months) == (
        1_000_000,
        250_000,
        "2026-11",
    )

    late = line(dec, history["late"])
    # Owed since October; nothing paid for October and November.
    assert (late.amount_regular, late.amount_arrears, late.arrears_months) == (
        500_000,
        1_000_000,
        "2026-10;2026-11",
    )
    assert list(late.arrears.values_list("month", "amount")) == [(OCT, 500_000), (NOV, 500_000)]

    dying = line(dec, history["dying"])
    assert (dying.amount_regular, dying.amount_funeral, dying.amount_total) == (
        0,
        10_000_000,
        10_000_000,
    )
    assert (dying.payee_name, dying.channel) == ("Phan Văn Con", "cash")

    resting = line(dec, history["resting"])
    assert (resting.amount_regular, resting.amount_arrears, resting.arrears_months) == (
        500_000,
        500_000,
        "2026-11",
    )


def test_arrears_are_not_paid_twice(history, hue_units, officers, checker):
    dec = generate(hue_units["district"], DEC, officers["district"])
    payment_list_close(period=dec, closed_by=checker)
    jan = generate(hue_units["district"], datetime.date(2027, 1, 1))
    for key in ("worse", "late", "resting"):
        assert line(jan, history[key]).amount_arrears == 0, key
    assert line(jan, history["dying"]) is None  # funeral paid once
    assert line(jan, history["steady"]).amount_carried_over == 0  # carried once


def test_closing_rules(hue_units, officers, checker):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(hue_units["district"], DEC, officers["district"])
    for outsider in (officers["commune"], officers["province"]):
        with pytest.raises(PermissionDenied) as refused:
            payment_list_close(period=period, closed_by=outsider)
        assert refused.value.code == PaymentErrorCode.NOT_OFFICER_OF_UNIT
    # The preparer (who generated it) may not also approve it.
    with pytest.raises(PermissionDenied) as refused:
        payment_list_close(period=period, closed_by=officers["district"])
    assert refused.value.code == PaymentErrorCode.PREPARER_CANNOT_CLOSE
    assert "không được tự chốt" in str(refused.value)
    waiting = change_record_create(
        beneficiary=b,
        data=ChangeInput(kind="suspend", reason="other", effective_month=DEC),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 21),
    )
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.CHANGES_WAITING}
    change_record_defer(change=waiting, user=officers["district"], month=datetime.date(2027, 1, 1))
    plist = payment_list_close(period=period, closed_by=checker)
    assert len(plist.content_hash) == 64 and plist.closed_by == checker
    assert plist.generated_by == officers["district"]
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.ALREADY_CLOSED}
    with pytest.raises(ValidationError) as refused:
        payment_list_generate(period=period)
    assert error_codes(refused.value) == {PaymentErrorCode.LIST_CLOSED}
    frozen = plist.lines.get()
    frozen.amount_regular = 1
    with pytest.raises(ValueError, match="closed"):
        frozen.save()
    # One batch per provider with control totals.
    batch = plist.batches.get()
    assert (batch.provider.code, batch.control_count, batch.control_amount) == (
        "VNPOST",
        1,
        500_000,
    )


def test_an_approval_after_generation_asks_for_a_new_generation(hue_units, officers, checker):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(hue_units["district"], DEC, officers["district"])
    ch = change_record_create(
        beneficiary=b,
        data=ChangeInput(kind="suspend", reason="other", effective_month=DEC),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 21),
    )
    change_record_approve(
        change=ch, approved_by=officers["district"], today=datetime.date(2026, 11, 22)
    )
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.CHANGES_SINCE_GENERATION}
    period = generate(hue_units["district"], DEC, officers["district"])
    assert line(period, b) is None  # suspended from December, though not applied yet
    payment_list_close(period=period, closed_by=checker)


def test_regenerating_a_draft_replaces_its_lines(hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(hue_units["district"], DEC)
    first = line(period, b).reference
    generate(hue_units["district"], DEC)
    assert PaymentLine.objects.filter(payment_list__period=period).count() == 1
    assert line(period, b).reference == first  # the reference is stable
    assert PaymentAccount.objects.count() == 0


def test_generation_is_set_based(hue_units):
    """The number of queries does not grow with the number of people (bulk writes aside)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n):
        for i in range(n):
            b = person(hue_units["commune"], datetime.date(1940, 1, 1 + i % 28), ["K5C"])
            RecipientFactory(beneficiary=b)
            AccountFactory(beneficiary=b)
        period = payment_period_open(unit=hue_units["district"], month=DEC)
        with CaptureQueriesContext(connection) as ctx:
            payment_list_generate(period=period)
        # Bulk inserts are split by the database's parameter limit; everything else is fixed.
        return len(
            [q for q in ctx.captured_queries if not q["sql"].startswith('INSERT INTO "payments_')]
        )

    few = queries_for(5)
    many = queries_for(60)  # 65 people now, same one bulk batch
    assert many == few, (few, many)


def test_text_survives_the_bulk_write(hue_units):
    """Lines are written with COPY on PostgreSQL: separators in text must round-trip."""
    odd = 'Lê "Văn"\tTám\\Bảy\nChín'
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name=odd)
    RecipientFactory(beneficiary=b, full_name="Ngô, Thị; Ba")
    period = generate(hue_units["district"], DEC)
    got = line(period, b)
    assert (got.full_name, got.payee_name, got.account_id) == (odd, "Ngô, Thị; Ba", None)


def test_an_account_pays_from_the_month_it_was_opened(hue_units):
    """A list made for a month uses the accounts opened by its end: before, the person is paid
    in cash through VNPost (this is how the demo's year of history is made from today's
    register)."""
    c = hue_units["commune"]
    b = person(c, datetime.date(1941, 5, 2), ["K5C"])
    AccountFactory(beneficiary=b, opened_on=datetime.date(2026, 12, 31))
    early = generate(hue_units["district"], datetime.date(2026, 11, 1))
    assert (line(early, b).channel, line(early, b).provider.code) == ("cash", "VNPOST")
    period = generate(hue_units["district"], DEC)
    assert (line(period, b).channel, line(period, b).provider.code) == ("account", "VIETTELPAY")


def test_a_list_the_system_generated_is_closed_by_any_officer_of_the_unit(hue_units, officers):
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(hue_units["district"], DEC)  # a beat or worker run: nobody prepared it
    assert period.payment_list.generated_by is None
    plist = payment_list_close(period=period, closed_by=officers["district"])
    assert plist.closed_by == officers["district"]


def test_whoever_generated_last_is_the_preparer(hue_units, officers, checker):
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    generate(hue_units["district"], DEC, officers["district"])
    period = generate(hue_units["district"], DEC, checker)  # generated again by the other one
    with pytest.raises(PermissionDenied) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert refused.value.code == PaymentErrorCode.PREPARER_CANNOT_CLOSE
    assert payment_list_close(period=period, closed_by=officers["district"]).closed_by_id

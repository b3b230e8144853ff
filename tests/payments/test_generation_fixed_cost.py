"""What a list costs beyond its lines (issue 19): a national month is thousands of communes, each
paying it once, so it stays small; and nothing saved between two lists ever changes an amount
(payments.services.entitlement_memo)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from beneficiaries.models import Category, CategoryCoefficient, StandardLevel
from beneficiaries.policy_tables import load_policy_tables
from org.review import ReviewStatus
from payments.models import PaymentLine
from payments.services import entitlement_memo as memos
from payments.services import generation, payment_list_generate, payment_period_open
from payments.services.entitlement_memo import (
    MAX_CONTEXTS,
    entitlement_memo,
    entitlement_memos_clear,
)
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
BORN = datetime.date(1940, 1, 1)  # 86 in 12/2026: K5C, coefficient 1.0


@pytest.fixture(autouse=True)
def fresh_memo():
    entitlement_memos_clear()
    yield
    entitlement_memos_clear()


@pytest.fixture
def computed(monkeypatch):
    """How many times the amount function really ran."""
    calls = []
    real = generation.entitlement

    def counted(*args, **kwargs):
        calls.append(args[1].id)
        return real(*args, **kwargs)

    monkeypatch.setattr(generation, "entitlement", counted)
    return calls


def person(commune, born=BORN, code="K5C", **kwargs):
    b = BeneficiaryFactory(commune=commune, date_of_birth=born, **kwargs)
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code=code))
    return b


def generate(unit, month=DEC, **kwargs):
    period = payment_period_open(unit=unit, month=month)
    payment_list_generate(period=period, **kwargs)
    return period


def line(period, b) -> PaymentLine:
    return PaymentLine.objects.get(payment_list__period=period, beneficiary=b)


def test_a_second_list_of_the_province_reuses_the_amounts(hue_units, computed):
    first = person(hue_units["commune"])
    second = person(hue_units["far_commune"])
    one = generate(hue_units["district"])
    assert computed == [first.id]
    other = generate(hue_units["other_district"])
    assert computed == [first.id]  # the same combination: not computed again
    assert line(one, first).amount_regular == line(other, second).amount_regular == 500_000
    assert line(other, second).explanation == line(one, first).explanation


def test_a_standard_level_approved_between_two_lists_prices_the_next_one(hue_units, computed):
    first = person(hue_units["commune"])
    second = person(hue_units["far_commune"])
    assert line(generate(hue_units["district"]), first).amount_regular == 500_000
    # Proposed, not approved: the tables read are the same, the amounts too.
    StandardLevel.objects.create(
        province=hue_units["province"],
        effective_month=DEC,
        amount=800_000,
        legal_basis="NQ HĐND (dự thảo)",
        review_status=ReviewStatus.PROPOSED,
    )
    assert line(generate(hue_units["other_district"]), second).amount_regular == 500_000
    assert len(computed) == 1
    # Approved: the next list (and the regenerated first one) pay 1.0 × 650,000.
    StandardLevel.objects.filter(province=hue_units["province"]).update(
        amount=650_000, review_status=ReviewStatus.APPROVED
    )
    assert line(generate(hue_units["other_district"]), second).amount_regular == 650_000
    assert line(generate(hue_units["district"]), first).amount_regular == 650_000


def test_a_coefficient_changed_between_two_lists_prices_the_next_one(hue_units):
    b = person(hue_units["commune"])
    assert line(generate(hue_units["district"]), b).amount_regular == 500_000
    CategoryCoefficient.objects.filter(category__code="K5C").update(coefficient=2)
    regenerated = generate(hue_units["district"])
    assert line(regenerated, b).amount_regular == 1_000_000
    assert line(regenerated, b).explanation.startswith("K5C ×2,00")


def test_a_problem_is_written_in_the_language_of_each_generation(hue_units):
    first = person(hue_units["commune"])
    second = person(hue_units["far_commune"])
    StandardLevel.objects.all().delete()  # nothing can price anyone
    with translation.override("en"):
        english = line(generate(hue_units["district"]), first)
    vietnamese = line(generate(hue_units["other_district"]), second)
    assert english.cannot_compute and vietnamese.cannot_compute
    assert english.cannot_compute_reason == "No standard level is in force in 12/2026."
    assert vietnamese.cannot_compute_reason != english.cannot_compute_reason


def test_the_memo_follows_the_tables_read():
    tables = load_policy_tables()
    memo = entitlement_memo(tables, DEC, "46", "day")
    memo["key"] = "kept"
    assert entitlement_memo(load_policy_tables(), DEC, "46", "day") is memo  # equal tables
    assert entitlement_memo(tables, DEC, "19", "day") is not memo  # another province
    assert entitlement_memo(tables, DEC, "46", "month") is not memo  # another rule
    with translation.override("en"):
        assert entitlement_memo(tables, DEC, "46", "day") is not memo
    CategoryCoefficient.objects.filter(category__code="K1").update(coefficient=3)
    changed = entitlement_memo(load_policy_tables(), DEC, "46", "day")
    assert changed == {}
    assert entitlement_memo(load_policy_tables(), DEC, "46", "day") is changed
    for i in range(MAX_CONTEXTS + 5):
        entitlement_memo(tables, DEC, f"p{i}", "day")
    assert len(memos._memos) == MAX_CONTEXTS  # the oldest contexts are dropped


def test_a_small_list_writes_no_progress_before_its_lines(hue_units, monkeypatch):
    for _i in range(3):
        person(hue_units["commune"])
    beats, progress = [], []
    monkeypatch.setattr(generation, "generation_heartbeat", lambda pl, **f: beats.append(f))
    generate(hue_units["district"], progress=lambda done, total: progress.append((done, total)))
    assert {"progress_done": 0, "progress_total": 3} not in beats
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)

    beats.clear()
    monkeypatch.setattr(generation, "PROGRESS_MIN_PEOPLE", 3)  # a large list: the page follows it
    generate(hue_units["district"])
    assert beats[0] == {"progress_done": 0, "progress_total": 3}


def test_a_list_costs_the_same_number_of_queries_whatever_its_size(hue_units):
    person(hue_units["commune"])
    generate(hue_units["district"])  # warm: content types, the first list of the unit

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            generate(hue_units["district"])
        return len(ctx.captured_queries)

    small = queries()
    for born in (1930, 1950, 1944, 1938):
        person(hue_units["neighbour"], born=datetime.date(born, 3, 3))
    assert queries() == small
    # About 25 for the allowance, the rest care support's (its arrangements, their arrears
    # windows and what closed lists paid them) and the list's bookkeeping: a ceiling, not a goal.
    assert small <= 45

"""The allowance policy engine (beneficiaries.policy), Decree 20/2021 and Decree 76/2024.

Expected amounts are worked out by hand: standard level × coefficient, where the standard level is
360,000 VND from 07/2021 and 500,000 VND from 07/2024. Most tests run twice through the `tables`
fixture: on a hand-built copy of the reference data (no database) and on the rows the migration
loaded (`load_policy_tables()`), so the rules and the reference data are checked together.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from beneficiaries.models import StandardLevel
from beneficiaries.policy import (
    ADDITIVE_PARTNERS,
    CoefficientBand,
    Entitlement,
    EntitlementPart,
    Person,
    PolicyError,
    PolicyTables,
    StandardLevelRow,
    age_in_month,
    care_support_amount,
    category_coefficient,
    funeral_support_amount,
    monthly_entitlement,
    standard_level,
    vnd_amount,
)
from beneficiaries.policy_tables import load_policy_tables
from org.models import AdministrativeUnit

DECREE_20 = date(2021, 7, 1)
DECREE_76 = date(2024, 7, 1)
JUNE_2021 = date(2021, 6, 1)
JUNE_2024 = date(2024, 6, 1)  # last month at 360,000
JULY_2024 = date(2024, 7, 1)  # first month at 500,000
JAN_2025 = date(2025, 1, 1)

NOT_HIGHEST = "Không hưởng: chỉ hưởng một mức cao nhất"
NOT_OLD_ENOUGH = "Không đủ điều kiện tuổi trong tháng"
NO_DISABILITY_LEVEL = "Không đủ điều kiện: chưa có hoặc không đúng mức độ khuyết tật"
NO_CHILDREN = "Không đủ điều kiện: chưa có số con đang nuôi"


def band(
    code: str,
    coefficient: str,
    *,
    min_age: int | None = None,
    max_age: int | None = None,
    group: str = "",
    level: str = "",
    per_child: bool = False,
    variant: str = "",
    valid_from: date = DECREE_20,
    valid_to: date | None = None,
) -> CoefficientBand:
    return CoefficientBand(
        category_code=code,
        min_age=min_age,
        max_age=max_age,
        age_group=group,
        disability_level=level,
        per_child=per_child,
        variant=variant,
        coefficient=Decimal(coefficient),
        valid_from=valid_from,
        valid_to=valid_to,
    )


ES, SEVERE = "extremely_severe", "severe"

# A hand-built copy of migration 0003: what the reference data must say.
REFERENCE = PolicyTables(
    bands=(
        band("K1", "2.5", max_age=4),
        band("K1", "1.5", min_age=4, max_age=16),
        band("K2", "1.5", min_age=16, max_age=22),
        band("K3", "2.5", max_age=4),
        band("K3", "2.0", min_age=4, max_age=16),
        band("K4", "1.0", per_child=True),
        band("K5A", "1.5", min_age=60, max_age=80),
        band("K5A", "2.0", min_age=80),
        band("K5B", "1.0", min_age=75, max_age=80),
        band("K5C", "1.0", min_age=80),
        band("K5D", "3.0", min_age=60),
        band("K6", "2.0", level=ES),
        band("K6", "2.5", level=ES, group="child"),
        band("K6", "2.5", level=ES, group="elderly"),
        band("K6", "1.5", level=SEVERE),
        band("K6", "2.0", level=SEVERE, group="child"),
        band("K6", "2.0", level=SEVERE, group="elderly"),
        band("K7", "1.5", max_age=3),
        band("K8", "1.5"),
        band("CS_FOSTER_K1", "2.5", max_age=4),
        band("CS_FOSTER_K1", "1.5", min_age=4),
        band("CS_FOSTER_K5D", "1.5"),
        band("CS_HOUSEHOLD_DISABLED", "1.0", level=ES),
        band("CS_FOSTER_DISABLED", "1.5", level=ES),
        band("CS_FOSTER_DISABLED", "2.5", level=ES, group="child"),
        band("CS_DISABLED_PARENT", "1.5"),
        band("CS_DISABLED_PARENT", "2.0", variant="both_or_two_children"),
        band("FUNERAL", "20.0"),
    ),
    levels=(
        StandardLevelRow(province_code=None, effective_month=DECREE_20, amount=360_000),
        StandardLevelRow(province_code=None, effective_month=DECREE_76, amount=500_000),
    ),
    additive={"K4": frozenset({"K5A", "K5B", "K5C", "K5D", "K6", "K8"})},
)


@pytest.fixture(
    params=["hand_built", pytest.param("database", marks=pytest.mark.django_db)],
)
def source(request) -> str:
    return request.param


@pytest.fixture
def tables(source) -> PolicyTables:
    return load_policy_tables() if source == "database" else REFERENCE


def person(dob: date, *codes: str, level: str = "", children: int | None = None) -> Person:
    return Person(
        date_of_birth=dob, categories=codes, disability_level=level, dependent_children=children
    )


def paid_parts(entitlement: Entitlement) -> dict[str, int]:
    return {part.code: part.amount for part in entitlement.parts if part.paid}


# --- Loading the reference data -----------------------------------------------------------------


@pytest.mark.django_db
def test_loaded_tables_match_the_decrees(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        loaded = load_policy_tables()

    assert set(loaded.bands) == set(REFERENCE.bands)
    assert len(loaded.bands) == len(REFERENCE.bands)
    assert set(loaded.levels) == set(REFERENCE.levels)
    assert loaded.additive == REFERENCE.additive


@pytest.mark.django_db
def test_loaded_levels_carry_the_province_code():
    hanoi = province("01", "Thành phố Hà Nội")
    StandardLevel.objects.create(
        province=hanoi, effective_month=date(2026, 1, 1), amount=650_000, legal_basis="NQ HĐND"
    )

    levels = set(load_policy_tables().levels)

    assert StandardLevelRow("01", date(2026, 1, 1), 650_000) in levels
    assert StandardLevelRow(None, DECREE_76, 500_000) in levels


# --- Age ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "month", "rule", "age"),
    [
        # Born 15 March: under "first_day" the birthday counts from April ...
        (date(2021, 3, 15), date(2025, 2, 1), "first_day", 3),
        (date(2021, 3, 15), date(2025, 3, 1), "first_day", 3),
        (date(2021, 3, 15), date(2025, 4, 1), "first_day", 4),
        # ... under "birthday_month" from March, the birthday month itself.
        (date(2021, 3, 15), date(2025, 2, 1), "birthday_month", 3),
        (date(2021, 3, 15), date(2025, 3, 1), "birthday_month", 4),
        (date(2021, 3, 15), date(2025, 4, 1), "birthday_month", 4),
        # Born on the 1st: both readings agree.
        (date(2021, 3, 1), date(2025, 2, 1), "first_day", 3),
        (date(2021, 3, 1), date(2025, 3, 1), "first_day", 4),
        (date(2021, 3, 1), date(2025, 3, 1), "birthday_month", 4),
        # Any day names its month.
        (date(2021, 3, 15), date(2025, 3, 31), "first_day", 3),
        # Born on 29 February.
        (date(2020, 2, 29), date(2025, 2, 1), "first_day", 4),
        (date(2020, 2, 29), date(2025, 3, 1), "first_day", 5),
        (date(2020, 2, 29), date(2025, 2, 1), "birthday_month", 5),
        # The birth month is age 0, also when born after the 1st.
        (date(2025, 3, 15), date(2025, 3, 1), "first_day", 0),
        (date(2025, 3, 15), date(2025, 3, 1), "birthday_month", 0),
        (date(2024, 12, 31), date(2025, 1, 1), "first_day", 0),
        (date(2024, 12, 31), date(2025, 12, 1), "birthday_month", 1),
    ],
)
def test_age_in_month(dob, month, rule, age):
    assert age_in_month(dob, month, rule) == age


def test_age_defaults_to_the_first_day_of_the_month():
    assert age_in_month(date(2021, 3, 15), date(2025, 3, 1)) == 3


def test_age_before_birth_is_an_error():
    with pytest.raises(PolicyError, match="before the birth month"):
        age_in_month(date(2025, 3, 15), date(2025, 2, 1))


def test_unknown_age_rule_is_an_error():
    with pytest.raises(PolicyError, match="Unknown age rule"):
        age_in_month(date(2000, 1, 1), JAN_2025, "last_day")  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match="Unknown age rule"):
        monthly_entitlement(REFERENCE, person(date(1950, 1, 1), "K8"), JAN_2025, None, "x")  # type: ignore[arg-type]


# --- Standard level -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "amount"),
    [
        (date(2021, 7, 1), 360_000),
        (date(2021, 7, 20), 360_000),
        (date(2024, 6, 1), 360_000),
        (date(2024, 7, 1), 500_000),
        (date(2026, 12, 1), 500_000),
    ],
)
def test_national_standard_level(tables, month, amount):
    assert standard_level(tables, month, None) == amount
    assert standard_level(tables, month, "46") == amount


def test_no_standard_level_before_decree_20(tables):
    with pytest.raises(PolicyError, match="No standard level is in force"):
        standard_level(tables, JUNE_2021, "46")
    with pytest.raises(PolicyError, match="No standard level is in force"):
        monthly_entitlement(tables, person(date(1940, 1, 1), "K5C"), JUNE_2021, "46")


def province(code: str, name: str) -> AdministrativeUnit:
    unit, _ = AdministrativeUnit.objects.get_or_create(
        code=code, level="province", code_version="2025-10", defaults={"name": name}
    )
    return unit


@pytest.fixture
def provincial_tables(source) -> PolicyTables:
    """The reference data plus three provincial resolutions: Hà Nội 650,000 from 01/2026 (above
    national), Huế 450,000 from 01/2023 (above 360,000, below 500,000), TP HCM 300,000 from
    01/2022 (below national all along)."""
    rows = [("01", date(2026, 1, 1), 650_000), ("46", date(2023, 1, 1), 450_000)]
    rows.append(("79", date(2022, 1, 1), 300_000))
    if source == "hand_built":
        extra = tuple(StandardLevelRow(code, month, amount) for code, month, amount in rows)
        return replace(REFERENCE, levels=REFERENCE.levels + extra)
    for code, month, amount in rows:
        StandardLevel.objects.create(
            province=province(code, f"Tỉnh {code}"),
            effective_month=month,
            amount=amount,
            legal_basis="Nghị quyết HĐND tỉnh",
        )
    return load_policy_tables()


@pytest.mark.parametrize(
    ("province_code", "month", "amount"),
    [
        ("01", date(2025, 12, 1), 500_000),  # not before the resolution
        ("01", date(2026, 1, 1), 650_000),
        ("01", date(2027, 5, 1), 650_000),
        ("46", date(2026, 1, 1), 500_000),  # not in another province ...
        (None, date(2026, 1, 1), 500_000),  # ... nor nationally
        ("46", date(2022, 12, 1), 360_000),
        ("46", date(2023, 1, 1), 450_000),  # higher than national: applies
        ("46", date(2024, 6, 1), 450_000),
        ("46", date(2024, 7, 1), 500_000),  # now lower than national: ignored
        ("79", date(2022, 6, 1), 360_000),  # lower than national: never lowers it
        ("79", date(2025, 6, 1), 500_000),
    ],
)
def test_provincial_standard_level_can_only_raise_the_national_one(
    provincial_tables, province_code, month, amount
):
    assert standard_level(provincial_tables, month, province_code) == amount


def test_provincial_level_flows_into_every_amount(provincial_tables):
    january = date(2026, 1, 1)
    elderly = person(date(1950, 1, 10), "K5A")  # 76: 1.5

    assert monthly_entitlement(provincial_tables, elderly, january, "01").amount == 975_000
    assert monthly_entitlement(provincial_tables, elderly, january, "46").amount == 750_000
    assert funeral_support_amount(provincial_tables, january, "01") == 13_000_000
    assert care_support_amount(provincial_tables, "CS_FOSTER_K5D", january, "01") == 975_000


# --- Every category at both standard levels -----------------------------------------------------


@pytest.mark.parametrize("month", [JUNE_2024, JULY_2024], ids=["360k", "500k"])
@pytest.mark.parametrize(
    ("code", "dob", "level", "children", "coefficient", "at_360k", "at_500k"),
    [
        pytest.param("K1", date(2023, 1, 10), "", None, "2.5", 900_000, 1_250_000, id="K1-age1"),
        pytest.param("K1", date(2018, 1, 10), "", None, "1.5", 540_000, 750_000, id="K1-age6"),
        pytest.param("K2", date(2006, 1, 10), "", None, "1.5", 540_000, 750_000, id="K2-age18"),
        pytest.param("K3", date(2023, 1, 10), "", None, "2.5", 900_000, 1_250_000, id="K3-age1"),
        pytest.param("K3", date(2014, 1, 10), "", None, "2.0", 720_000, 1_000_000, id="K3-age10"),
        pytest.param("K4", date(1990, 1, 10), "", 1, "1.0", 360_000, 500_000, id="K4-1child"),
        pytest.param("K5A", date(1954, 1, 10), "", None, "1.5", 540_000, 750_000, id="K5A-70"),
        pytest.param("K5A", date(1940, 1, 10), "", None, "2.0", 720_000, 1_000_000, id="K5A-84"),
        pytest.param("K5B", date(1947, 1, 10), "", None, "1.0", 360_000, 500_000, id="K5B-77"),
        pytest.param("K5C", date(1940, 1, 10), "", None, "1.0", 360_000, 500_000, id="K5C-84"),
        pytest.param("K5D", date(1954, 1, 10), "", None, "3.0", 1_080_000, 1_500_000, id="K5D"),
        pytest.param("K6", date(1994, 1, 10), ES, None, "2.0", 720_000, 1_000_000, id="K6-es"),
        pytest.param(
            "K6", date(2014, 1, 10), ES, None, "2.5", 900_000, 1_250_000, id="K6-es-child"
        ),
        pytest.param(
            "K6", date(1954, 1, 10), ES, None, "2.5", 900_000, 1_250_000, id="K6-es-elderly"
        ),
        pytest.param("K6", date(1994, 1, 10), SEVERE, None, "1.5", 540_000, 750_000, id="K6-s"),
        pytest.param(
            "K6", date(2014, 1, 10), SEVERE, None, "2.0", 720_000, 1_000_000, id="K6-s-child"
        ),
        pytest.param(
            "K6", date(1954, 1, 10), SEVERE, None, "2.0", 720_000, 1_000_000, id="K6-s-elderly"
        ),
        pytest.param("K7", date(2023, 1, 10), "", None, "1.5", 540_000, 750_000, id="K7-age1"),
        pytest.param("K8", date(1989, 1, 10), "", None, "1.5", 540_000, 750_000, id="K8"),
    ],
)
def test_every_category_at_both_standard_levels(
    tables, month, code, dob, level, children, coefficient, at_360k, at_500k
):
    beneficiary = person(dob, code, level=level, children=children)

    entitlement = monthly_entitlement(tables, beneficiary, month, "46")

    assert entitlement.amount == (at_360k if month < JULY_2024 else at_500k)
    assert entitlement.standard_level == (360_000 if month < JULY_2024 else 500_000)
    assert entitlement.coefficient == Decimal(coefficient)
    assert entitlement.paid_categories == (code,)
    assert category_coefficient(tables, code, beneficiary, month) == Decimal(coefficient)


def test_first_month_of_decree_20(tables):
    entitlement = monthly_entitlement(tables, person(date(1940, 1, 10), "K5C"), DECREE_20, None)

    assert entitlement == Entitlement(
        amount=360_000,
        coefficient=Decimal("1.0"),
        paid_categories=("K5C",),
        standard_level=360_000,
        parts=(EntitlementPart("K5C", Decimal("1.0"), 360_000, paid=True, note=""),),
    )


# --- Age boundaries, both sides, both age rules -------------------------------------------------

# Everyone is born on 15 March and crosses the boundary in March 2025: under "first_day" from
# April, under "birthday_month" already in March. Amounts at 500,000; 0 = not eligible.
BOUNDARIES = [
    # name, code, disability level, date of birth, amount before, amount after
    ("K1 3→4", "K1", "", date(2021, 3, 15), 1_250_000, 750_000),
    ("K3 3→4", "K3", "", date(2021, 3, 15), 1_250_000, 1_000_000),
    ("K7 2→3", "K7", "", date(2022, 3, 15), 750_000, 0),
    ("K1 15→16", "K1", "", date(2009, 3, 15), 750_000, 0),
    ("K2 15→16", "K2", "", date(2009, 3, 15), 0, 750_000),
    ("K3 15→16", "K3", "", date(2009, 3, 15), 1_000_000, 0),
    ("K6 es 15→16", "K6", ES, date(2009, 3, 15), 1_250_000, 1_000_000),
    ("K6 severe 15→16", "K6", SEVERE, date(2009, 3, 15), 1_000_000, 750_000),
    ("K2 21→22", "K2", "", date(2003, 3, 15), 750_000, 0),
    ("K6 severe 59→60", "K6", SEVERE, date(1965, 3, 15), 750_000, 1_000_000),
    ("K6 es 59→60", "K6", ES, date(1965, 3, 15), 1_000_000, 1_250_000),
    ("K5A 59→60", "K5A", "", date(1965, 3, 15), 0, 750_000),
    ("K5D 59→60", "K5D", "", date(1965, 3, 15), 0, 1_500_000),
    ("K5B 74→75", "K5B", "", date(1950, 3, 15), 0, 500_000),
    ("K5A 79→80", "K5A", "", date(1945, 3, 15), 750_000, 1_000_000),
    ("K5B 79→80", "K5B", "", date(1945, 3, 15), 500_000, 0),
    ("K5C 79→80", "K5C", "", date(1945, 3, 15), 0, 500_000),
]

# month, rule, which side of the boundary the person is on
SIDES = [
    (date(2025, 2, 1), "first_day", "before"),
    (date(2025, 2, 1), "birthday_month", "before"),
    (date(2025, 3, 1), "first_day", "before"),
    (date(2025, 3, 1), "birthday_month", "after"),
    (date(2025, 4, 1), "first_day", "after"),
    (date(2025, 4, 1), "birthday_month", "after"),
]


@pytest.mark.parametrize(
    ("code", "level", "dob", "month", "rule", "amount"),
    [
        pytest.param(
            code,
            level,
            dob,
            month,
            rule,
            before if side == "before" else after,
            id=f"{name} {month:%Y-%m} {rule}",
        )
        for name, code, level, dob, before, after in BOUNDARIES
        for month, rule, side in SIDES
    ],
)
def test_age_boundaries(tables, code, level, dob, month, rule, amount):
    entitlement = monthly_entitlement(tables, person(dob, code, level=level), month, "46", rule)

    assert entitlement.amount == amount
    [part] = entitlement.parts
    assert part.code == code
    assert part.paid is (amount > 0)
    assert part.note == ("" if amount else NOT_OLD_ENOUGH)


@pytest.mark.parametrize(
    ("code", "beneficiary"),
    [
        ("K1", person(date(2008, 12, 10), "K1")),  # 16
        ("K5C", person(date(1946, 1, 10), "K5C")),  # 79
        ("K6", person(date(1980, 1, 10), "K6")),  # no disability level
        ("K4", person(date(1990, 1, 10), "K4", children=0)),
        ("K4", person(date(1990, 1, 10), "K4", children=None)),
        ("K9", person(date(1990, 1, 10), "K9")),  # no such category
    ],
)
def test_no_coefficient_when_no_band_applies(tables, code, beneficiary):
    assert category_coefficient(tables, code, beneficiary, JAN_2025) is None


# --- Several categories -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("children", "amount", "coefficient"),
    [(1, 500_000, "1.0"), (2, 1_000_000, "2.0"), (3, 1_500_000, "3.0")],
)
def test_single_parent_is_paid_per_child(tables, children, amount, coefficient):
    entitlement = monthly_entitlement(
        tables, person(date(1990, 1, 10), "K4", children=children), JAN_2025, "46"
    )

    assert entitlement.amount == amount
    assert entitlement.coefficient == Decimal(coefficient)


@pytest.mark.parametrize("children", [0, None])
def test_single_parent_without_children_gets_nothing(tables, children):
    entitlement = monthly_entitlement(
        tables, person(date(1990, 1, 10), "K4", children=children), JAN_2025, "46"
    )

    assert entitlement.amount == 0
    assert entitlement.parts[0].note == NO_CHILDREN


def test_k4_is_paid_on_top_of_k5c(tables):
    beneficiary = person(date(1940, 1, 10), "K4", "K5C", children=2)  # 84

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, "46")

    assert entitlement.amount == 1_500_000  # K5C 500,000 + K4 2 × 500,000
    assert entitlement.coefficient == Decimal("3.0")
    assert set(entitlement.paid_categories) == {"K4", "K5C"}
    assert paid_parts(entitlement) == {"K4": 1_000_000, "K5C": 500_000}


@pytest.mark.parametrize(
    ("codes", "level", "amount", "paid"),
    [
        pytest.param(("K4", "K6"), ES, 1_750_000, {"K6": 1_250_000, "K4": 500_000}, id="K6"),
        pytest.param(("K8", "K4"), "", 1_250_000, {"K8": 750_000, "K4": 500_000}, id="K8"),
        pytest.param(("K4", "K5D"), "", 2_000_000, {"K5D": 1_500_000, "K4": 500_000}, id="K5D"),
        # K4 goes on top of the highest partner only, not of every one.
        pytest.param(
            ("K4", "K5A", "K6"),
            SEVERE,
            1_500_000,
            {"K6": 1_000_000, "K4": 500_000},
            id="K5A+K6",
        ),
    ],
)
def test_k4_is_paid_on_top_of_the_highest_partner(tables, codes, level, amount, paid):
    beneficiary = person(date(1962, 1, 10), *codes, level=level, children=1)  # 62

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, "46")

    assert entitlement.amount == amount
    assert paid_parts(entitlement) == paid


def test_k4_with_k2_is_not_additive(tables):
    one_child = person(date(2004, 1, 10), "K4", "K2", children=1)  # 20
    two_children = replace(one_child, dependent_children=2)

    with_one = monthly_entitlement(tables, one_child, JAN_2025, "46")
    with_two = monthly_entitlement(tables, two_children, JAN_2025, "46")

    assert with_one.amount == 750_000  # K2 1.5 beats K4 1 × 1.0
    assert with_one.paid_categories == ("K2",)
    assert with_two.amount == 1_000_000  # K4 2 × 1.0 beats K2 1.5
    assert with_two.paid_categories == ("K4",)
    k2 = next(part for part in with_two.parts if part.code == "K2")
    assert (k2.amount, k2.paid, k2.note) == (750_000, False, NOT_HIGHEST)


def test_k4_without_children_is_not_added(tables):
    beneficiary = person(date(1980, 1, 10), "K4", "K6", level=ES, children=0)

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, "46")

    assert entitlement.amount == 1_000_000
    assert entitlement.paid_categories == ("K6",)


def test_several_categories_pay_only_the_highest(tables):
    beneficiary = person(date(1940, 1, 10), "K5C", "K6", level=SEVERE)  # 84

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, "46")

    assert entitlement.amount == 1_000_000  # K6 severe elderly 2.0, not K5C 1.0
    assert entitlement.coefficient == Decimal("2.0")
    assert entitlement.paid_categories == ("K6",)
    k5c, k6 = entitlement.parts
    assert (k5c.code, k5c.amount, k5c.paid, k5c.note) == ("K5C", 500_000, False, NOT_HIGHEST)
    assert (k6.code, k6.amount, k6.paid, k6.note) == ("K6", 1_000_000, True, "")


def test_equal_categories_are_paid_once(tables):
    entitlement = monthly_entitlement(tables, person(date(2004, 1, 10), "K2", "K8"), JAN_2025, "46")

    assert entitlement.amount == 750_000
    assert entitlement.paid_categories == ("K2",)


def test_k6_without_disability_level_gets_nothing(tables):
    entitlement = monthly_entitlement(tables, person(date(1980, 1, 10), "K6"), JAN_2025, "46")

    assert entitlement.amount == 0
    assert entitlement.coefficient == 0
    assert entitlement.paid_categories == ()
    assert entitlement.standard_level == 500_000
    [part] = entitlement.parts
    assert (part.amount, part.paid, part.note) == (0, False, NO_DISABILITY_LEVEL)


def test_ineligible_category_does_not_hide_an_eligible_one(tables):
    beneficiary = person(date(2008, 12, 10), "K1", "K6", level=SEVERE)  # 16

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, "46")

    assert entitlement.amount == 750_000  # K6 severe adult 1.5
    assert [(p.code, p.paid, p.note) for p in entitlement.parts] == [
        ("K1", False, NOT_OLD_ENOUGH),
        ("K6", True, ""),
    ]


def test_care_support_and_funeral_codes_are_not_allowances(tables):
    beneficiary = person(date(1980, 1, 10), "CS_FOSTER_K1", "K8", "FUNERAL", "K8")

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, "46")

    assert entitlement.amount == 750_000
    assert [part.code for part in entitlement.parts] == ["K8"]


def test_nobody_without_categories_gets_nothing(tables):
    entitlement = monthly_entitlement(tables, person(date(1980, 1, 10)), JAN_2025, "46")

    assert (entitlement.amount, entitlement.paid_categories, entitlement.parts) == (0, (), ())


# --- Care support and funeral support -----------------------------------------------------------


@pytest.mark.parametrize("month", [JUNE_2024, JULY_2024], ids=["360k", "500k"])
@pytest.mark.parametrize(
    ("code", "cared_age", "variant", "at_360k", "at_500k"),
    [
        ("CS_FOSTER_K1", 0, "", 900_000, 1_250_000),  # 2.5 under 4
        ("CS_FOSTER_K1", 3, "", 900_000, 1_250_000),
        ("CS_FOSTER_K1", 4, "", 540_000, 750_000),  # 1.5 from 4
        ("CS_FOSTER_K1", 15, "", 540_000, 750_000),
        ("CS_FOSTER_K5D", None, "", 540_000, 750_000),  # 1.5
        ("CS_FOSTER_K5D", 70, "", 540_000, 750_000),
        ("CS_HOUSEHOLD_DISABLED", None, "", 360_000, 500_000),  # 1.0
        ("CS_HOUSEHOLD_DISABLED", 8, "", 360_000, 500_000),
        ("CS_FOSTER_DISABLED", 15, "", 900_000, 1_250_000),  # 2.5 for a child
        ("CS_FOSTER_DISABLED", 16, "", 540_000, 750_000),  # 1.5 otherwise
        ("CS_FOSTER_DISABLED", 70, "", 540_000, 750_000),
        ("CS_DISABLED_PARENT", None, "", 540_000, 750_000),  # 1.5
        ("CS_DISABLED_PARENT", None, "both_or_two_children", 720_000, 1_000_000),  # 2.0
        ("CS_DISABLED_PARENT", None, "something_else", 540_000, 750_000),
    ],
)
def test_care_support(tables, month, code, cared_age, variant, at_360k, at_500k):
    amount = care_support_amount(tables, code, month, "46", cared_age=cared_age, variant=variant)

    assert amount == (at_360k if month < JULY_2024 else at_500k)


@pytest.mark.parametrize(
    ("month", "rule", "amount"),
    [
        (date(2025, 3, 1), "first_day", 1_250_000),  # still 3
        (date(2025, 3, 1), "birthday_month", 750_000),  # 4 in the birthday month
        (date(2025, 4, 1), "first_day", 750_000),
    ],
)
def test_care_support_from_the_date_of_birth(tables, month, rule, amount):
    assert (
        care_support_amount(
            tables, "CS_FOSTER_K1", month, "46", cared_date_of_birth=date(2021, 3, 15), rule=rule
        )
        == amount
    )


@pytest.mark.parametrize(
    ("code", "kwargs", "message"),
    [
        ("CS_FOSTER_K1", {}, "depends on the age"),
        ("CS_FOSTER_DISABLED", {}, "depends on the age"),
        ("CS_FOSTER_K1", {"cared_age": 3, "cared_date_of_birth": date(2021, 3, 15)}, "not both"),
        ("K1", {"cared_age": 3}, "not a care-support code"),
        ("FUNERAL", {}, "not a care-support code"),
        ("CS_UNKNOWN", {}, "No care-support coefficient"),
    ],
)
def test_care_support_errors(tables, code, kwargs, message):
    with pytest.raises(PolicyError, match=message):
        care_support_amount(tables, code, JAN_2025, "46", **kwargs)


def test_no_care_support_before_decree_20(tables):
    with pytest.raises(PolicyError, match="No standard level"):
        care_support_amount(tables, "CS_FOSTER_K5D", JUNE_2021, "46")


@pytest.mark.parametrize(
    ("month", "amount"),
    [
        (DECREE_20, 7_200_000),  # 20 × 360,000
        (JUNE_2024, 7_200_000),
        (JULY_2024, 10_000_000),  # 20 × 500,000
        (date(2026, 3, 1), 10_000_000),
    ],
)
def test_funeral_support(tables, month, amount):
    assert funeral_support_amount(tables, month, "46") == amount


def test_no_funeral_support_before_decree_20(tables):
    with pytest.raises(PolicyError, match="No standard level"):
        funeral_support_amount(tables, JUNE_2021, "46")


# --- Pure rules on hand-built tables ------------------------------------------------------------


def odd_level_tables(amount: int) -> PolicyTables:
    return PolicyTables(
        bands=(band("K8", "1.5"), band("K4", "1.0", per_child=True), band("FUNERAL", "20")),
        levels=(StandardLevelRow(None, DECREE_20, amount),),
        additive={"K4": ADDITIVE_PARTNERS},
    )


@pytest.mark.parametrize(
    ("level", "coefficient", "amount"),
    [
        (333_333, "1.5", 500_000),  # 499,999.5 rounds up
        (333_335, "1.5", 500_003),  # 500,002.5 rounds up, not to even
        (333_333, "1.1", 366_666),  # 366,666.3 rounds down
        (333_333, "1.2", 400_000),  # 399,999.6 rounds up
        (500_000, "2.5", 1_250_000),
    ],
)
def test_amounts_round_half_up_to_whole_dong(level, coefficient, amount):
    assert vnd_amount(level, Decimal(coefficient)) == amount


def test_entitlement_rounds_each_category_half_up():
    tables = odd_level_tables(333_333)
    beneficiary = person(date(1980, 1, 10), "K8", "K4", children=1)

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, None)

    assert paid_parts(entitlement) == {"K8": 500_000, "K4": 333_333}  # 499,999.5 → 500,000
    assert entitlement.amount == 833_333
    assert funeral_support_amount(tables, JAN_2025, None) == 6_666_660


def test_float_coefficients_are_refused():
    with pytest.raises(TypeError, match="never float"):
        vnd_amount(500_000, 1.5)  # type: ignore[arg-type]


def test_a_band_ends_the_month_before_its_valid_to():
    # A later decree lowers K8 and abolishes K7: valid_to is exclusive.
    tables = PolicyTables(
        bands=(
            band("K8", "2.0", valid_to=date(2026, 1, 1)),
            band("K8", "1.5", valid_from=date(2026, 1, 1)),
            band("K7", "1.5", max_age=3, valid_to=date(2026, 1, 1)),
        ),
        levels=REFERENCE.levels,
        additive={},
    )
    adult = person(date(1980, 1, 10), "K8")
    baby = person(date(2025, 1, 10), "K7")

    assert monthly_entitlement(tables, adult, date(2025, 12, 1), None).amount == 1_000_000
    assert monthly_entitlement(tables, adult, date(2026, 1, 1), None).amount == 750_000
    assert monthly_entitlement(tables, baby, date(2025, 12, 1), None).amount == 750_000
    abolished = monthly_entitlement(tables, baby, date(2026, 1, 1), None)
    assert abolished.amount == 0
    assert abolished.parts[0].note == "Không có hệ số trợ cấp áp dụng trong tháng"


def test_a_new_national_level_applies_from_its_month():
    tables = replace(
        REFERENCE, levels=(*REFERENCE.levels, StandardLevelRow(None, date(2027, 1, 1), 600_000))
    )

    assert standard_level(tables, date(2026, 12, 1), None) == 500_000
    assert standard_level(tables, date(2027, 1, 1), "46") == 600_000
    assert funeral_support_amount(tables, date(2027, 1, 1), None) == 12_000_000


def test_without_the_additive_rule_k4_competes():
    tables = replace(REFERENCE, additive={})
    beneficiary = person(date(1940, 1, 10), "K4", "K5C", children=2)

    entitlement = monthly_entitlement(tables, beneficiary, JAN_2025, None)

    assert entitlement.amount == 1_000_000
    assert entitlement.paid_categories == ("K4",)

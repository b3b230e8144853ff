"""seed_demo: a realistic, deterministic demo province with users for every role."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import PaymentAccount
from beneficiaries.models import AuthorizedRecipient, Beneficiary, BeneficiaryCategory
from demo.generator import DemoCommune, DemoGenerator, demo_people
from demo.seed import demo_communes, demo_digest, demo_passwords, demo_seed
from org.models import AdministrativeUnit, Role, User

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 11, 1)


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **{"months": 0, **kwargs})
    return out.getvalue()


def seeded_digest(seed_value: int, count: int = 400) -> str:
    """Seed inside a savepoint, fingerprint the data, roll back."""
    with transaction.atomic():
        result = demo_seed(province_code="46", count=count, seed=seed_value, as_of=AS_OF)
        digest = demo_digest(province=result.province)
        transaction.set_rollback(True)
    return digest


def test_same_seed_gives_the_same_province_and_another_seed_does_not():
    first = seeded_digest(7)
    assert seeded_digest(7) == first
    assert seeded_digest(8) != first


def test_generator_is_pure_and_repeatable():
    commune = DemoCommune(1, "19777", "Phường Vỹ Dạ", "xã", "Quận Thuận Hóa")
    a = [
        DemoGenerator(seed=1, as_of=AS_OF, province_code="46").person(i, commune) for i in range(50)
    ]
    b = [
        DemoGenerator(seed=1, as_of=AS_OF, province_code="46").person(i, commune) for i in range(50)
    ]
    assert a == b


def test_seed_builds_the_three_tier_province_with_users_for_every_role():
    output = seed(beneficiaries=3000, seed=11, as_of=AS_OF)
    province = AdministrativeUnit.objects.get(level="province", code="46", code_version="2025-01")
    assert province.children.count() == 9
    communes = AdministrativeUnit.objects.filter(path__startswith=province.path, level="commune")
    assert communes.count() == 134
    assert Beneficiary.objects.filter(status="active").count() == 3000
    # Everyone lives in a commune of the province, and every commune has somebody.
    assert set(Beneficiary.objects.values_list("commune_id", flat=True).distinct()) == set(
        communes.values_list("id", flat=True)
    )
    assert "seed_demo: 3.000 beneficiaries in 134 communes of Thành phố Huế seeded in" in output
    assert output.strip().splitlines()[-1].startswith("seed_demo: ")

    roles = Counter(User.objects.values_list("role", flat=True))
    assert roles == {
        Role.ADMIN: 1,
        Role.PROVINCE_OFFICER: 1,
        Role.DISTRICT_OFFICER: 18,  # per district, the approver and the preparer
        Role.COMMUNE_OFFICER: 134,
    }
    # The printed passwords work.
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] in Role.values:
            assert authenticate(username=parts[0], password=parts[1]) is not None, line
    printed_roles = {
        line.split()[2]
        for line in output.splitlines()
        if len(line.split()) >= 3 and line.split()[2] in Role.values
    }
    assert printed_roles == set(Role.values) - {Role.COMMUNE_LEADER}  # three-tier units


def test_distributions_echo_the_province_figures():
    seed(beneficiaries=6000, seed=3, as_of=AS_OF)
    total = Beneficiary.objects.count()
    with_account = PaymentAccount.objects.filter(status="active").count()
    via_recipient = AuthorizedRecipient.objects.filter(active=True).count()
    assert 0.75 <= with_account / total <= 0.83  # 79% have an account opened
    assert 0.66 <= via_recipient / total <= 0.74  # about 70% through a recipient or guardian
    categories = Counter(BeneficiaryCategory.objects.values_list("category__code", flat=True))
    elderly = sum(n for code, n in categories.items() if code.startswith("K5"))
    disabled = categories["K6"]
    assert (
        elderly
        > disabled
        > max(n for code, n in categories.items() if not code.startswith(("K5", "K6")))
    )
    # Viettel Pay in some districts, VietinBank in others; never both in one district.
    by_district = Counter(
        PaymentAccount.objects.values_list(
            "beneficiary__commune__parent__code", "provider__code"
        ).distinct()
    )
    providers_per_district = Counter(district for district, _provider in by_district)
    assert max(providers_per_district.values()) == 1
    assert {provider for _district, provider in by_district} == {"VIETTELPAY", "VIETINBANK"}


def test_people_are_consistent_with_their_ids_and_categories():
    seed(beneficiaries=2000, seed=5, as_of=AS_OF)
    ids = list(
        Beneficiary.objects.values_list(
            "id_number", "date_of_birth", "sex", "full_name", "search_name"
        )
    )
    assert len({row[0] for row in ids}) == len(ids)
    for number, dob, sex, _name, key in ids:
        assert len(number) == 12 and number.isdigit()
        century = (dob.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
        assert int(number[3]) == century, (number, dob, sex)
        assert number[4:6] == f"{dob.year % 100:02d}"
        assert key == key.lower() and key.isascii()
    # Children are always paid through a guardian; wallets are keyed by the payee's phone.
    for b in Beneficiary.objects.filter(date_of_birth__gt=datetime.date(2010, 11, 1)):
        assert b.recipients.filter(active=True).exists()
    for account in PaymentAccount.objects.filter(provider__code="VIETTELPAY").select_related(
        "recipient", "beneficiary"
    ):
        payee_phone = account.recipient.phone if account.recipient else account.beneficiary.phone
        assert account.account_number == payee_phone
    elderly = BeneficiaryCategory.objects.filter(category__code="K5C").select_related("beneficiary")
    for row in elderly:
        age = AS_OF.year - row.beneficiary.date_of_birth.year
        assert age >= 80
        assert row.start_month >= row.beneficiary.date_of_birth.replace(
            day=1, year=row.beneficiary.date_of_birth.year + 80
        )


def test_history_is_kept_for_bulk_writes():
    seed(beneficiaries=500, seed=9, as_of=AS_OF)
    assert Beneficiary.history.count() == 500
    assert Beneficiary.history.filter(history_change_reason="seed_demo").count() == 500
    assert PaymentAccount.history.count() == PaymentAccount.objects.count()
    assert AuthorizedRecipient.history.count() == AuthorizedRecipient.objects.count()


def test_the_demo_is_seeded_once():
    seed(beneficiaries=200, seed=1, as_of=AS_OF)
    with pytest.raises(CommandError, match="already has beneficiaries"):
        seed(beneficiaries=200, seed=1, as_of=AS_OF)
    assert "skipped" in seed(beneficiaries=200, seed=1, skip_if_seeded=True)
    assert Beneficiary.objects.count() == 200


def test_a_two_tier_province_can_be_seeded_from_the_package():
    """Lâm Đồng (68) is not in the shared files: its two-tier units come from the package."""
    output = seed(province="68", beneficiaries=300, seed=2, as_of=AS_OF)
    province = AdministrativeUnit.objects.get(level="province", code="68")
    assert province.code_version == "2025-10"
    assert Beneficiary.objects.filter(commune__parent=province).count() == 300
    # Each commune closes its own list: its officer prepares it, its leader checks and closes.
    communes = province.children.count()
    assert User.objects.filter(role=Role.COMMUNE_LEADER, unit__parent=province).count() == communes
    assert User.objects.filter(role=Role.COMMUNE_OFFICER, unit__parent=province).count() == communes
    assert not User.objects.filter(role=Role.DISTRICT_OFFICER).exists()
    assert "300 beneficiaries" in output


def test_two_tier_seeds_hue_straight_on_its_2025_10_communes():
    output = seed(province="46", two_tier=True, beneficiaries=200, seed=3, as_of=AS_OF)
    province = AdministrativeUnit.objects.get(level="province", code="46")
    assert province.code_version == "2025-10"
    assert not AdministrativeUnit.objects.filter(code_version="2025-01").exists()
    assert Beneficiary.objects.filter(commune__parent=province).count() == 200
    commune = province.children.order_by("code").first()
    leader = User.objects.get(username=f"lanhdao{commune.code}")
    assert leader.role == Role.COMMUNE_LEADER and leader.unit == commune
    password = demo_passwords(seed=3)[Role.COMMUNE_LEADER]
    assert leader.check_password(password) and password in output


def test_an_unknown_province_is_refused():
    with pytest.raises(CommandError, match="Province 99 is neither"):
        seed(province="99", beneficiaries=10)
    assert not AdministrativeUnit.objects.exists()


def test_the_public_helpers_give_what_the_seed_writes():
    """What the benchmarks use: the people demo_seed writes, and each role's password."""
    result = demo_seed(province_code="46", count=300, seed=4, as_of=AS_OF)
    people = demo_people(
        communes=demo_communes(result.province),
        count=300,
        seed=4,
        as_of=AS_OF,
        province_code=result.province.code,
    )
    assert [(p.external_id, p.id_number, p.full_name) for p in people] == list(
        Beneficiary.objects.order_by("external_id").values_list(
            "external_id", "id_number", "full_name"
        )
    )
    passwords = demo_passwords(seed=4)
    for username, role in (("admin", Role.ADMIN), ("tinh46", Role.PROVINCE_OFFICER)):
        assert authenticate(username=username, password=passwords[role]) is not None
    commune = User.objects.filter(role=Role.COMMUNE_OFFICER).first()
    assert authenticate(username=commune.username, password=passwords[Role.COMMUNE_OFFICER])

    # Provinces seeded into one database never share an ID number.
    used = {p.id_number for p in people}
    taken = set(used)
    others = demo_people(
        communes=demo_communes(result.province),
        count=300,
        seed=4,
        as_of=AS_OF,
        province_code="99",
        used_ids=used,
    )
    assert not taken & {p.id_number for p in others}
    assert {p.id_number for p in others} <= used


def test_the_demo_has_carers_paid_care_support():
    """Households caring for people with extremely severe disabilities, foster families for
    orphans and elderly people, parents with disabilities raising an infant (with an end
    month); some carers with a wallet or a bank account, the others paid in cash."""
    from beneficiaries.models import CareArrangement

    result = demo_seed(province_code="46", count=3000, seed=5, as_of=AS_OF)
    arrangements = CareArrangement.objects.select_related("beneficiary", "account_provider")
    assert result.care_arrangements == arrangements.count() > 0
    codes = Counter(a.code for a in arrangements)
    assert {"CS_HOUSEHOLD_DISABLED", "CS_FOSTER_K1", "CS_FOSTER_K5D"} <= set(codes)
    for a in arrangements:
        held = set(a.beneficiary.categories.values_list("category__code", flat=True))
        if a.code == "CS_FOSTER_K1":
            assert "K1" in held
        elif a.code == "CS_FOSTER_K5D":
            assert "K5D" in held
        else:
            assert a.beneficiary.disability_level == "extremely_severe"
        assert a.start_month >= a.beneficiary.start_month and a.start_month <= AS_OF
        if a.code == "CS_DISABLED_PARENT":
            assert a.end_month is not None and not a.carer_full_name
        else:
            assert a.carer_full_name and len(a.carer_id_number) == 12
    severe = Beneficiary.objects.filter(
        disability_level="extremely_severe", categories__category__code="K6"
    ).count()
    assert 0.3 < codes["CS_HOUSEHOLD_DISABLED"] / severe < 0.5
    providers = Counter(a.account_provider.code if a.account_provider else "" for a in arrangements)
    assert providers["VIETTELPAY"] and providers["VIETINBANK"] and providers[""]
    assert arrangements.first().history.exists()
    # Deterministic with the seed: the same carers for the same people.
    from demo.care import demo_care_plan
    from demo.seed import demo_communes

    communes = demo_communes(result.province)
    people = demo_people(
        communes=communes, count=3000, seed=5, as_of=AS_OF, province_code="46",
    )  # fmt: skip
    plan = demo_care_plan(
        people=people, seed=5, as_of=AS_OF, province_code="46",
        districts={c.id: c.district_name for c in communes},
    )  # fmt: skip
    assert sorted(
        (people[c.person_index].external_id, c.code, c.carer_id_number) for c in plan
    ) == sorted((a.beneficiary.external_id, a.code, a.carer_id_number) for a in arrangements)

"""Writing the demo province: units, users and a bulk-seeded register, all with history."""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import AccountHolder, AccountStatus, PaymentAccount
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    CareArrangement,
    Category,
)
from beneficiaries.services.proposals import age_changes_propose
from core.errors import AppError
from core.months import add_months
from demo.care import demo_care_create, demo_care_plan
from demo.errors import DemoErrorCode
from demo.generator import DemoCommune, demo_people, month_of
from demo.history import history_plan
from org.models import AdministrativeUnit, CodeVersion, Role, UnitLevel, User
from org.services import DATA_DIR, unit_load, units_from_json, units_from_package
from org.text import name_collation_key
from providers.models import Provider, ProviderCode, ProviderContract


class DemoAlreadySeeded(Exception):
    """The province already has beneficiaries; the demo is seeded once."""


@dataclass
class DemoUser:
    username: str
    password: str
    role: str
    unit: str
    created: bool


@dataclass
class DemoSeedResult:
    province: AdministrativeUnit
    beneficiaries: int = 0
    communes: int = 0
    with_account: int = 0
    via_recipient: int = 0
    by_provider: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)
    proposals: int = 0
    planned_periods: int = 0
    care_arrangements: int = 0
    seconds: float = 0.0


def demo_province_ensure(*, province_code: str, two_tier: bool = False) -> AdministrativeUnit:
    """Load the province's units if they are not there yet: the three-tier file in
    org/data when it has the province (Huế 46, Thái Nguyên 19), else the current two-tier
    list from the vietnam-provinces package. With `two_tier`, the 2025-10 units straight away
    (the two-tier file in org/data, else the package): the communes close their own lists.
    Returns the province unit."""
    code = str(int(province_code)).zfill(2)
    versions = (
        (CodeVersion.TWO_TIER,) if two_tier else (CodeVersion.THREE_TIER, CodeVersion.TWO_TIER)
    )
    for version in versions:
        province = AdministrativeUnit.objects.filter(
            code_version=version, level=UnitLevel.PROVINCE, code=code, active=True
        ).first()
        if province is not None and province.children.exists():
            return province
    three_tier = DATA_DIR / (
        "units_2025-10_two_tier_hue_thai_nguyen.json"
        if two_tier
        else "units_2025-01_three_tier_hue_thai_nguyen.json"
    )
    version, rows = units_from_json(json.loads(three_tier.read_text()), province_code=code)
    if not rows:
        version, rows = units_from_package(province_code=code)
    if not rows:
        raise AppError(
            DemoErrorCode.UNKNOWN_PROVINCE,
            f"Province {code} is neither in {three_tier.name} nor in vietnam-provinces.",
        )
    unit_load(rows=rows, code_version=version)
    return AdministrativeUnit.objects.get(code_version=version, level=UnitLevel.PROVINCE, code=code)


def demo_password(rng: random.Random, word: str) -> str:
    letter = rng.choice("abcdefghkmnpqrstuvwxyz")
    return f"{word}-{rng.randrange(1000, 10000)}-{letter}{rng.randrange(10)}"


def demo_passwords(*, seed: int) -> dict[Role, str]:
    """The password `seed_demo --seed <seed>` gives every user of each role (and prints)."""
    rng = random.Random(f"{seed}-passwords")
    return {
        Role.ADMIN: demo_password(rng, "quantri"),
        Role.PROVINCE_OFFICER: demo_password(rng, "tinh"),
        Role.DISTRICT_OFFICER: demo_password(rng, "huyen"),
        Role.COMMUNE_OFFICER: demo_password(rng, "xa"),
        # Drawn last, so that the other roles keep the passwords they always had.
        Role.COMMUNE_LEADER: demo_password(rng, "lanhdao"),
    }


def demo_users_create(*, province: AdministrativeUnit, seed: int) -> list[DemoUser]:
    """One user of every role per level, with printed passwords (the same per role).

    Usernames: admin, tinh<code> (province officer), huyen<code> (district officer, who closes
    the lists), lap<code> (the district's second officer, who prepares them), xa<code> (commune
    officer). In two-tier data each commune closes its own list: lanhdao<code> (its commune
    leader) checks and closes, xa<code> prepares. Existing users are left as they are.
    """
    passwords = demo_passwords(seed=seed)
    hashes = {role: make_password(password) for role, password in passwords.items()}
    districts = list(
        province.children.filter(level=UnitLevel.DISTRICT, active=True).order_by("code")
    )
    communes = list(
        AdministrativeUnit.objects.filter(
            path__startswith=province.path, level=UnitLevel.COMMUNE, active=True
        ).order_by("path")
    )
    wanted: list[tuple[str, str, AdministrativeUnit | None, str, str]] = [
        ("admin", Role.ADMIN, None, "Quản trị", "hệ thống"),
        (f"tinh{province.code}", Role.PROVINCE_OFFICER, province, "Cán bộ", f"Sở {province.name}"),
    ]
    # Each closing unit has two officers: one approves (closes) the lists, the other (lap<code>,
    # "người lập") prepares them, since nobody closes a list they generated.
    if districts:
        for d in districts:
            wanted += [
                (f"huyen{d.code}", Role.DISTRICT_OFFICER, d, "Cán bộ", f"Phòng LĐTBXH {d.name}"),
                (f"lap{d.code}", Role.DISTRICT_OFFICER, d, "Người lập", f"Phòng LĐTBXH {d.name}"),
            ]
    wanted += [(f"xa{c.code}", Role.COMMUNE_OFFICER, c, "Cán bộ", c.name) for c in communes]
    wanted += [
        (f"lanhdao{c.code}", Role.COMMUNE_LEADER, c, "Chủ tịch UBND", c.name)
        for c in communes
        if c.code_version == CodeVersion.TWO_TIER
    ]

    existing = set(
        User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True)
    )
    new_users = [
        User(
            username=username,
            role=role,
            unit=unit,
            first_name=first,
            last_name=last,
            password=hashes[role],
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        for username, role, unit, first, last in wanted
        if username not in existing
    ]
    bulk_create_with_history(new_users, User, batch_size=500, default_change_reason="seed_demo")
    return [
        DemoUser(
            username, passwords[role], role, unit.name if unit else "", username not in existing
        )
        for username, role, unit, _first, _last in wanted
    ]


def demo_communes(province: AdministrativeUnit) -> list[DemoCommune]:
    """The province's active communes, in a fixed order, as the generator wants them."""
    units = (
        AdministrativeUnit.objects.filter(
            path__startswith=province.path, level=UnitLevel.COMMUNE, active=True
        )
        .select_related("parent")
        .order_by("path")
    )
    return [
        DemoCommune(
            u.id,
            u.code,
            u.name,
            u.division_type,
            u.parent.name if u.parent.level == UnitLevel.DISTRICT else "",
        )
        for u in units
    ]


# The province's service contracts in the demo: a fee on the amount each provider pays out.
# Illustrative rates, not any province's real ones.
DEMO_CONTRACTS = (
    (ProviderCode.VIETTELPAY, "01/2024/HĐ-SYT-VTP", "0.400"),
    (ProviderCode.VIETINBANK, "02/2024/HĐ-SYT-VTB", "0.250"),
    (ProviderCode.VNPOST, "03/2024/HĐ-SYT-BĐ", "1.100"),
)


def demo_contracts_create(*, province: AdministrativeUnit, providers: dict) -> None:
    for code, number, percent in DEMO_CONTRACTS:
        ProviderContract.objects.get_or_create(
            province=province,
            provider=providers[code],
            contract_number=number,
            defaults={"fee_percent": Decimal(percent), "valid_from": datetime.date(2024, 1, 1)},
        )


def demo_seed(
    *,
    province_code: str = "46",
    count: int = 60_738,
    seed: int = 2023,
    as_of: datetime.date | None = None,
    months: int = 0,
    two_tier: bool = False,
) -> DemoSeedResult:
    """Seed a realistic demo province: units, users for every role, and `count` active
    beneficiaries with categories, recipients/guardians and accounts, in bulk with history.
    With `months`, also plan that many months of payment history before `as_of`, which
    demo.history.history_finish then makes (it needs the mock providers).

    Deterministic for a given seed and `as_of` month (default: the current month). Raises
    DemoAlreadySeeded if the province already has beneficiaries.
    """
    started = time.perf_counter()
    as_of = month_of(as_of or timezone.localdate())
    with transaction.atomic():
        province = demo_province_ensure(province_code=province_code, two_tier=two_tier)
        if Beneficiary.objects.filter(commune__path__startswith=province.path).exists():
            raise DemoAlreadySeeded(f"{province.name} already has beneficiaries.")
        result = DemoSeedResult(province=province)
        result.users = demo_users_create(province=province, seed=seed)

        communes = demo_communes(province)
        result.communes = len(communes)
        people = demo_people(
            communes=communes, count=count, seed=seed, as_of=as_of, province_code=province.code
        )

        beneficiaries = bulk_create_with_history(
            [
                Beneficiary(
                    external_id=p.external_id,
                    full_name=p.full_name,
                    search_name=p.search_name,
                    name_sort_key=name_collation_key(p.full_name),
                    date_of_birth=p.date_of_birth,
                    sex=p.sex,
                    ethnicity=p.ethnicity,
                    id_number=p.id_number,
                    phone=p.phone,
                    commune_id=p.commune_id,
                    address=p.address,
                    status=BeneficiaryStatus.ACTIVE,
                    disability_level=p.disability_level,
                    dependent_children=p.dependent_children,
                    start_month=p.start_month,
                )
                for p in people
            ],
            Beneficiary,
            batch_size=2000,
            default_change_reason="seed_demo",
        )
        categories = {c.code: c for c in Category.objects.all()}
        bulk_create_with_history(
            [
                BeneficiaryCategory(
                    beneficiary=b,
                    category=categories[c.code],
                    decision_number=c.decision_number,
                    decision_date=c.decision_date,
                    start_month=c.start_month,
                )
                for b, p in zip(beneficiaries, people, strict=True)
                for c in p.categories
            ],
            BeneficiaryCategory,
            batch_size=2000,
            default_change_reason="seed_demo",
        )
        with_recipient = [(b, p) for b, p in zip(beneficiaries, people, strict=True) if p.recipient]
        recipients = bulk_create_with_history(
            [
                AuthorizedRecipient(
                    beneficiary=b,
                    kind=p.recipient.kind,
                    full_name=p.recipient.full_name,
                    id_number=p.recipient.id_number,
                    relationship=p.recipient.relationship,
                    phone=p.recipient.phone,
                    valid_from=p.recipient.valid_from,
                )
                for b, p in with_recipient
            ],
            AuthorizedRecipient,
            batch_size=2000,
            default_change_reason="seed_demo",
        )
        recipient_of = {b.id: r for (b, _p), r in zip(with_recipient, recipients, strict=True)}
        providers = {p.code: p for p in Provider.objects.all()}
        bulk_create_with_history(
            [
                PaymentAccount(
                    beneficiary=b,
                    holder=p.account.holder,
                    recipient=recipient_of.get(b.id)
                    if p.account.holder == AccountHolder.RECIPIENT
                    else None,
                    provider=providers[p.account.provider_code],
                    account_number=p.account.account_number,
                    account_name=p.account.account_name,
                    status=AccountStatus.ACTIVE,
                    opened_on=p.account.opened_on,
                )
                for b, p in zip(beneficiaries, people, strict=True)
                if p.account
            ],
            PaymentAccount,
            batch_size=2000,
            default_change_reason="seed_demo",
        )
        care = demo_care_plan(
            people=people,
            seed=seed,
            as_of=as_of,
            province_code=province.code,
            districts={c.id: c.district_name for c in communes},
        )
        result.care_arrangements = demo_care_create(
            plan=care, beneficiaries=beneficiaries, providers=providers, as_of=as_of
        )
        demo_contracts_create(province=province, providers=providers)
        result.planned_periods = history_plan(province=province, months=months, as_of=as_of)

    result.beneficiaries = len(people)
    result.with_account = sum(1 for p in people if p.account)
    result.via_recipient = sum(1 for p in people if p.recipient)
    for p in people:
        if p.account:
            result.by_provider[p.account.provider_code] = (
                result.by_provider.get(p.account.provider_code, 0) + 1
            )
        for c in p.categories:
            result.by_category[c.code] = result.by_category.get(c.code, 0) + 1
    # What the monthly job would propose now: children turning 16, students turning 22.
    result.proposals = age_changes_propose(month=add_months(as_of, 1))
    result.seconds = time.perf_counter() - started
    return result


def demo_digest(*, province: AdministrativeUnit) -> str:
    """A fingerprint of a province's register (people, categories, recipients, accounts),
    independent of database ids and timestamps: equal digests mean equal demo data."""
    h = hashlib.sha256()
    in_province = {"beneficiary__commune__path__startswith": province.path}
    tables = [
        (
            Beneficiary.objects.filter(commune__path__startswith=province.path),
            ["external_id"],
            [
                "external_id",
                "full_name",
                "date_of_birth",
                "sex",
                "ethnicity",
                "id_number",
                "phone",
                "commune__code",
                "address",
                "status",
                "disability_level",
                "dependent_children",
                "start_month",
            ],
        ),
        (
            BeneficiaryCategory.objects.filter(**in_province),
            ["beneficiary__external_id", "category__code"],
            [
                "beneficiary__external_id",
                "category__code",
                "decision_number",
                "decision_date",
                "start_month",
            ],
        ),
        (
            AuthorizedRecipient.objects.filter(**in_province),
            ["beneficiary__external_id"],
            ["beneficiary__external_id", "kind", "full_name", "id_number", "relationship", "phone"],
        ),
        (
            CareArrangement.objects.filter(**in_province),
            ["beneficiary__external_id", "code"],
            [
                "beneficiary__external_id",
                "code",
                "variant",
                "status",
                "carer_full_name",
                "carer_id_number",
                "account_provider__code",
                "account_number",
                "start_month",
                "end_month",
            ],
        ),
        (
            PaymentAccount.objects.filter(**in_province),
            ["beneficiary__external_id"],
            [
                "beneficiary__external_id",
                "holder",
                "provider__code",
                "account_number",
                "account_name",
                "status",
            ],
        ),
    ]
    for queryset, order, fields in tables:
        for row in queryset.order_by(*order).values_list(*fields).iterator(chunk_size=5000):
            h.update(repr(row).encode())
    return h.hexdigest()

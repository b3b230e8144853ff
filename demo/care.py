"""The demo's carers (Decree 20/2021 Art. 20): who cares for whom, paid care support each month.

Households caring for a share of the people with extremely severe disabilities, foster families
for some orphans (K1) and a few elderly people (K5D), and a few parents with disabilities
raising an infant (for the months until the child is 36 months old). Written as the initial load
writes the register: in force, with history, no change record (so no arrears before their start).
Drawn from their own random generator, so the people of a seed are the same with or without them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from simple_history.utils import bulk_create_with_history

from beneficiaries.models import CareArrangement, CareCode, CareStatus, CareVariant, RecipientKind
from core.months import add_months
from demo.generator import DemoGenerator, DemoPerson, district_channel
from providers.models import ProviderCode

# Shares of each group given a carer.
HOUSEHOLD_SHARE = 0.40  # K6 extremely severe: the household caring for its member
FOSTER_DISABLED_SHARE = 0.05  # ... or a foster family
FOSTER_K1_SHARE = 0.30
FOSTER_K5D_SHARE = 0.25
DISABLED_PARENT_SHARE = 0.04  # K6 women of 18-40
# The share of carers with an account (the district's provider: see district_channel), the rest
# paid in cash through VNPost.
WALLET_SHARE = 0.30
BANK_SHARE = 0.10

HOUSEHOLD_RELATIONSHIPS = (("Mẹ", 4), ("Vợ", 2), ("Chồng", 1), ("Con gái", 2), ("Con trai", 1))
FOSTER_RELATIONSHIPS = (("Bà ngoại", 3), ("Bà nội", 3), ("Cô ruột", 2), ("Dì ruột", 2))
FOSTER_ELDER_RELATIONSHIPS = (("Cháu", 3), ("Hàng xóm", 1))
SEED_OFFSET = 2021  # the carers' generator: seed + this


@dataclass
class DemoCare:
    person_index: int
    code: str
    variant: str
    carer_full_name: str
    carer_id_number: str
    carer_date_of_birth: datetime.date | None
    carer_relationship: str
    carer_phone: str
    provider_code: str  # "" for cash
    account_number: str
    start_month: datetime.date
    end_month: datetime.date | None
    decision_number: str
    decision_date: datetime.date


def _age(person: DemoPerson, as_of: datetime.date) -> int:
    born = person.date_of_birth
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def demo_care_plan(
    *,
    people: list[DemoPerson],
    seed: int,
    as_of: datetime.date,
    province_code: str,
    districts: dict[int, str] | None = None,
) -> list[DemoCare]:
    """The carers of `people` (same arguments, same carers); `districts` names the district of
    each commune id (the carers' accounts follow the district's provider)."""
    districts = districts or {}
    generator = DemoGenerator(seed=seed + SEED_OFFSET, as_of=as_of, province_code=province_code)
    generator.used_ids = {p.id_number for p in people}
    generator.used_phones = {p.phone for p in people if p.phone}
    rng = generator.rng
    plan: list[DemoCare] = []
    for index, person in enumerate(people):
        codes = {c.code for c in person.categories}
        age = _age(person, as_of)
        draw = rng.random()
        variant, end = "", None
        if "K6" in codes and person.disability_level == "extremely_severe":
            if draw < HOUSEHOLD_SHARE:
                code, relationships = CareCode.HOUSEHOLD_DISABLED, HOUSEHOLD_RELATIONSHIPS
            elif draw < HOUSEHOLD_SHARE + FOSTER_DISABLED_SHARE:
                code, relationships = CareCode.FOSTER_DISABLED, FOSTER_RELATIONSHIPS
            elif person.sex == "F" and 18 <= age <= 40 and draw > 1 - DISABLED_PARENT_SHARE:
                code, relationships = CareCode.DISABLED_PARENT, ()
            else:
                continue
        elif "K1" in codes and draw < FOSTER_K1_SHARE:
            code, relationships = CareCode.FOSTER_K1, FOSTER_RELATIONSHIPS
        elif "K5D" in codes and draw < FOSTER_K5D_SHARE:
            code, relationships = CareCode.FOSTER_K5D, FOSTER_ELDER_RELATIONSHIPS
        else:
            continue
        # From the person's start, or a few months later.
        start = max(person.start_month, add_months(as_of, -rng.randrange(1, 30)))
        start = min(start, as_of)
        decision_number, decision_date = generator.decision(start)
        if code == CareCode.DISABLED_PARENT:
            # Until the child is 36 months old: a few have ended already.
            end = add_months(start, rng.randrange(3, 36))
            variant = CareVariant.BOTH_OR_TWO if rng.random() < 0.25 else CareVariant.PLAIN
            plan.append(
                DemoCare(
                    index,
                    code,
                    variant,
                    "",
                    "",
                    None,
                    "",
                    "",
                    "",
                    "",
                    start,
                    end,
                    decision_number,
                    decision_date,
                )
            )
            continue
        sex = "F" if rng.random() < 0.8 else "M"
        born = generator.birth_date(25, 70)
        name = generator.name(sex, minority=False)
        # A carer with an account has it where the district's people have theirs: Viettel Pay
        # wallets in the rural and mountain districts, VietinBank in the towns.
        has_account = rng.random() < WALLET_SHARE + BANK_SHARE
        provider_here, _coverage = district_channel(districts.get(person.commune_id, ""))
        wallet = has_account and provider_here == ProviderCode.VIETTELPAY
        phone = generator.phone(viettel=wallet)
        guardian = person.recipient
        if (
            code == CareCode.FOSTER_K1
            and guardian is not None
            and guardian.kind == RecipientKind.GUARDIAN
            and guardian.relationship not in ("Mẹ", "Bố")
        ):
            # The orphan's guardian is the one who fosters them (the draws above stay, so the
            # other carers are the same): their name, number, phone and the account in their
            # name, if any; the ID gives the year of birth.
            held = (
                person.account if person.account and person.account.holder == "recipient" else None
            )
            plan.append(
                DemoCare(
                    person_index=index,
                    code=code,
                    variant=variant,
                    carer_full_name=guardian.full_name,
                    carer_id_number=guardian.id_number,
                    carer_date_of_birth=None,
                    carer_relationship=guardian.relationship,
                    carer_phone=guardian.phone,
                    provider_code=held.provider_code if held else "",
                    account_number=held.account_number if held else "",
                    start_month=start,
                    end_month=end,
                    decision_number=decision_number,
                    decision_date=decision_date,
                )
            )
            continue
        if wallet:
            provider, number = ProviderCode.VIETTELPAY, phone
        elif has_account:
            provider, number = ProviderCode.VIETINBANK, generator.bank_account()
        else:
            provider, number = "", ""
        plan.append(
            DemoCare(
                person_index=index,
                code=code,
                variant=variant,
                carer_full_name=name,
                carer_id_number=generator.id_number(born, sex),
                carer_date_of_birth=born,
                carer_relationship=rng.choice([r for r, w in relationships for _ in range(w)]),
                carer_phone=phone,
                provider_code=provider,
                account_number=number,
                start_month=start,
                end_month=end,
                decision_number=decision_number,
                decision_date=decision_date,
            )
        )
    return plan


def demo_care_create(
    *, plan: list[DemoCare], beneficiaries: list, providers: dict, as_of: datetime.date
) -> int:
    """Write the planned arrangements (in force, or ended when their end month is past), in
    bulk with history. Returns how many."""
    rows = [
        CareArrangement(
            beneficiary=beneficiaries[c.person_index],
            code=c.code,
            variant=c.variant,
            status=CareStatus.ENDED
            if c.end_month is not None and c.end_month < as_of
            else CareStatus.ACTIVE,
            carer_full_name=c.carer_full_name,
            carer_id_number=c.carer_id_number,
            carer_date_of_birth=c.carer_date_of_birth,
            carer_relationship=c.carer_relationship,
            carer_phone=c.carer_phone,
            account_provider=providers[c.provider_code] if c.provider_code else None,
            account_number=c.account_number,
            start_month=c.start_month,
            end_month=c.end_month,
            decision_number=c.decision_number,
            decision_date=c.decision_date,
        )
        for c in plan
    ]
    bulk_create_with_history(
        rows, CareArrangement, batch_size=2000, default_change_reason="seed_demo"
    )
    return len(rows)

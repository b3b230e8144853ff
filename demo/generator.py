"""A realistic, deterministic demo population for one province.

Everything here is pure: given a random generator, the communes and the month the demo is
built as of, it returns plain records. `demo.seed.demo_seed` writes them.

The distributions echo what the provinces publish (Thừa Thiên Huế, 2023: 60,738 people paid a
month; about 70% through an authorized recipient or guardian; 79% with an account opened;
elderly and disabled people the largest groups).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from accounts.models import AccountHolder
from beneficiaries.models import RecipientKind
from beneficiaries.validation import VIETTEL_PREFIXES
from core.months import add_months
from org.text import search_key
from providers.models import ProviderCode

# --- Names ------------------------------------------------------------------------------------

FAMILY_NAMES = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 3),
    ("Huỳnh", 2),
    ("Phan", 4.5),
    ("Võ", 3),
    ("Vũ", 1),
    ("Đặng", 2.1),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.8),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Trương", 1.2),
    ("Đoàn", 0.9),
    ("Tôn Nữ", 0.3),
    ("Hà", 0.6),
    ("Lương", 0.5),
    ("Thái", 0.4),
    ("Châu", 0.4),
    ("Mai", 0.5),
    ("Cao", 0.5),
]
# In the mountain district of A Lưới most people are Tà Ôi, Cơ Tu, Pa Cô or Bru-Vân Kiều.
MINORITY_FAMILY_NAMES = [
    ("Hồ", 30),
    ("Kăn", 8),
    ("Blup", 6),
    ("Pả", 6),
    ("Quỳnh", 8),
    ("Lê", 10),
    ("Nguyễn", 12),
    ("A Viết", 5),
    ("Ploong", 5),
    ("Côn", 5),
    ("Rơ Ôm", 5),
]
MINORITY_ETHNICITIES = [
    ("Tà Ôi", 45),
    ("Cơ Tu", 20),
    ("Pa Cô", 20),
    ("Bru-Vân Kiều", 10),
    ("Kinh", 5),
]
MIDDLE_MALE = [
    ("Văn", 45),
    ("Hữu", 8),
    ("Đức", 8),
    ("Minh", 8),
    ("Quang", 6),
    ("Thanh", 5),
    ("Công", 5),
    ("Đình", 5),
    ("Xuân", 4),
    ("Ngọc", 3),
    ("Trọng", 3),
]
MIDDLE_FEMALE = [
    ("Thị", 65),
    ("Ngọc", 6),
    ("Thu", 5),
    ("Thanh", 5),
    ("Kim", 5),
    ("Hồng", 4),
    ("Minh", 4),
    ("Bảo", 3),
    ("Diệu", 3),
]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Đông",
    "Giang",
    "Hải",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Lâm",
    "Lộc",
    "Long",
    "Lực",
    "Minh",
    "Nam",
    "Nghĩa",
    "Nhân",
    "Phong",
    "Phúc",
    "Phước",
    "Quân",
    "Quang",
    "Sang",
    "Sơn",
    "Tài",
    "Tâm",
    "Thắng",
    "Thành",
    "Thiện",
    "Thịnh",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Vinh",
    "Xuân",
    "Bảo",
    "Châu",
    "Định",
    "Hưng",
    "Kiên",
    "Lợi",
    "Mạnh",
    "Nhật",
    "Tín",
]
GIVEN_FEMALE = [
    "Anh",
    "Ánh",
    "Bích",
    "Cúc",
    "Dung",
    "Duyên",
    "Gấm",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huệ",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Nguyệt",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quỳnh",
    "Sen",
    "Tâm",
    "Thảo",
    "Thắm",
    "Thu",
    "Thủy",
    "Trang",
    "Trinh",
    "Tuyết",
    "Vân",
    "Xuân",
    "Yến",
    "Lài",
    "Mận",
    "Đào",
    "Lựu",
    "Gái",
    "Tý",
    "Hến",
    "Cháu",
    "Mến",
]

VILLAGE_NAMES = [
    "An Lỗ",
    "Phú Ốc",
    "Thanh Hà",
    "Bao Vinh",
    "Lại Thế",
    "Dương Nổ",
    "Kim Long",
    "Vỹ Dạ",
    "Thủy Biều",
    "Nguyệt Biều",
    "La Chữ",
    "Hương Cần",
    "Phò Trạch",
    "Mỹ Xuyên",
    "Sơn Tùng",
    "Thủ Lễ",
    "Phước Yên",
    "Lương Viện",
    "Hà Trung",
    "Thuận An",
    "Vinh Thanh",
    "Lăng Cô",
    "Cảnh Dương",
    "Tân Lập",
    "Đông Dương",
]
STREETS = [
    "Trần Phú",
    "Lê Lợi",
    "Hùng Vương",
    "Nguyễn Huệ",
    "Phan Đình Phùng",
    "Bà Triệu",
    "Điện Biên Phủ",
    "Lê Duẩn",
    "Nguyễn Trãi",
    "Chi Lăng",
    "Đặng Thái Thân",
    "Ngự Bình",
]

# Old 63-province birth-registration codes seen among people living in Huế.
BIRTH_PROVINCES = [
    ("046", 90),
    ("045", 3),
    ("049", 2),
    ("048", 2),
    ("001", 1),
    ("079", 1),
    ("044", 1),
]
OTHER_PREFIXES = ["091", "094", "088", "083", "084", "090", "093", "089", "070", "079", "077"]

# --- Categories ---------------------------------------------------------------------------------

# profile, weight. A profile fixes the categories, the age range and the disability level.
PROFILES = [
    ("K5C", 40.0),
    ("K5C+K6", 3.0),
    ("K5A", 7.0),
    ("K5B", 2.0),
    ("K5D", 0.5),
    ("K6_severe", 22.0),
    ("K6_extreme", 12.0),
    ("K1", 3.0),
    ("K2", 1.0),
    ("K3", 0.2),
    ("K4", 3.7),
    ("K4+K6", 0.8),
    ("K7", 1.0),
    ("K8", 0.8),
]

# Which districts pay through which provider (Viettel Pay wallets in some districts, VietinBank
# accounts with the post office in others), and how far account opening has got there.
URBAN_DISTRICT_NAMES = (
    "Thuận Hóa",
    "Phú Xuân",
    "Hương Thủy",
    "Thái Nguyên",
    "Sông Công",
    "Phổ Yên",
)
MOUNTAIN_DISTRICT_NAMES = ("A Lưới", "Nam Đông", "Võ Nhai", "Định Hóa")


# The sex a relationship names (Bà ngoại: grandmother); the others (Cháu nội) may be either.
RELATIONSHIP_SEX = {
    "Mẹ": "F",
    "Bố": "M",
    "Bà nội": "F",
    "Bà ngoại": "F",
    "Ông nội": "M",
    "Cô": "F",
    "Dì": "F",
    "Chú": "M",
    "Con trai": "M",
    "Con gái": "F",
    "Con dâu": "F",
    "Vợ": "F",
    "Chồng": "M",
    "Anh trai": "M",
    "Chị gái": "F",
    "Em gái": "F",
}


@dataclass
class DemoRecipient:
    kind: str
    full_name: str
    id_number: str
    relationship: str
    phone: str
    valid_from: datetime.date


@dataclass
class DemoAccount:
    provider_code: str
    holder: str
    account_number: str
    account_name: str
    opened_on: datetime.date


@dataclass
class DemoCategory:
    code: str
    decision_number: str
    decision_date: datetime.date
    start_month: datetime.date


@dataclass
class DemoPerson:
    external_id: str
    full_name: str
    date_of_birth: datetime.date
    sex: str
    ethnicity: str
    id_number: str
    phone: str
    commune_id: int
    address: str
    disability_level: str
    dependent_children: int | None
    start_month: datetime.date
    categories: list[DemoCategory] = field(default_factory=list)
    recipient: DemoRecipient | None = None
    account: DemoAccount | None = None

    @property
    def search_name(self) -> str:
        return search_key(self.full_name)


@dataclass(frozen=True)
class DemoCommune:
    id: int
    code: str
    name: str
    division_type: str
    district_name: str


def weighted(rng: random.Random, items):
    names, weights = zip(*items, strict=True)
    return rng.choices(names, weights=weights, k=1)[0]


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def district_channel(district_name: str) -> tuple[ProviderCode, float]:
    """(provider of accounts in the district, share of people with an account opened)."""
    if any(name in district_name for name in URBAN_DISTRICT_NAMES):
        return ProviderCode.VIETINBANK, 0.88
    if any(name in district_name for name in MOUNTAIN_DISTRICT_NAMES):
        return ProviderCode.VIETTELPAY, 0.62
    return ProviderCode.VIETTELPAY, 0.80


class DemoGenerator:
    """Generates people one by one from a seeded random generator: same seed, same people."""

    def __init__(self, *, seed: int, as_of: datetime.date, province_code: str):
        self.rng = random.Random(seed)
        self.as_of = month_of(as_of)
        self.province_code = province_code
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_accounts: set[str] = set()
        self.decision_seq = 0

    # --- small pieces ---------------------------------------------------------------------

    def name(self, sex: str, minority: bool) -> str:
        rng = self.rng
        family = weighted(rng, MINORITY_FAMILY_NAMES if minority else FAMILY_NAMES)
        if sex == "M":
            middle = weighted(rng, MIDDLE_MALE)
            given = rng.choice(GIVEN_MALE)
        else:
            middle = weighted(rng, MIDDLE_FEMALE)
            given = rng.choice(GIVEN_FEMALE)
        return f"{family} {middle} {given}"

    def birth_date(self, min_age: int, max_age: int) -> datetime.date:
        """A date of birth giving an age in [min_age, max_age] on the first of `as_of`."""
        latest = self.as_of.replace(year=self.as_of.year - min_age) - datetime.timedelta(days=1)
        earliest = self.as_of.replace(year=self.as_of.year - max_age - 1)
        return earliest + datetime.timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def id_number(self, date_of_birth: datetime.date, sex: str) -> str:
        """A 12-digit personal ID: birth province, century+sex, year, 6 random digits."""
        province = weighted(self.rng, BIRTH_PROVINCES)
        century = (date_of_birth.year // 100) - 19  # 1900s -> 0, 2000s -> 1
        digit4 = century * 2 + (1 if sex == "F" else 0)
        while True:
            number = (
                f"{province}{digit4}{date_of_birth.year % 100:02d}{self.rng.randrange(10**6):06d}"
            )
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self, viettel: bool) -> str:
        prefixes = VIETTEL_PREFIXES if viettel else (*VIETTEL_PREFIXES, *OTHER_PREFIXES)
        while True:
            number = f"{self.rng.choice(prefixes)}{self.rng.randrange(10**7):07d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def bank_account(self) -> str:
        while True:
            number = f"10{self.rng.randrange(10**10):010d}"
            if number not in self.used_accounts:
                self.used_accounts.add(number)
                return number

    def address(self, commune: DemoCommune) -> str:
        rng = self.rng
        if commune.division_type == "phường" or commune.name.startswith("Phường"):
            return (
                f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, tổ dân phố {rng.randrange(1, 25)}"
            )
        return f"Thôn {rng.choice(VILLAGE_NAMES)}"

    def decision(self, signed_month: datetime.date) -> tuple[str, datetime.date]:
        self.decision_seq += 1
        day = signed_month + datetime.timedelta(days=self.rng.randrange(0, 27))
        return f"{self.decision_seq}/QĐ-UBND", day

    # --- one person ---------------------------------------------------------------------------

    def person(self, index: int, commune: DemoCommune) -> DemoPerson:
        rng = self.rng
        profile = weighted(rng, PROFILES)
        minority = any(name in commune.district_name for name in MOUNTAIN_DISTRICT_NAMES) and (
            rng.random() < 0.8
        )
        if profile == "K5B" and not minority:
            profile = "K5C" if rng.random() < 0.5 else "K5A"
        if profile == "K7" and not minority:
            profile = "K1"
        sex = "F" if rng.random() < (0.62 if profile.startswith("K5") else 0.5) else "M"
        if profile.startswith("K4"):
            sex = "F" if rng.random() < 0.85 else "M"

        codes: list[str]
        disability = ""
        children = None
        if profile == "K5C":
            codes, ages = ["K5C"], (80, 101)
        elif profile == "K5C+K6":
            codes, ages, disability = ["K5C", "K6"], (80, 98), "severe"
        elif profile == "K5A":
            codes, ages = ["K5A"], (60, 95)
        elif profile == "K5B":
            codes, ages = ["K5B"], (75, 79)
        elif profile == "K5D":
            codes, ages = ["K5D"], (60, 95)
        elif profile == "K6_severe":
            codes, ages, disability = ["K6"], (2, 90), "severe"
        elif profile == "K6_extreme":
            codes, ages, disability = ["K6"], (1, 90), "extremely_severe"
        elif profile == "K1":
            codes, ages = ["K1"], (0, 15)
        elif profile == "K2":
            codes, ages = ["K2"], (16, 21)
        elif profile == "K3":
            codes, ages = ["K3"], (1, 15)
        elif profile == "K4":
            codes, ages, children = ["K4"], (20, 50), rng.choice([1, 1, 1, 2, 2, 3])
        elif profile == "K4+K6":
            codes, ages, disability, children = ["K4", "K6"], (22, 50), "severe", rng.choice([1, 2])
        elif profile == "K7":
            codes, ages = ["K7"], (0, 2)
        else:  # K8
            codes, ages = ["K8"], (20, 58)

        dob = self.birth_date(*ages)
        age = (
            self.as_of.year - dob.year - ((self.as_of.month, self.as_of.day) < (dob.month, dob.day))
        )
        full_name = self.name(sex, minority)
        ethnicity = weighted(rng, MINORITY_ETHNICITIES) if minority else "Kinh"

        # The allowance started when the decision was signed, after the person became eligible
        # and at most eight years ago.
        eligible_from = month_of(dob) if age < 60 else add_months(month_of(dob), 12 * 60)
        if "K5C" in codes:
            eligible_from = add_months(month_of(dob), 12 * 80)
        if "K5B" in codes:
            eligible_from = add_months(month_of(dob), 12 * 75)
        if "K2" in codes:
            eligible_from = add_months(month_of(dob), 12 * 16)
        earliest = max(eligible_from, add_months(self.as_of, -96))
        span = max(
            0, (self.as_of.year - earliest.year) * 12 + self.as_of.month - earliest.month - 1
        )
        start = add_months(earliest, rng.randrange(span + 1)) if span else earliest
        categories = []
        for code in codes:
            number, signed = self.decision(start)
            categories.append(DemoCategory(code, number, signed, start))

        person = DemoPerson(
            external_id=f"DEMO-{self.province_code}-{index:07d}",
            full_name=full_name,
            date_of_birth=dob,
            sex=sex,
            ethnicity=ethnicity,
            id_number=self.id_number(dob, sex) if age >= 0 else "",
            phone="",
            commune_id=commune.id,
            address=self.address(commune),
            disability_level=disability,
            dependent_children=children,
            start_month=start,
            categories=categories,
        )

        # Who receives the money: children always through a guardian; the very old and the
        # severely disabled mostly through a recipient; adults of working age mostly themselves.
        if age < 16:
            p_recipient = 1.0
        elif disability == "extremely_severe":
            p_recipient = 0.93
        elif age >= 80:
            p_recipient = 0.76
        elif age >= 60 or disability == "severe":
            p_recipient = 0.5
        else:
            p_recipient = 0.12
        if rng.random() < p_recipient:
            guardian = age < 16 or (disability == "extremely_severe" and rng.random() < 0.6)
            if age < 16:
                relationship = rng.choice(
                    ["Mẹ", "Bố", "Bà nội", "Bà ngoại", "Ông nội", "Cô", "Dì", "Chú"]
                )
                rec_ages = (25, 70)
            elif age >= 60:
                relationship = rng.choice(
                    ["Con trai", "Con gái", "Con dâu", "Cháu nội", "Cháu ngoại"]
                )
                rec_ages = (30, 65)
            else:
                relationship = rng.choice(
                    ["Mẹ", "Bố", "Vợ", "Chồng", "Anh trai", "Chị gái", "Em gái"]
                )
                rec_ages = (20, 70)
            rec_sex = "F" if rng.random() < 0.6 else "M"
            # A grandmother is a woman: the relationship decides where it says (the draw stays,
            # so the rest of the demo is the same).
            rec_sex = RELATIONSHIP_SEX.get(relationship, rec_sex)
            rec_dob = self.birth_date(*rec_ages)
            person.recipient = DemoRecipient(
                kind=RecipientKind.GUARDIAN if guardian else RecipientKind.AUTHORIZED,
                full_name=self.name(rec_sex, minority),
                id_number=self.id_number(rec_dob, rec_sex),
                relationship=relationship,
                phone=self.phone(viettel=rng.random() < 0.6) if rng.random() < 0.95 else "",
                valid_from=start,
            )
        elif age >= 16 and rng.random() < 0.6:
            person.phone = self.phone(viettel=rng.random() < 0.6)

        # The account is opened in the payee's name (the recipient's when there is one).
        provider, coverage = district_channel(commune.district_name)
        if rng.random() < coverage:
            holder = AccountHolder.RECIPIENT if person.recipient else AccountHolder.BENEFICIARY
            payee_name = person.recipient.full_name if person.recipient else person.full_name
            first, offset = max(start, add_months(self.as_of, -36)), rng.randrange(0, 12)
            opened = add_months(first, offset)
            last = add_months(self.as_of, -1)
            if opened > last:
                # Opened in one of the months between the start and last month, spread evenly
                # (no extra draw: the rest of the stream stays as it was).
                within = max(0, (last.year - first.year) * 12 + last.month - first.month)
                opened = add_months(first, offset % (within + 1)) if first <= last else last
            if provider == ProviderCode.VIETTELPAY:
                # A wallet is keyed by the payee's mobile number; give the payee one if needed.
                if person.recipient:
                    if not person.recipient.phone:
                        person.recipient.phone = self.phone(viettel=True)
                    number = person.recipient.phone
                else:
                    if not person.phone:
                        person.phone = self.phone(viettel=True)
                    number = person.phone
                if number[:3] not in VIETTEL_PREFIXES:
                    number = self.phone(viettel=True)
                    if person.recipient:
                        person.recipient.phone = number
                    else:
                        person.phone = number
            else:
                number = self.bank_account()
            person.account = DemoAccount(
                provider_code=provider,
                holder=holder,
                account_number=number,
                account_name=search_key(payee_name).upper(),
                opened_on=opened + datetime.timedelta(days=rng.randrange(0, 27)),
            )
        return person


def spread(total: int, communes: list[DemoCommune], rng: random.Random) -> list[int]:
    """How many people live in each commune: rural communes more, wards fewer; sums to total."""
    weights = []
    for commune in communes:
        base = 0.7 if commune.name.startswith("Phường") else 1.2
        weights.append(base * (0.6 + rng.random()))
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    remainder = total - sum(counts)
    order = sorted(range(len(communes)), key=lambda i: weights[i] * scale - counts[i], reverse=True)
    for i in order[:remainder]:
        counts[i] += 1
    return counts


def demo_people(
    *,
    communes: list[DemoCommune],
    count: int,
    seed: int,
    as_of: datetime.date,
    province_code: str,
    used_ids: set[str] | None = None,
) -> list[DemoPerson]:
    """The `count` people of a demo province, spread over its `communes` (in that order), as
    `demo.seed.demo_seed` writes them: the same arguments give the same people.

    `used_ids` are personal ID numbers already taken (by provinces seeded before into the same
    database): none of them is given again, and the new ones are added to the set."""
    generator = DemoGenerator(seed=seed, as_of=as_of, province_code=province_code)
    if used_ids is not None:
        generator.used_ids = used_ids
    people: list[DemoPerson] = []
    for commune, n in zip(communes, spread(count, communes, generator.rng), strict=True):
        people.extend(generator.person(len(people) + 1, commune) for _ in range(n))
    return people

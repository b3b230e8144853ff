"""factory_boy factories for the domain models."""

import datetime

import factory

from accounts.models import AccountHolder, AccountStatus, PaymentAccount
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    Category,
    RecipientKind,
)
from org.models import AdministrativeUnit, Role, User
from providers.models import Provider


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"canbo{n}")
    first_name = "Cán bộ"
    last_name = factory.Sequence(lambda n: f"số {n}")
    role = Role.COMMUNE_OFFICER
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def id_number_for(date_of_birth: datetime.date, sex: str, serial: int) -> str:
    digit4 = (date_of_birth.year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    return f"046{digit4}{date_of_birth.year % 100:02d}{serial:06d}"


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    full_name = factory.Sequence(lambda n: f"Nguyễn Thị Ánh {n}")
    date_of_birth = datetime.date(1940, 5, 17)
    sex = "F"
    id_number = factory.LazyAttributeSequence(lambda o, n: id_number_for(o.date_of_birth, o.sex, n))
    status = BeneficiaryStatus.ACTIVE
    start_month = datetime.date(2024, 7, 1)
    address = "Thôn An Lỗ"


class BeneficiaryCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BeneficiaryCategory

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    category = factory.LazyFunction(lambda: Category.objects.get(code="K5C"))
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-UBND")
    decision_date = datetime.date(2024, 7, 3)
    start_month = datetime.date(2024, 7, 1)


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorizedRecipient

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    kind = RecipientKind.AUTHORIZED
    full_name = factory.Sequence(lambda n: f"Trần Văn Bình {n}")
    id_number = factory.Sequence(lambda n: f"046080{n:06d}")
    relationship = "Con trai"
    phone = factory.Sequence(lambda n: f"098{n:07d}")
    valid_from = datetime.date(2024, 7, 1)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentAccount

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    holder = AccountHolder.BENEFICIARY
    provider = factory.LazyFunction(lambda: Provider.objects.get(code="VIETTELPAY"))
    account_number = factory.Sequence(lambda n: f"097{n:07d}")
    account_name = "NGUYEN THI ANH"
    status = AccountStatus.ACTIVE


def unit(code: str, level: str = "commune", version: str = "2025-01") -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code, level=level, code_version=version)


class CareArrangementFactory(factory.django.DjangoModelFactory):
    """An approved (active) care arrangement: a foster family paid in cash unless given an
    account (`account_provider`, `account_number`)."""

    class Meta:
        model = "beneficiaries.CareArrangement"

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    code = "CS_FOSTER_K1"
    variant = ""
    status = "active"
    carer_full_name = factory.Sequence(lambda n: f"Hoàng Thị Nuôi {n}")
    carer_id_number = factory.Sequence(lambda n: f"046185{n:06d}")
    carer_relationship = "Cô ruột"
    carer_phone = factory.Sequence(lambda n: f"091{n:07d}")
    start_month = datetime.date(2024, 7, 1)

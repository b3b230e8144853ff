"""What the API answers: plain fields, units by their GSO code, months as YYYY-MM-01."""

import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.errors import ApiErrorCode
from api.models import PortalApplication
from api.portal import application_status
from beneficiaries import validation
from beneficiaries.models import (
    Beneficiary,
    BeneficiaryCategory,
    CareArrangement,
    ChangeRecord,
    Sex,
)
from core.months import MONTH_MAX, MONTH_MIN
from org.privacy import MASKED, MASKED_FIELDS, identifiers_for
from payments.models import PaymentLine, PaymentPeriod


class IdentifiersShownByRole(serializers.ModelSerializer):
    """ID, phone and account numbers whole or masked by the caller's role (org/privacy.py);
    masked when the serializer has no request."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        shown = identifiers_for(request.user) if request is not None else MASKED
        for name in MASKED_FIELDS.keys() & data.keys():
            data[name] = shown.field(name, data[name])
        return data


class HeldCategorySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="category.code")

    class Meta:
        model = BeneficiaryCategory
        fields = ["code", "decision_number", "decision_date", "start_month", "end_month", "active"]


class CareArrangementSerializer(IdentifiersShownByRole):
    """A care arrangement (Decree 20 Art. 20), read-only: set and ended by changes."""

    account_provider = serializers.CharField(
        source="account_provider.code", default="", allow_null=True
    )

    class Meta:
        model = CareArrangement
        fields = [
            "id",
            "code",
            "variant",
            "status",
            "carer_full_name",
            "carer_id_number",
            "carer_relationship",
            "carer_phone",
            "account_provider",
            "account_number",
            "start_month",
            "end_month",
            "decision_number",
            "decision_date",
        ]


class BeneficiarySerializer(IdentifiersShownByRole):
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    categories = HeldCategorySerializer(many=True)
    care_arrangements = CareArrangementSerializer(many=True, read_only=True)

    class Meta:
        model = Beneficiary
        fields = [
            "id",
            "external_id",
            "full_name",
            "date_of_birth",
            "sex",
            "ethnicity",
            "id_number",
            "phone",
            "commune",
            "commune_name",
            "address",
            "status",
            "disability_level",
            "dependent_children",
            "start_month",
            "end_month",
            "date_of_death",
            "categories",
            "care_arrangements",
        ]


class ChangeRecordSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code")
    beneficiary_name = serializers.CharField(source="beneficiary.full_name")
    new_category = serializers.CharField(source="new_category.code", allow_null=True)
    old_category = serializers.CharField(source="old_category.code", allow_null=True)
    new_commune = serializers.CharField(source="new_commune.code", allow_null=True)

    class Meta:
        model = ChangeRecord
        fields = [
            "id",
            "beneficiary",
            "beneficiary_name",
            "commune",
            "kind",
            "reason",
            "reason_detail",
            "effective_month",
            "decision_number",
            "decision_date",
            "status",
            "source",
            "source_reference",
            "old_category",
            "new_category",
            "new_disability_level",
            "date_of_death",
            "new_commune",
            "submitted_at",
            "decided_at",
            "rejection_reason",
            "deferred_until",
            "applied_at",
            "created_at",
        ]


class PaymentPeriodSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    line_count = serializers.IntegerField(source="payment_list.line_count")
    total_amount = serializers.IntegerField(source="payment_list.total_amount")
    generated_at = serializers.DateTimeField(source="payment_list.generated_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="payment_list.closed_at", allow_null=True)
    content_hash = serializers.CharField(source="payment_list.content_hash")

    class Meta:
        model = PaymentPeriod
        fields = [
            "id",
            "unit",
            "unit_name",
            "month",
            "status",
            "deadline",
            "line_count",
            "total_amount",
            "generated_at",
            "closed_at",
            "content_hash",
        ]


class PaymentLineSerializer(IdentifiersShownByRole):
    commune = serializers.CharField(source="commune.code")
    provider = serializers.CharField(source="provider.code")

    class Meta:
        model = PaymentLine
        fields = [
            "line_no",
            "reference",
            "line_kind",
            "care_arrangement",
            "beneficiary",
            "commune",
            "full_name",
            "beneficiary_id_number",
            "categories",
            "coefficient",
            "amount_regular",
            "amount_care",
            "amount_arrears",
            "arrears_months",
            "amount_funeral",
            "amount_carried_over",
            "amount_total",
            "payee_name",
            "payee_id_number",
            "payee_is_recipient",
            "channel",
            "provider",
            "account_number",
            "status",
            "failure_code",
            "failure_reason",
            "paid_at",
        ]


class CoverageRowSerializer(serializers.Serializer):
    active_count = serializers.IntegerField()
    with_account_count = serializers.IntegerField()
    via_recipient_count = serializers.IntegerField()
    paid_account_count = serializers.IntegerField()
    paid_cash_count = serializers.IntegerField()
    unpaid_count = serializers.IntegerField()
    amount_due = serializers.IntegerField()
    amount_paid = serializers.IntegerField()
    account_rate = serializers.IntegerField(help_text="% of active people with an account")
    paid_account_rate = serializers.IntegerField(help_text="% of active people paid to one")


class CoverageUnitSerializer(CoverageRowSerializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()


class CoverageMonthSerializer(CoverageRowSerializer):
    month = serializers.DateField()
    empty = serializers.BooleanField(help_text="No figures for this month")


class CoverageSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    month = serializers.DateField(allow_null=True)
    figures = CoverageRowSerializer(allow_null=True)
    children = CoverageUnitSerializer(many=True)
    trend = CoverageMonthSerializer(many=True)


# -- the one-stop portal ------------------------------------------------------------------------


class PortalDateField(serializers.DateField):
    """A date the system can compute with: from MONTH_MIN to the end of MONTH_MAX's month.
    Anything else (0001-01-01, 9999-12-31) is a typing error, refused on its field; within
    that range the registration's own rules judge it (a future receipt, a start too far)."""

    LAST_DAY = MONTH_MAX.replace(day=31)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not MONTH_MIN <= day <= self.LAST_DAY:
            raise serializers.ValidationError(
                _("Give a date from %(first)s to %(last)s.")
                % {"first": f"{MONTH_MIN:%d/%m/%Y}", "last": f"{self.LAST_DAY:%d/%m/%Y}"},
                code=ApiErrorCode.PORTAL_DATE_OUT_OF_RANGE,
            )
        return day


class ApplicantSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=120)
    date_of_birth = PortalDateField()
    sex = serializers.ChoiceField(choices=Sex.values)
    id_number = serializers.CharField(max_length=12, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=15, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ApplicationRecipientSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["authorized", "guardian"])
    full_name = serializers.CharField(max_length=120)
    id_number = serializers.CharField(max_length=12)
    relationship = serializers.CharField(max_length=60)
    phone = serializers.CharField(max_length=15, required=False, allow_blank=True)


class DocumentSerializer(serializers.Serializer):
    """A document of the dossier, described (the file stays in the portal)."""

    name = serializers.CharField(max_length=255)
    kind = serializers.CharField(max_length=60, help_text="e.g. to_khai, giay_xac_nhan_khuyet_tat")
    size = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False)
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False)
    url = serializers.URLField(max_length=500, required=False)


class PortalApplicationInSerializer(serializers.Serializer):
    dossier_id = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
        max_length=64,
        help_text="The portal's dossier id (mã hồ sơ): sending it again changes nothing.",
    )
    received_on = PortalDateField()
    commune = serializers.CharField(max_length=10, help_text="The commune's GSO code")
    applicant = ApplicantSerializer()
    category = serializers.ChoiceField(choices=validation.CATEGORY_CODES)
    disability_level = serializers.ChoiceField(
        choices=["", "severe", "extremely_severe"], required=False
    )
    dependent_children = serializers.IntegerField(min_value=0, max_value=20, required=False)
    start_month = PortalDateField(
        required=False, help_text="First month asked for (default: the month after receipt)"
    )
    recipient = ApplicationRecipientSerializer(required=False)
    documents = DocumentSerializer(many=True, required=False, max_length=50)

    def validate_start_month(self, value):
        return value.replace(day=1)


class PortalApplicationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text="received (waiting for the district), approved, rejected or withdrawn"
    )
    commune = serializers.CharField(source="change.commune.code")
    change_id = serializers.IntegerField(source="change.pk")
    beneficiary_id = serializers.IntegerField(source="change.beneficiary_id")
    start_month = serializers.DateField(source="change.effective_month")
    decided_at = serializers.DateTimeField(source="change.decided_at", allow_null=True)
    rejection_reason = serializers.CharField(source="change.rejection_reason")
    notified_at = serializers.SerializerMethodField()

    class Meta:
        model = PortalApplication
        fields = [
            "dossier_id",
            "status",
            "commune",
            "change_id",
            "beneficiary_id",
            "received_on",
            "received_at",
            "start_month",
            "decided_at",
            "rejection_reason",
            "notified_at",
        ]

    def get_status(self, application) -> str:
        return application_status(application)

    def get_notified_at(self, application) -> datetime.datetime | None:
        delivered = [d.delivered_at for d in application.deliveries.all() if d.delivered_at]
        return max(delivered) if delivered else None

"""What the API answers: plain fields, units by their GSO code, months as YYYY-MM-01."""

from rest_framework import serializers

from beneficiaries.models import Beneficiary, BeneficiaryCategory, ChangeRecord
from payments.models import PaymentLine, PaymentPeriod


class HeldCategorySerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="category.code")

    class Meta:
        model = BeneficiaryCategory
        fields = ["code", "decision_number", "decision_date", "start_month", "end_month", "active"]


class BeneficiarySerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    categories = HeldCategorySerializer(many=True)

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


class PaymentLineSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code")
    provider = serializers.CharField(source="provider.code")

    class Meta:
        model = PaymentLine
        fields = [
            "line_no",
            "reference",
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

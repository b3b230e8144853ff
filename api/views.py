"""Version 1 of the API: the register, changes, payment lists and lines, and coverage, each
scoped exactly as the pages are (through the same selectors): what is outside the caller's unit
is absent, so it answers 404."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.errors import ApiErrorCode
from api.models import ApiToken, PortalApplication
from api.portal import ApplicationRefused, DossierTaken, application_receive
from beneficiaries import population
from beneficiaries.models import (
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    CareArrangement,
    ChangeKind,
    ChangeRecord,
    ChangeStatus,
)
from beneficiaries.selectors import beneficiary_list, change_queue
from core.errors import AppForbidden
from core.months import MONTH_MAX, MONTH_MIN, month_parse
from org.scoping import scope_queryset
from payments.models import PaymentPeriod
from payments.selectors import lines_for, period_list
from reports import coverage
from reports.services import export_log


def _choice(request, name: str, choices) -> str:
    """A filter from the query string; a value outside `choices` is a 400 with the choices."""
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise serializers.ValidationError(
            {
                name: [
                    ErrorDetail(
                        _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)},
                        code=ApiErrorCode.QUERY_INVALID,
                    )
                ]
            }
        )
    return value


def _month(request, name: str = "month") -> datetime.date | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return month_parse(value)
    except ValueError as exc:
        message = _("Give the month as YYYY-MM (%(first)s to %(last)s).") % {
            "first": f"{MONTH_MIN:%Y}",
            "last": f"{MONTH_MAX:%Y}",
        }
        raise serializers.ValidationError(
            {name: [ErrorDetail(message, code=ApiErrorCode.QUERY_INVALID)]}
        ) from exc


class LogsPersonalData:
    """Reading people through the API is an export of personal data: each answer that gives
    some is logged (who, which address, how many rows), as the pages' downloads are."""

    personal_data: dict[str, str] = {}  # action → what the export log calls it

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        what = self.personal_data.get(getattr(self, "action", None) or "")
        if what and request.method == "GET" and response.status_code == 200:
            data = response.data
            paged = isinstance(data, dict) and isinstance(data.get("results"), list)
            export_log(
                user=request.user,
                what=what,
                unit=request.user.unit,
                parameters=request.get_full_path(),
                row_count=len(data["results"]) if paged else 1,
            )
        return response


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=BeneficiaryStatus.values),
        OpenApiParameter("commune", str, description="The commune's GSO code"),
    ]
)
class BeneficiaryViewSet(LogsPersonalData, viewsets.ReadOnlyModelViewSet):
    """Beneficiaries in the caller's area, 50 a page, ordered by id."""

    serializer_class = s.BeneficiarySerializer
    personal_data = {"list": "api_beneficiaries", "retrieve": "api_beneficiaries"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no caller
            return Beneficiary.objects.none()
        qs = beneficiary_list(
            user=self.request.user,
            status=_choice(self.request, "status", BeneficiaryStatus.values),
        )
        commune = self.request.query_params.get("commune", "")
        if commune:
            qs = qs.filter(commune__code=commune)
        held = BeneficiaryCategory.objects.select_related("category").order_by("start_month")
        care = CareArrangement.objects.select_related("account_provider").order_by("start_month")
        return (
            qs.select_related("commune")
            .prefetch_related(
                Prefetch("categories", queryset=held),
                Prefetch("care_arrangements", queryset=care),
            )
            .order_by("id")
        )


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=ChangeStatus.values),
        OpenApiParameter("kind", str, enum=ChangeKind.values),
        OpenApiParameter("source_reference", str, description="e.g. the portal's dossier id"),
    ]
)
class ChangeRecordViewSet(LogsPersonalData, viewsets.ReadOnlyModelViewSet):
    """Change records (biến động) in the caller's area, newest first."""

    serializer_class = s.ChangeRecordSerializer
    personal_data = {"list": "api_changes", "retrieve": "api_changes"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChangeRecord.objects.none()
        status = _choice(self.request, "status", ChangeStatus.values)
        qs = change_queue(user=self.request.user, statuses=(status,) if status else ())
        kind = _choice(self.request, "kind", ChangeKind.values)
        if kind:
            qs = qs.filter(kind=kind)
        reference = self.request.query_params.get("source_reference", "")
        if reference:
            qs = qs.filter(source_reference=reference)
        return qs.order_by("-created_at", "-id")


class PaymentPeriodViewSet(LogsPersonalData, viewsets.ReadOnlyModelViewSet):
    """Payment periods and their lists: those of the closing units in the caller's area (and,
    for a commune officer, their district's), newest first."""

    serializer_class = s.PaymentPeriodSerializer
    personal_data = {"lines": "api_payment_lines"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PaymentPeriod.objects.none()
        qs = period_list(user=self.request.user)
        month = _month(self.request)
        if month:
            qs = qs.filter(month=month)
        return qs.filter(payment_list__isnull=False)

    @extend_schema(responses=s.PaymentLineSerializer(many=True))
    @action(detail=True, serializer_class=s.PaymentLineSerializer)
    def lines(self, request, pk=None):
        """The period's lines the caller may see (a commune officer: their commune's), in line
        order, 50 a page."""
        period = self.get_object()
        qs = lines_for(user=request.user, payment_list=period.payment_list).order_by("line_no")
        page = self.paginate_queryset(qs)
        lines = s.PaymentLineSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(lines.data)


class CoverageView(APIView):
    """Coverage figures of a unit for a month, as on the dashboards: the headline figures, the
    unit's children side by side and the trend over the last 12 months."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, description="GSO code (default: the caller's unit)"),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM (default: latest)"),
            OpenApiParameter("provider", str),
            OpenApiParameter("category", str),
        ],
        responses=s.CoverageSerializer,
    )
    def get(self, request):
        user = request.user
        code = request.query_params.get("unit", "")
        unit = coverage.unit_by_code(user, code) if code else coverage.default_unit(user)
        if unit is None:
            raise Http404
        month = _month(request) or coverage.latest_month(unit)
        provider = request.query_params.get("provider", "")
        category = request.query_params.get("category", "")
        body = {"unit": unit.code, "unit_name": unit.name, "month": month, "figures": None}
        body["children"], body["trend"] = [], []
        if month is not None:
            body["figures"] = coverage.figures(unit, month, provider, category)
            body["children"] = [
                {**row, "unit": row["unit"].code, "unit_name": row["unit"].name}
                for row in coverage.children(unit, month, provider, category)
            ]
            body["trend"] = coverage.trend(unit, month, provider, category)
        return Response(s.CoverageSerializer(body).data)


def _coded(errors, codes):
    """A refusal's nested messages as DRF's ErrorDetails with their codes beside them (the
    portal reads the same {field: [messages]} as before; `response.data` keeps the codes)."""
    if isinstance(errors, dict):
        return {name: _coded(value, (codes or {}).get(name)) for name, value in errors.items()}
    codes = list(codes or [])
    return [
        ErrorDetail(str(message), code=str(codes[i]) if i < len(codes) else "invalid")
        for i, message in enumerate(errors)
    ]


class DossierConflict(drf_exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = ApiErrorCode.PORTAL_DOSSIER_TAKEN


class IsSystemToken(BasePermission):
    """Only another system, with its token (not a browser session), may send applications."""

    message = "Send applications with a system's token (Authorization: Token <key>)."

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiToken)


class PortalApplicationViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Applications from the one-stop portal. POST one: it becomes a submitted registration in
    the commune's queue (201; the same dossier id again: 200 with the first). GET one by its
    dossier id to follow it; the decision is also POSTed to the portal's webhook. A dossier
    id already used by an application outside the sender's area: 409, nothing more."""

    serializer_class = s.PortalApplicationSerializer
    lookup_field = "dossier_id"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}"

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), IsSystemToken()]
        return [IsAuthenticated()]

    def get_queryset(self):
        qs = PortalApplication.objects.select_related("change", "change__commune")
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        return scope_queryset(
            qs.prefetch_related("deliveries"), user=self.request.user, unit_field="change__commune"
        )

    @extend_schema(
        request=s.PortalApplicationInSerializer,
        responses={201: s.PortalApplicationSerializer, 200: s.PortalApplicationSerializer},
    )
    def create(self, request, *args, **kwargs):
        incoming = s.PortalApplicationInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            application, created = application_receive(
                data=incoming.validated_data, sent_by=request.user
            )
        except ApplicationRefused as exc:
            raise serializers.ValidationError(_coded(exc.errors, exc.codes)) from exc
        except DossierTaken as exc:
            # Whose it is, and what, is not the sender's to know.
            raise DossierConflict(_("This dossier id is already used.")) from exc
        except AppForbidden as exc:
            raise drf_exceptions.PermissionDenied(exc.text) from exc
        if created:  # checked against the population database at once, or queued
            population.registration_check(application.change.beneficiary)
        application = self.get_queryset().get(pk=application.pk)
        return Response(
            s.PortalApplicationSerializer(application).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

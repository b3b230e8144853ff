from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import views

app_name = "api"

router = DefaultRouter()
router.register("beneficiaries", views.BeneficiaryViewSet, basename="beneficiary")
router.register("changes", views.ChangeRecordViewSet, basename="change")
router.register("payment-periods", views.PaymentPeriodViewSet, basename="period")
router.register("portal/applications", views.PortalApplicationViewSet, basename="application")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/coverage/", views.CoverageView.as_view(), name="coverage"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from a URL: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]

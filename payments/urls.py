from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("chi-tra/", views.period_list, name="list"),
    path("chi-tra/mo-ky/", views.period_open, name="open"),
    path("chi-tra/tong-hop-tinh/", views.province_rollup, name="province_rollup"),
    path("chi-tra/<int:pk>/", views.period_review, name="review"),
    path("chi-tra/<int:pk>/tien-do/", views.period_progress, name="progress"),
    path("chi-tra/<int:pk>/tao/", views.period_generate, name="generate"),
    path("chi-tra/<int:pk>/chot/", views.period_close, name="close"),
    path("chi-tra/<int:pk>/gui/", views.period_submit, name="submit"),
    path("chi-tra/<int:pk>/to-chuc-chi-tra/", views.period_batches, name="batches"),
    path("chi-tra/<int:pk>/doi-soat/", views.period_reconciliation, name="reconciliation"),
    path("chi-tra/<int:pk>/doi-soat/lam-lai/", views.period_reconcile, name="reconcile"),
    path("chi-tra/<int:pk>/thanh-quyet-toan.xlsx", views.period_settlement, name="settlement"),
    path("chi-tra/<int:pk>/dong/", views.period_lines, name="lines"),
    path("chi-tra/<int:pk>/hoan/<int:change_pk>/", views.change_defer, name="defer"),
    path("chi-tra/<int:pk>/xuat.<str:fmt>", views.period_export, name="export"),
    path("chi-tra/<int:pk>/ket-qua.csv", views.period_results_export, name="results_export"),
    path("chi-tra/<int:pk>/ky-nhan/<int:commune_pk>/", views.signature_list, name="signature_list"),
]

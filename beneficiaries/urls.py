from django.urls import path

from beneficiaries import views, views_reform

app_name = "beneficiaries"

urlpatterns = [
    path("doi-tuong/", views.register_list, name="list"),
    path("doi-tuong/dang-ky/", views.beneficiary_register, name="register"),
    path("doi-tuong/nhap/", views.import_upload, name="import"),
    path("doi-tuong/nhap/<uuid:job>/", views.import_job, name="import_job"),
    path("doi-tuong/nhap/<uuid:job>/tien-do/", views.import_job_progress, name="import_progress"),
    path("doi-tuong/nhap/<uuid:job>/xac-nhan/", views.import_confirm, name="import_confirm"),
    path("doi-tuong/nhap/<uuid:job>/loi.csv", views.import_job_errors, name="import_errors"),
    path("doi-tuong/nhap/mau.xlsx", views.import_template, name="import_template"),
    path("doi-tuong/xuat.xlsx", views.register_export, name="export"),
    path("doi-tuong/<int:pk>/", views.beneficiary_detail, name="detail"),
    path("doi-tuong/<int:pk>/bien-dong/<slug:kind>/", views.change_create, name="change_create"),
    path("sap-xep-don-vi/", views_reform.reform_worklist, name="reform_worklist"),
    path("bien-dong/", views.change_queue, name="change_queue"),
    path("bien-dong/duyet/", views.change_bulk_approve, name="change_bulk_approve"),
    path("bien-dong/<int:pk>/", views.change_detail, name="change_detail"),
    path("bien-dong/<int:pk>/duyet/", views.change_approve, name="change_approve"),
    path("bien-dong/<int:pk>/tu-choi/", views.change_reject, name="change_reject"),
    path("bien-dong/<int:pk>/gui-duyet/", views.change_submit, name="change_submit"),
    path("bien-dong/<int:pk>/huy/", views.change_cancel, name="change_cancel"),
    path("bien-dong/<int:pk>/quyet-dinh/", views.change_decision_file, name="change_decision_file"),
]

from django.urls import path

from mutua.portal import claims, notifications, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("notifiche/", notifications.notification_list, name="notification_list"),
    path("notifiche/<int:pk>/", notifications.notification_open, name="notification_open"),
    path("notifiche/lette/", notifications.notification_read_all, name="notification_read_all"),
    path("rimborso/", claims.reimbursement_start, name="reimbursement_start"),
    path("sussidi-studio/", claims.study_start, name="study_start"),
    path("pratiche/", claims.claim_list, name="claim_list"),
    path("pratiche/inviata/", claims.claim_submitted, name="claim_submitted"),
    path("pratiche/<int:pk>/", claims.claim_detail, name="claim_detail"),
    path("pratiche/<int:pk>/bozza/", claims.claim_draft, name="claim_draft"),
    path("pratiche/<int:pk>/bozza/tipo/", claims.claim_draft_kind, name="claim_draft_kind"),
    path("pratiche/<int:pk>/bozza/regione/", claims.claim_draft_region, name="claim_draft_region"),
    path("pratiche/<int:pk>/documenti/", claims.document_add, name="document_add"),
    path("pratiche/<int:pk>/documenti/<int:doc_pk>/file/", claims.document_files_add, name="document_files_add"),
    path("pratiche/<int:pk>/documenti/<int:doc_pk>/elimina/", claims.document_delete, name="document_delete"),
    path("pratiche/<int:pk>/allegati/<int:att_pk>/rimuovi/", claims.attachment_remove, name="attachment_remove"),
    path("pratiche/<int:pk>/invia/", claims.claim_submit, name="claim_submit"),
    path("pratiche/<int:pk>/annulla/", claims.claim_cancel, name="claim_cancel"),
    path("pratiche/<int:pk>/aggiungi-documenti/", claims.claim_add_documents, name="claim_add_documents"),
    path("pratiche/<int:pk>/ricevuta.pdf", claims.claim_receipt, name="claim_receipt"),
    path("allegati/<int:pk>/", claims.attachment_download, name="attachment_download"),
]

from django.urls import path

from mutua.backoffice import audit, bookings, login, members, payouts, registry, views

app_name = "backoffice"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("accesso/", login.staff_login, name="login"),
    path("pratiche/<int:pk>/", views.claim_review, name="claim_review"),
    path("pratiche/<int:pk>/prendi-in-carico/", views.claim_take, name="claim_take"),
    path("pratiche/<int:pk>/sospendi/", views.claim_suspend, name="claim_suspend"),
    path("pratiche/<int:pk>/blocca/", views.claim_block, name="claim_block"),
    path("pratiche/<int:pk>/riprendi/", views.claim_resume, name="claim_resume"),
    path("pratiche/<int:pk>/respingi/", views.claim_reject, name="claim_reject"),
    path("pratiche/<int:pk>/annulla/", views.claim_cancel, name="claim_cancel"),
    path("pratiche/<int:pk>/liquida/", views.claim_settle, name="claim_settle"),
    path("pratiche/<int:pk>/approva/", views.claim_approve, name="claim_approve"),
    path("allegati/<int:pk>/", views.attachment_inline, name="attachment_inline"),
    path("prenotazioni/", bookings.booking_worklist, name="booking_worklist"),
    path("prenotazioni/<int:pk>/", bookings.booking_review, name="booking_review"),
    path("prenotazioni/<int:pk>/prendi-in-carico/", bookings.booking_take, name="booking_take"),
    path("prenotazioni/<int:pk>/rifiuta/", bookings.booking_refuse, name="booking_refuse"),
    path("prescrizioni/<int:pk>/", bookings.booking_attachment_inline, name="booking_attachment_inline"),
    path("registro-accessi/", audit.audit_search, name="audit_search"),
    path("registro/", registry.registry_runs, name="registry_runs"),
    path("registro/<int:pk>/", registry.registry_run, name="registry_run"),
    path("registro/<int:pk>/conferma/", registry.registry_run_confirm, name="registry_run_confirm"),
    path("registro/<int:pk>/errori.csv", registry.registry_run_errors, name="registry_run_errors"),
    path("soci/", members.member_list, name="member_list"),
    path("soci/<int:pk>/lettera-attivazione/", members.activation_letter, name="activation_letter"),
    path("pagamenti/", payouts.payouts, name="payouts"),
    path("pagamenti/esporta/", payouts.payouts_export, name="payouts_export"),
    path("pagamenti/distinte/<int:pk>/", payouts.payout_batch, name="payout_batch"),
    path("pagamenti/distinte/<int:pk>/file-sepa/", payouts.payout_download, name="payout_download"),
    path("pagamenti/distinte/<int:pk>/conferma/", payouts.payout_confirm, name="payout_confirm"),
    path("pagamenti/distinte/<int:pk>/elimina/", payouts.payout_delete, name="payout_delete"),
]

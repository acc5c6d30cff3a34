from django.urls import path

from mutua.notifications import webhooks

app_name = "webhooks"
urlpatterns = [
    path("twilio/sms/", webhooks.twilio_sms_status, name="twilio_sms_status"),
    path("mailgun/tracking/", webhooks.mailgun_tracking, name="mailgun_tracking"),
]

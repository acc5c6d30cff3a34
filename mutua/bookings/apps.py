from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "mutua.bookings"
    label = "bookings"

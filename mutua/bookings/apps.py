from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "mutua.bookings"
    label = "bookings"

    def ready(self) -> None:
        from mutua.bookings.receipts import booking_receipt_check
        from mutua.documents.models import DocumentKind
        from mutua.documents.verification import checker_register

        checker_register(DocumentKind.BOOKING_RECEIPT, booking_receipt_check)

from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "mutua.bookings"
    label = "bookings"

    def ready(self) -> None:
        from mutua.bookings.notices import booking_attachment_infected_record
        from mutua.bookings.receipts import booking_receipt_check
        from mutua.documents.models import DocumentKind
        from mutua.documents.scanning import infected_handler_register
        from mutua.documents.verification import checker_register

        infected_handler_register("bookings.BookingAttachment", booking_attachment_infected_record)
        checker_register(DocumentKind.BOOKING_RECEIPT, booking_receipt_check)

"""Privacy tests also use the booking page fixture (a connected host with a public page)."""

from tests.bookings.conftest import page

__all__ = ["page"]

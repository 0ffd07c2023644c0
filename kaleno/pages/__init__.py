"""The customer's pages: a host's page, the booking page, confirmation and manage pages.

Server-rendered twins of the public API: every route calls the same service its JSON
route does (``scheduling.slot_answers``, ``bookings.service``, ``bookings.changes``).
"""

"""The signed-in host's own account (``/api/me…``, ``/api/calendar``): an entry point."""

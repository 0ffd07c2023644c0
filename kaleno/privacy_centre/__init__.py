"""The privacy centre for customers without an account (``/privacy/requests…``)."""

"""The host's console (``/console…``): server-rendered twins of the host's JSON API.

Every route signs in through the same session as ``/api``, checks the same CSRF token
(sent as a hidden form field instead of a header) and calls the same service function
as its JSON route. Destructive actions go through a confirmation page first.
"""

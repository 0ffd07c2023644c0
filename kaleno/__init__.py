"""Kaleno: a booking backend on top of Google Calendar."""

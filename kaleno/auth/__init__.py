"""Sign-in with Google, browser sessions, CSRF and the calendar connection."""

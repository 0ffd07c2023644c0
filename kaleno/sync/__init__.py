"""Two-way sync with Google Calendar: push channels, incremental sync, effects, schedule."""

"""Host scheduling settings and public booking pages: event types, availability, slots."""

"""The slot engine: a host's working hours, busy time and an event type's rules in, bookable
slots out. Pure: no clock, no I/O, no database (``kaleno.scheduling.offered_slots`` feeds it)."""

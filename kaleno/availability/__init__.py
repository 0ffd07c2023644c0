"""Availability: a host's working hours and rules turned into bookable slots."""

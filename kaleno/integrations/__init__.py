"""Integrations: signed webhooks delivered through the outbox, and scoped API keys."""

"""HTTP layer helpers: request validation and the OpenAPI document built from the same models."""

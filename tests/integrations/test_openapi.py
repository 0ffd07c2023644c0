"""The OpenAPI document describes the API-key bearer scheme and the integration routes."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_bearer_scheme_and_scopes_are_documented(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for scope in ("bookings:read", "bookings:write", "settings:read", "settings:write"):
        assert scope in scheme["description"]
    paths = document["paths"]
    assert {"session": []} in paths["/api/bookings"]["get"]["security"]
    assert {"apiKey": ["bookings:read"]} in paths["/api/bookings"]["get"]["security"]
    cancel = paths["/api/bookings/{booking_id}/cancel"]["post"]
    assert {"apiKey": ["bookings:write"]} in cancel["security"]
    assert {"manageToken": []} in cancel["security"]
    assert {"403", "429"} <= set(cancel["responses"])
    assert {"apiKey": ["settings:write"]} in paths["/api/webhooks"]["post"]["security"]
    assert "201" in paths["/api/webhooks"]["post"]["responses"]
    # Keys are managed with a session only.
    assert paths["/api/keys"]["post"]["security"] == [{"session": []}]
    assert paths["/api/keys/{key_id}"]["delete"]["security"] == [{"session": []}]
    for path in (
        "/api/webhooks/{endpoint_id}",
        "/api/webhooks/{endpoint_id}/deliveries",
        "/api/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
        "/api/webhooks/{endpoint_id}/secret",
    ):
        assert path in paths

"""GatewayRouter: conversation ids across "/" next to ordinary routes."""
from __future__ import annotations

import falcon
import falcon.asgi
import falcon.testing

from gateway.routing import GatewayRouter


class Echo:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: str) -> None:
        resp.media = {"route": req.uri_template, **params}


def client() -> falcon.testing.TestClient:
    app = falcon.asgi.App(router=GatewayRouter())
    app.add_route("/conversations/{conversation_id}/tracker", Echo())
    app.add_route("/conversations/{conversation_id}/tracker/events", Echo())
    app.add_route("/conversations/{conversation_id}/items/{item}", Echo())
    app.add_route("/model/{name}", Echo())
    return falcon.testing.TestClient(app)


def test_id_spans_segments_and_the_suffix_picks_the_route() -> None:
    c = client()
    assert c.simulate_get("/conversations/a/b/tracker").json == {
        "route": "/conversations/{conversation_id}/tracker",
        "conversation_id": "a/b",
    }
    assert c.simulate_get("/conversations/a/b/tracker/events").json["route"].endswith("/events")


def test_other_fields_stay_single_segments() -> None:
    c = client()
    assert c.simulate_get("/conversations/x/y/items/7").json == {
        "route": "/conversations/{conversation_id}/items/{item}",
        "conversation_id": "x/y",
        "item": "7",
    }
    assert c.simulate_get("/model/a").json == {"route": "/model/{name}", "name": "a"}
    assert c.simulate_get("/model/a/b").status_code == 404


def test_empty_id_and_missing_suffix_do_not_match() -> None:
    c = client()
    assert c.simulate_get("/conversations//tracker").status_code == 404
    assert c.simulate_get("/conversations/a").status_code == 404


def test_unsupported_method_on_a_path_route_is_405() -> None:
    result = client().simulate_post("/conversations/a/b/tracker")
    assert result.status_code == 405
    assert "GET" in result.headers["allow"]

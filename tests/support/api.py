"""Helpers for the tests that drive the REST API: a client sending a bearer key, the
error-shape check, and readers of its answers (a created row, the planned notices)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Business


@dataclass
class ApiClient:
    """The Flask test client with `Authorization: Bearer <key>` on every request."""

    client: object
    key: str
    business: Business

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.key}", **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def post(self, path, headers=None, **kwargs):
        return self.client.post("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def patch(self, path, headers=None, **kwargs):
        return self.client.patch("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.client.delete("/api/v1" + path, headers=self._headers(headers), **kwargs)


def assert_error(response, status, *, code=None, field=None):
    """Assert the API's error shape and return its `error` object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "field"}
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    if field is not None:
        assert error["field"] == field
    return error


def created(response) -> dict:
    """The JSON of a 201 (or 200) answer; fails with the body otherwise."""
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()


def notifications(api: ApiClient, record: dict | None = None, **query) -> list[dict]:
    """GET /notifications (of one record), by due time."""
    if record is not None:
        query["record_id"] = record["id"]
    response = api.get("/notifications", query_string=query)
    return created(response)["items"]


def notices_by_kind(api: ApiClient, record: dict) -> dict[tuple[str, str], dict]:
    """A record's notices keyed by (notice, channel); the latest wins."""
    return {(n["notice"], n["channel"]): n for n in notifications(api, record)}

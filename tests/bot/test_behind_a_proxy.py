"""Behind a TLS proxy or load balancer (`TRUSTED_PROXIES`): the per-address limits count the
client the proxy names in X-Forwarded-For, so one abusive client does not lock everyone out
behind the same proxy; without the setting the header is not believed, so a client cannot
dodge a limit by writing its own X-Forwarded-For. The scheme comes from the proxy too, the
host and port never do."""

from __future__ import annotations

from flask import request

from bot import create_app

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy


def bad_key_answers(app, forwarded_for: str, count: int) -> list[int]:
    client = app.test_client()
    return [
        client.get(
            "/api/v1/customers",
            headers={"Authorization": "Bearer not-a-key", "X-Forwarded-For": forwarded_for},
            environ_base=PROXY,
        ).status_code
        for _ in range(count)
    ]


def test_a_trusted_proxy_names_the_client_the_limits_count(db, app_config):
    app = create_app(
        {**app_config, "TRUSTED_PROXIES": 1, "RATELIMIT_API_BAD_KEY_PER_ADDRESS": "2 per minute"}
    )

    assert bad_key_answers(app, "203.0.113.7", 3) == [401, 401, 429]
    assert bad_key_answers(app, "198.51.100.4", 1) == [401]  # another client, its own count


def test_without_trusted_proxies_the_header_is_not_believed(db, app_config):
    app = create_app({**app_config, "RATELIMIT_API_BAD_KEY_PER_ADDRESS": "2 per minute"})

    assert bad_key_answers(app, "203.0.113.7", 2) == [401, 401]
    assert bad_key_answers(app, "198.51.100.4", 1) == [429]  # the same proxy address counted


def test_a_trusted_proxy_names_the_scheme_but_never_the_host(db, app_config):
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    app.add_url_rule("/probe/seen", "probe_seen", lambda: f"{request.scheme}://{request.host}")

    seen = app.test_client().get(
        "/probe/seen",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Port": "8443",
        },
        environ_base=PROXY,
    )

    assert seen.get_data(as_text=True) == "https://localhost"

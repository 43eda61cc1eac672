"""The URL of a webhook endpoint, which the server itself calls: refused with a 422 naming
`url` when it is not http(s) with a host, or when its host is or resolves to an address of
the server's own network (loopback, private, link-local such as the metadata service,
unique-local, multicast, unspecified), also written as a number in another base, as an
IPv4-mapped IPv6 address or reached through `localhost`; a host that does not resolve is
refused too. A refused URL creates nothing and leaves a registered endpoint's URL as it was.
ALLOW_PRIVATE_WEBHOOK_URLS lets a self-hoster name any host."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error, created

METADATA_URL = "http://169.254.169.254/latest/meta-data/"
PUBLIC_URL = "https://93.184.215.14/hooks/replydesk"
PRIVATE_URL_HINT = "(set ALLOW_PRIVATE_WEBHOOK_URLS for private endpoints)"

PRIVATE_CALLED = [
    (METADATA_URL, "169.254.169.254 is link-local"),
    ("http://2852039166/latest/meta-data/", "2852039166 is 169.254.169.254"),
    ("http://0xA9FEA9FE/", "0xa9fea9fe is 169.254.169.254"),
    ("http://0251.0376.0251.0376/", "is 169.254.169.254, which is link-local"),
    ("http://[::ffff:169.254.169.254]/", "carries the IPv4 address 169.254.169.254"),
    ("http://127.0.0.1:6379/", "127.0.0.1 is loopback"),
    ("http://localhost:5000/api/v1/business", "which is loopback"),
    ("http://[::1]/", "::1 is loopback"),
    ("http://0.0.0.0:8000/", "0.0.0.0 is unspecified"),
    ("http://10.1.2.3/hook", "10.1.2.3 is private"),
    ("https://192.168.178.1/", "192.168.178.1 is private"),
    ("http://[fd00::1]/", "fd00::1 is unique-local"),
    ("http://224.0.0.251/", "224.0.0.251 is multicast"),
]


@pytest.fixture
def app_config(app_config):
    """The production default, whatever the environment running the tests says."""
    return {**app_config, "ALLOW_PRIVATE_WEBHOOK_URLS": False}


@pytest.fixture
def registered(api):
    """The business's API client and an endpoint already registered at a public address."""
    endpoint = created(api.post("/webhook-endpoints", json={"url": PUBLIC_URL}))
    return api, endpoint["id"]


def assert_refused_and_unchanged(registered, url):
    api, endpoint_id = registered
    refusals = (
        assert_error(api.post("/webhook-endpoints", json={"url": url}), 422, field="url"),
        assert_error(
            api.patch(f"/webhook-endpoints/{endpoint_id}", json={"url": url}), 422, field="url"
        ),
    )
    listed = api.get("/webhook-endpoints").get_json()["items"]
    assert [(item["id"], item["url"]) for item in listed] == [(endpoint_id, PUBLIC_URL)]
    assert refusals[0] == refusals[1]
    return refusals[0]


@pytest.mark.parametrize(("url", "reason"), PRIVATE_CALLED)
def test_a_url_reaching_a_private_address_is_refused(registered, url, reason):
    error = assert_refused_and_unchanged(registered, url)

    assert error["code"] == "private_address"
    assert error["message"].startswith("url must be a public http(s) address; ")
    assert reason in error["message"]
    assert error["message"].endswith(PRIVATE_URL_HINT)


def test_the_metadata_address_is_refused_in_plain_words(registered):
    error = assert_refused_and_unchanged(registered, METADATA_URL)

    assert error["message"] == (
        f"url must be a public http(s) address; 169.254.169.254 is link-local {PRIVATE_URL_HINT}"
    )


def test_a_host_that_does_not_resolve_is_refused(registered):
    error = assert_refused_and_unchanged(
        registered, "https://hooks.salon-sonnenschein.invalid/replydesk"
    )

    assert error["code"] == "unresolvable_host"
    assert "hooks.salon-sonnenschein.invalid does not resolve" in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "ftp://93.184.215.14/hook",
        "file:///etc/passwd",
        "gopher://93.184.215.14:70/",
        "https://93.184.215.14/hook\r\nLocation: https://evil.example/",
        "https://93.184.215.14/\u2028",
        "https://salon.de\\@93.184.215.14/",
        "//93.184.215.14/hook",
        "https://",
        "https://93.184.215.14/" + "a" * 500,
    ],
)
def test_urls_that_are_not_http_with_a_host_are_refused(registered, url):
    assert_refused_and_unchanged(registered, url)


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8:8443/hooks/replydesk",
        "https://[2606:4700:4700::1111]/hook",
        "https://user:token@93.184.215.14/hook",
    ],
)
def test_public_urls_are_accepted(api, url):
    assert created(api.post("/webhook-endpoints", json={"url": url}))["url"] == url


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9000/hook", "http://localhost:5678/webhook", METADATA_URL, "http://n8n/x"],
)
def test_allow_private_webhook_urls_lets_a_self_hoster_call_a_private_endpoint(
    app, monkeypatch, registered, url
):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_WEBHOOK_URLS", True)
    api, endpoint_id = registered

    assert created(api.post("/webhook-endpoints", json={"url": url}))["url"] == url
    changed = api.patch(f"/webhook-endpoints/{endpoint_id}", json={"url": url})
    assert created(changed)["url"] == url


def test_allow_private_webhook_urls_still_wants_http(app, monkeypatch, registered):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_WEBHOOK_URLS", True)

    assert_refused_and_unchanged(registered, "ftp://10.0.0.1/")

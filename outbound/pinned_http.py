"""One HTTP POST that connects only to addresses checked beforehand, so a host name whose DNS
answer changes between the check and the connection (DNS rebinding) cannot turn the request
toward the server's own network: the name is never resolved again. The request still speaks
to the name: it is the Host header (`host[:port]` as in the URL), and over HTTPS the name is
sent for SNI and the receiver's certificate is verified against the name, not the address.
It is built on requests' documented hook for subclassing its adapter
(`HTTPAdapter.build_connection_pool_key_attributes`) and urllib3's public `server_hostname`
pool argument; the addresses are tried in turn while one refuses the connection. No
redirects are followed and no proxy from the environment is used (a proxy would resolve the
name itself); a CA bundle named in the environment (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) is
trusted as requests would. Inside `outbound.http_deadline.within`, all the addresses tried
share its deadline. `post_status` is the exchange itself (no redirect, the body unread),
for any session, pinned or not."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from bot.safe_values import IPAddress
from outbound.http_deadline import DeadlineAdapter

# A name may resolve to many addresses; a try gives up after this many refuse it, so that
# one try stays well within the delivery's lease (each gets the connect timeout).
MAX_ADDRESSES_TRIED = 4
_DEFAULT_PORTS = {"http": 80, "https": 443}


def post(
    url: str,
    addresses: Sequence[IPAddress],
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
) -> int:
    """POST `body` to `url` connecting to one of `addresses` (those its check returned, in
    order), never following a redirect; returns the answer's status code (the receiver's
    body is never read). Raises requests.RequestException when no address could be reached
    or the answer did not come."""
    if not addresses:
        raise ValueError("no checked address to connect to")
    *first_ones, last = addresses[:MAX_ADDRESSES_TRIED]
    for address in first_ones:
        try:
            return _post_to(address, url, body, headers, timeout)
        except requests.ConnectionError as error:
            if not _refused_before_sending(error):
                raise  # the request may have gone out: sending it again is the next try's
    return _post_to(last, url, body, headers, timeout)


def _post_to(
    address: IPAddress,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
) -> int:
    with requests.Session() as session:
        session.trust_env = False  # no proxy and no .netrc from the environment
        adapter = PinnedAdapter(address)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return post_status(
            session,
            url,
            body=body,
            headers=headers,
            timeout=timeout,
            verify=_trusted_certificates(),
        )


def post_status(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    **options: Any,
) -> int:
    """POST `body` to `url` through `session` and return the answer's status code: no
    redirect is followed (it could lead to a host never checked), and the receiver's body
    is never read (only the status counts)."""
    response = session.post(
        url,
        data=body,
        headers=dict(headers),
        timeout=timeout,
        allow_redirects=False,
        stream=True,
        **options,
    )
    response.close()
    return response.status_code


class PinnedAdapter(DeadlineAdapter):
    """requests' adapter, connecting to `address` whatever name the URL has: the pool is
    keyed on the address (and, over HTTPS, the name the certificate must carry), so a
    connection is never shared between names or addresses. It keeps the deadline of a
    surrounding `http_deadline.within`."""

    def __init__(self, address: IPAddress) -> None:
        super().__init__()  # no retries: a failed try is the delivery's own retry
        self.address = address

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params["scheme"] == "https":
            # SNI, and the name Python's ssl module checks the certificate against.
            pool_kwargs["server_hostname"] = host_params["host"]
        host = str(self.address)  # an IPv6 address in brackets, as urllib3 has it from a URL
        host_params["host"] = f"[{host}]" if self.address.version == 6 else host
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        request.headers["Host"] = host_header(request.url or "")


def host_header(url: str) -> str:
    """The Host header a client sends for `url`: its host (IPv6 addresses in brackets) and
    its port unless that is the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host += f":{parts.port}"
    return host


def _trusted_certificates() -> str | bool:
    """The CA bundle the environment names, as requests reads it, else requests' own (True)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _refused_before_sending(error: requests.ConnectionError) -> bool:
    """Whether the connection was never opened (refused, unreachable, timed out while
    connecting), so nothing was sent and the next address may be tried."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = error.args[0] if error.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)

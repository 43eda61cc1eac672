"""The gunicorn worker of the `web` process: gunicorn's gthread worker answering the
requests gunicorn cannot parse in the API's JSON error shape."""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

# gunicorn's statuses for the refusals that are not a plain 400 (workers/base.py).
_STATUS = {
    errors.LimitRequestLine: (414, "URI Too Long", "uri_too_long"),
    errors.LimitRequestHeaders: (431, "Request Header Fields Too Large", "headers_too_large"),
    errors.ExpectationFailed: (417, "Expectation Failed", "expectation_failed"),
    errors.UnsupportedTransferCoding: (501, "Not Implemented", "not_implemented"),
    errors.ForbiddenProxyRequest: (403, "Forbidden", "forbidden"),
}
_BAD_REQUEST = (400, "Bad Request", "bad_request")
# Parse errors that are the server's fault, not the client's: gunicorn answers 500.
_NOT_THE_CLIENTS = (
    errors.InvalidResponseHeader,
    errors.InvalidResponseHeaderName,
    errors.ConfigurationProblem,
)


def protocol_error_response(exc: errors.ParseException) -> bytes:
    """The whole HTTP response refusing a request gunicorn could not parse."""
    status, reason, code = _STATUS.get(type(exc), _BAD_REQUEST)
    field = None
    if isinstance(exc, errors.InvalidHeader) and isinstance(exc.hdr, str):
        field = exc.hdr.title()  # gunicorn names the header, never its value
    body = json.dumps(
        {
            "error": {
                "code": code,
                "message": f"this is not a valid HTTP request ({exc})",
                "field": field,
            }
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


# gunicorn refuses a request it cannot parse before the app sees it, with an HTML page of
# its own. Here the refusal keeps gunicorn's status and `Connection: close` (where the next
# request would start is unknown) in the JSON error shape of every other 4xx; everything
# else, an application error included, is gunicorn's own handling.
class ReplyDeskWorker(ThreadWorker):
    """gunicorn's gthread worker; a request it cannot parse gets a JSON 4xx."""

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, errors.ParseException) or isinstance(exc, _NOT_THE_CLIENTS):
            return super().handle_error(req, client, addr, exc)
        ip = addr[0] if addr else ""
        self.log.warning("Invalid request from ip=%s: %s", ip, exc)
        try:
            util.write_nonblock(client, protocol_error_response(exc))
        except Exception:
            self.log.debug("Failed to send error message.")

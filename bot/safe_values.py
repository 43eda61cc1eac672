"""Whether a stored value is safe where the product uses it: one-line text (names, senders
and addresses reach email headers, texts and calendar cards), one email mailbox, URLs shown
to customers, and URLs the server itself calls, which must resolve only to public addresses;
plain Python that the API's fields, the services and the sender all call."""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from email.headerregistry import HeaderRegistry
from urllib.parse import SplitResult, urlsplit

from marshmallow import ValidationError
from marshmallow.validate import Email

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Format characters that belong inside names: without ZWNJ and ZWJ some scripts
# (Persian, Indic) cannot spell words correctly and emoji sequences fall apart.
# Format characters real names need: the joiners (Persian spelling, emoji
# sequences), the left-to-right and right-to-left marks (Hebrew and Arabic names
# next to Latin text), the soft hyphen, and the tag characters of the England,
# Scotland and Wales flags. Bidi embeddings, overrides and isolates stay refused:
# they reorder what follows them.
_ALLOWED_FORMAT = frozenset("\u200c\u200d\u200e\u200f\u00ad") | frozenset(
    map(chr, range(0xE0020, 0xE0080))
)
# Control (Cc, e.g. CR, LF, NUL, NEL), format (Cf, e.g. bidi overrides, zero-width
# space, BOM), line and paragraph separators (U+2028, U+2029), lone surrogates.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What `socket.inet_aton` reads as an IPv4 address besides dotted quads:
# 2852039166, 0xA9FEA9FE, 0251.0376.0251.0376, 169.254.43518.
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$")
_LOCAL_NAMES = ("localhost", "localhost.localdomain")

# IPv6 ranges that carry an IPv4 address in their low 32 bits; a packet to one
# may reach that IPv4 address (NAT64, the deprecated IPv4-compatible form).
_EMBEDS_IPV4 = (
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")

# Longer values are refused before any parser sees them.
MAX_LENGTH = 2000

_NOT_A_MAILBOX = 'must be one email address, e.g. "Salon <mail@salon.de>"'

_headers = HeaderRegistry()
_email = Email()


class UnsafeUrl(ValueError):
    """A URL refused. `reason` says why in words, without naming the field; `code` is
    "invalid" (not an http(s) URL with a host), "private_address" (the host is or
    resolves to an address that is not public) or "unresolvable_host"."""

    def __init__(self, reason: str, code: str = "invalid"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


# --- one-line text -----------------------------------------------------------


def line_problem(text: str) -> str | None:
    """Why `text` cannot be a one-line value (a name, a sender, an address), or None.

    Refused, never stripped: a line break, a control character, a format character
    other than those of `_ALLOWED_FORMAT` (a bidi override, a zero-width space), a
    line or paragraph separator."""
    if text.isprintable():  # the common case, in C: no Cc, Cf, Zl, Zp or Cs at all
        return None
    for character in text:
        if character in _ALLOWED_FORMAT:
            continue
        if character in _LINE_BREAKS:
            return f"must be one line; it contains a line break ({_codepoint(character)})"
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            return f"must not contain control characters; it contains {_codepoint(character)}"
    return None


def mailbox_problem(text: str) -> str | None:
    """Why `text` is not exactly one email mailbox (`Salon <mail@salon.de>` or a bare
    address), or None. Read as the From header the email will carry, so a second
    address, a group or anything left over is refused, as are control characters
    in the display name (also after RFC 2047 decoding)."""
    problem = _too_long(text) or line_problem(text)
    if problem is not None:
        return problem
    try:
        header = _headers("From", text)
    except Exception:  # noqa: BLE001 - the header parser raises assorted errors on junk
        return _NOT_A_MAILBOX
    if (
        header.defects
        or len(header.groups) != 1
        or header.groups[0].display_name is not None  # a group ("Team: a@x, b@y;")
        or len(header.addresses) != 1
    ):
        return _NOT_A_MAILBOX
    address = header.addresses[0]
    if line_problem(address.display_name) is not None:
        return "the display name must not contain line breaks or control characters"
    try:
        _email(address.addr_spec)
    except ValidationError:
        return _NOT_A_MAILBOX
    return None


def email_address_problem(text: str) -> str | None:
    """Why `text` is not one bare email address (`mail@salon.de`) on one line, or None."""
    problem = _too_long(text) or line_problem(text)
    if problem is not None:
        return problem
    try:
        _email(text)
    except ValidationError:
        return "must be an email address, e.g. mail@salon.de"
    return None


# --- URLs --------------------------------------------------------------------


def web_address_problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL naming a host, or None. Whitespace, control
    characters and backslashes are refused: HTTP clients and browsers read those
    differently from one another, so a checked host could differ from the one
    called or opened."""
    try:
        _split(url)
    except UnsafeUrl as error:
        return error.reason
    return None


def shown_url_problem(url: str) -> str | None:
    """Why `url` cannot be shown to customers as a link, or None.

    A shown link is never called by the server, so its name is not resolved (a
    booking page may be set before its domain goes live); but it must be http(s),
    carry no user name or password (`https://bank.example@evil.example/` misleads
    the reader), and name a host a customer can reach: not `localhost`, not a
    name without a dot, not an address that is not public (169.254.169.254,
    10.0.0.1, 2852039166 …)."""
    try:
        parts = _split(url)
    except UnsafeUrl as error:
        return error.reason
    if parts.username is not None or parts.password is not None:
        return "it carries a user name or password"
    host = parts.hostname or ""
    try:
        ascii_host = _ascii_host(host)
    except UnsafeUrl as error:
        return error.reason
    literal = _literal_address(ascii_host)
    if literal is not None:
        problem = address_problem(literal)
        return None if problem is None else _literal_reason(host, literal, problem)
    name = ascii_host.rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return f"{host} names the reader's own machine"
    if "." not in name:
        return f"{host} is not a public host name (it has no dot)"
    return None


def check_called_url(url: str, *, allow_private: bool = False) -> tuple[IPAddress, ...]:
    """Check a URL the server is about to call; return the addresses it may connect to.

    The URL must be http(s) with a host (`web_address_problem`). Unless
    `allow_private` (the ALLOW_PRIVATE_WEBHOOK_URLS setting), the host is resolved
    with `socket.getaddrinfo` and every address it resolves to must be public
    (`address_problem`): loopback, private, link-local (the metadata service at
    169.254.169.254), unique-local, multicast, reserved and unspecified addresses
    are refused, also when written as a decimal, octal or hexadecimal number, as an
    IPv4-mapped IPv6 address or reached through a name such as `localhost`. A name
    that does not resolve is refused too. With `allow_private` nothing is resolved
    and the result is empty.

    Call it when the URL is saved (a clear error for the owner) AND again right
    before each request: a name's DNS answer may change after the check (DNS
    rebinding), so the sender should connect to one of the addresses returned
    here, sending the URL's host name as Host and for TLS, rather than resolving
    the name a second time.

    Raises UnsafeUrl with the reason (code "invalid", "private_address" or
    "unresolvable_host").
    """
    parts = _split(url)
    if allow_private:
        return ()
    host = parts.hostname or ""
    ascii_host = _ascii_host(host)
    literal = _literal_address(ascii_host)
    if literal is not None:
        problem = address_problem(literal)
        if problem is not None:
            raise UnsafeUrl(_literal_reason(host, literal, problem), "private_address")
        return (literal,)
    addresses = _resolve(ascii_host, parts)
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            raise UnsafeUrl(f"{host} resolves to {address}, which {problem}", "private_address")
    return addresses


def address_problem(address: IPAddress) -> str | None:
    """Why the server must not call `address`, completing "… which …" / "… is …"
    ("is link-local"), or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = address_problem(embedded)
            if inner is not None:
                return f"carries the IPv4 address {embedded}, which {inner}"
    kind = _address_kind(address)
    return None if kind is None else f"is {kind}"


def _address_kind(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    # Checked by hand: Python counts IPv6 multicast as global.
    if address.is_multicast:
        return "multicast"
    if address.version == 6 and address in _UNIQUE_LOCAL:
        return "unique-local"
    if address.version == 4 and address in _SHARED:
        return "shared address space (carrier-grade NAT)"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if int(address) > 1 and any(address in network for network in _EMBEDS_IPV4):
        # (:: and ::1 are the unspecified and loopback addresses, not embeddings)
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _split(url: str) -> SplitResult:
    if _too_long(url):
        raise UnsafeUrl(f"it {_too_long(url)}")
    if any(character.isspace() or line_problem(character) for character in url):
        raise UnsafeUrl("it contains a space, line break or control character")
    if "\\" in url:
        raise UnsafeUrl("it contains a backslash")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"it is not a valid URL ({error})") from error
    scheme = parts.scheme.lower()
    if not scheme:
        raise UnsafeUrl("it has no scheme; start it with https://")
    if scheme not in _SCHEMES:
        raise UnsafeUrl(f"its scheme {parts.scheme!r} is not http or https")
    if not parts.hostname:
        raise UnsafeUrl("it names no host")
    if port == 0:
        raise UnsafeUrl("its port 0 cannot be called")
    return parts


def _ascii_host(host: str) -> str:
    """The host as `socket.getaddrinfo` sees it: international names in IDNA form
    (which also maps look-alike digits such as "①" or "１" to ASCII ones)."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise UnsafeUrl(f"{host} is not a valid host name") from error


def _literal_address(host: str) -> IPAddress | None:
    """The address `host` spells, in any notation the resolver accepts, or None for a name."""
    host = host.rstrip(".") if _NUMERIC_HOST.match(host) else host
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _literal_reason(host: str, address: IPAddress, problem: str) -> str:
    """The reason for a refused address in the URL: `169.254.169.254 is link-local`,
    naming the decoded address when the URL hides it (`2852039166 is
    169.254.169.254, which is link-local`)."""
    try:
        ipaddress.ip_address(host.rstrip("."))
    except ValueError:
        return f"{host} is {address}, which {problem}"
    return f"{host.rstrip('.')} {problem}"


def _resolve(host: str, parts: SplitResult) -> tuple[IPAddress, ...]:
    port = parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeUrl(f"{host} does not resolve to any address", "unresolvable_host") from error
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(answer[4][0]) for answer in answers))
    if not addresses:
        raise UnsafeUrl(f"{host} does not resolve to any address", "unresolvable_host")
    return addresses


def _too_long(text: str) -> str | None:
    # Parsers run only on texts of a sane length; the API's own limits are lower.
    return f"is too long (at most {MAX_LENGTH} characters)" if len(text) > MAX_LENGTH else None


def _codepoint(character: str) -> str:
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" {name}" if name else "")

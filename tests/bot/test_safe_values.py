"""bot.safe_values: one-line text, one mailbox, and which URLs may be shown or called.

The URL tables need no network: hosts are IP literals in their many spellings,
`localhost` and the machine's own name (both from /etc/hosts), and names under
`.invalid`, which never resolve. `socket.getaddrinfo` reads those locally.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load_config
from bot.models import Business
from bot.safe_values import (
    UnsafeUrl,
    check_called_url,
    email_address_problem,
    line_problem,
    mailbox_problem,
    shown_url_problem,
    web_address_problem,
)

# --- one line ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Salon Sonnenschein",
        "Zoë Müller-Lüdenscheidt",
        "Friseur „Schnitt & Farbe“ (Köln)",
        "محمد",
        "می\u200cخواهم",  # Persian needs the zero-width non-joiner
        "👩\u200d👩\u200d👧 Familie",  # emoji sequences need the zero-width joiner
        "\u200fשרה כהן",  # a right-to-left mark before a Hebrew name
        "Anna-\u00adMaria",  # a soft hyphen
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f Pub",  # England
        "",
    ],
)
def test_one_line_text_passes(text):
    assert line_problem(text) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Salon\r\nBcc: x@y.test", "U+000D"),
        ("Salon\nBcc: x@y.test", "U+000A"),
        ("Salon\rX", "U+000D"),
        ("Salon\x0bX", "U+000B"),
        ("Salon\x0cX", "U+000C"),
        ("Salon\x85X", "U+0085"),
        ("Salon\u2028X", "U+2028 LINE SEPARATOR"),
        ("Salon\u2029X", "U+2029 PARAGRAPH SEPARATOR"),
        ("Salon\x00", "U+0000"),
        ("Salon\tX", "U+0009"),
        ("Salon\x1b[31m", "U+001B"),
        ("Salon\x7f", "U+007F"),
        ("evil\u202egnp.exe", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("Sal\u200bon", "U+200B ZERO WIDTH SPACE"),
        ("\ufeffSalon", "U+FEFF"),
        ("Salon\u2066X", "U+2066"),
    ],
)
def test_line_breaks_and_control_characters_are_refused_and_named(text, named):
    problem = line_problem(text)

    assert problem is not None
    assert named in problem


# --- mailboxes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "mail@salon.de",
        "Salon Sonnenschein <mail@salon-sonnenschein.de>",
        '"Müller, Salon" <m@salon.de>',
        "Zoë's Salon <zoe@salon.de>",
        "<mail@salon.de>",
    ],
)
def test_one_mailbox_passes(text):
    assert mailbox_problem(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a@b.test\r\nBcc: x@y.test",
        "a@b.test\nBcc: x@y.test",
        "Salon <a@b.test>\r\nSubject: hi",
        "a@b.test\u2028Bcc: x@y.test",
        "a@b.test, c@d.test",
        "Salon <a@b.test>, Other <c@d.test>",
        "Friends: a@b.test, c@d.test;",
        "Friends: a@b.test;",
        "x <a@b.test> y",
        "not an address",
        "a@",
        "<>",
        "",
        "=?utf-8?q?Salon=0D=0ABcc:_x@y.test?= <a@b.test>",
    ],
)
def test_anything_but_one_mailbox_is_refused(text):
    assert mailbox_problem(text) is not None


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("chefin@salon.de", False),
        ("chefin@salon.de\r\nBcc: x@y.test", True),
        ("chefin@salon.de\u2028", True),
        ("Chefin <chefin@salon.de>", True),
        ("chefin@", True),
    ],
)
def test_an_email_address_is_one_bare_address(text, refused):
    assert (email_address_problem(text) is not None) is refused


# --- URLs: the shape every URL has --------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
        ("ftp://files.example/x", "scheme 'ftp' is not http or https"),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "scheme 'gopher'"),
        ("//salon.example/book", "no scheme"),
        ("salon.example/book", "no scheme"),
        ("http:///book", "names no host"),
        ("https://", "names no host"),
        ("https://salon.example/\r\nX-Injected: 1", "control character"),
        ("https://salon.example/ book", "space"),
        ("https://salon.example\\@169.254.169.254/", "backslash"),
        ("https://salon.example:99999/", "not a valid URL"),
        ("https://salon.example:0/", "port 0"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_only_http_urls_naming_a_host_have_the_right_shape(url, reason):
    problem = web_address_problem(url)

    assert problem is not None and reason in problem
    assert shown_url_problem(url) == problem
    with pytest.raises(UnsafeUrl) as refused:
        check_called_url(url, allow_private=True)  # the shape holds even when private is allowed
    assert refused.value.code == "invalid"


# --- URLs the server calls ----------------------------------------------------

METADATA = "169.254.169.254 is link-local"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", METADATA),
        ("http://169.254.169.254./latest/meta-data/", METADATA),
        ("http://2852039166/", "2852039166 is 169.254.169.254, which is link-local"),
        ("http://0xA9FEA9FE/", "0xa9fea9fe is 169.254.169.254, which is link-local"),
        ("http://0251.0376.0251.0376/", "is 169.254.169.254, which is link-local"),
        ("http://169.254.43518/", "is 169.254.169.254, which is link-local"),
        ("http://①⑥⑨.②⑤④.①⑥⑨.②⑤④/", "is 169.254.169.254, which is link-local"),
        ("http://[::ffff:169.254.169.254]/", "carries the IPv4 address 169.254.169.254"),
        ("http://[::ffff:a9fe:a9fe]/", "carries the IPv4 address 169.254.169.254"),
        ("http://[64:ff9b::a9fe:a9fe]/", "carries the IPv4 address 169.254.169.254"),
        ("http://[2002:a9fe:a9fe::1]/", "carries the IPv4 address 169.254.169.254"),
        ("http://[fe80::1]/", "fe80::1 is link-local"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is loopback"),
        ("http://127.1/", "127.1 is 127.0.0.1, which is loopback"),
        ("http://[::1]/", "::1 is loopback"),
        ("http://[::ffff:127.0.0.1]/", "carries the IPv4 address 127.0.0.1, which is loopback"),
        ("http://0.0.0.0/", "0.0.0.0 is unspecified"),
        ("http://[::]/", ":: is unspecified"),
        ("http://10.0.0.5/", "10.0.0.5 is private"),
        ("http://172.16.0.1/", "172.16.0.1 is private"),
        ("https://192.168.1.1/", "192.168.1.1 is private"),
        ("http://100.64.0.1/", "shared address space"),
        ("http://[fd12:3456::1]/", "fd12:3456::1 is unique-local"),
        ("http://224.0.0.1/", "224.0.0.1 is multicast"),
        ("http://[ff02::1]/", "ff02::1 is multicast"),
        ("http://240.0.0.1/", "240.0.0.1 is reserved"),
        ("http://255.255.255.255/", "is reserved"),
        ("http://192.0.2.10/", "192.0.2.10 is private"),  # documentation range
        ("http://localhost:5000/hook", "which is loopback"),  # 127.0.0.1 or ::1 first
        ("http://LOCALHOST/hook", "which is loopback"),
    ],
)
def test_a_called_url_must_reach_only_public_addresses(url, reason):
    with pytest.raises(UnsafeUrl) as refused:
        check_called_url(url)

    assert refused.value.code == "private_address"
    assert reason in refused.value.reason


def test_this_machine_s_own_name_is_refused_through_what_it_resolves_to():
    name = socket.gethostname()
    try:
        addresses = {ipaddress.ip_address(info[4][0]) for info in socket.getaddrinfo(name, 80)}
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if all(address.is_global for address in addresses):
        pytest.skip("this machine's name resolves to a public address")

    with pytest.raises(UnsafeUrl) as refused:
        check_called_url(f"http://{name}/hook")

    assert refused.value.code == "private_address"
    assert f"{name.lower()} resolves to " in refused.value.reason


def test_a_name_that_does_not_resolve_is_refused_at_save_time():
    with pytest.raises(UnsafeUrl) as refused:
        check_called_url("https://hooks.replydesk.invalid/in")

    assert refused.value.code == "unresolvable_host"
    assert refused.value.reason == "hooks.replydesk.invalid does not resolve to any address"


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://93.184.215.14/hooks/replydesk", "93.184.215.14"),
        ("http://8.8.8.8:8080/x?y=1", "8.8.8.8"),
        ("https://[2606:4700:4700::1111]/hook", "2606:4700:4700::1111"),
        ("https://user:token@93.184.215.14/hook", "93.184.215.14"),
    ],
)
def test_a_public_address_is_returned_for_the_sender_to_connect_to(url, address):
    assert check_called_url(url) == (ipaddress.ip_address(address),)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:9000/hook",
        "http://localhost:9000/hook",
        "http://n8n:5678/webhook/abc",
        "https://hooks.replydesk.invalid/in",  # nothing is resolved
    ],
)
def test_allow_private_accepts_any_host_and_resolves_nothing(url):
    assert check_called_url(url, allow_private=True) == ()


# --- URLs shown to customers --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://salon-sonnenschein.de/termin",
        "http://salon.example/book?staff=3#top",
        "https://bücher.example/buchen",
        "https://93.184.215.14/book",
        "https://booking.salon.invalid/",  # shown, not called: the name is not resolved
    ],
)
def test_a_shown_url_may_name_any_public_looking_host(url):
    assert shown_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", METADATA),
        ("http://2852039166/", "which is link-local"),
        ("http://10.0.0.5/book", "10.0.0.5 is private"),
        ("http://127.0.0.1:5000/book", "127.0.0.1 is loopback"),
        ("http://localhost:5000/book", "localhost names the reader's own machine"),
        ("http://shop.localhost/book", "names the reader's own machine"),
        ("http://intranet/book", "intranet is not a public host name"),
        ("https://salon.example@evil.example/", "user name or password"),
        ("javascript:alert(1)", "not http or https"),
    ],
)
def test_a_shown_url_must_be_one_a_customer_can_open(url, reason):
    problem = shown_url_problem(url)

    assert problem is not None and reason in problem


# --- the setting -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("false", False),
     ("no", False)],
)  # fmt: skip
def test_allow_private_webhook_urls_is_read_from_the_environment_as_a_boolean(
    monkeypatch, value, expected
):
    monkeypatch.setenv("ALLOW_PRIVATE_WEBHOOK_URLS", value)

    assert load_config({})["ALLOW_PRIVATE_WEBHOOK_URLS"] is expected


def test_allow_private_webhook_urls_is_off_by_default_and_refuses_nonsense(monkeypatch):
    monkeypatch.delenv("ALLOW_PRIVATE_WEBHOOK_URLS", raising=False)
    assert load_config({})["ALLOW_PRIVATE_WEBHOOK_URLS"] is False

    monkeypatch.setenv("ALLOW_PRIVATE_WEBHOOK_URLS", "maybe")
    with pytest.raises(ConfigError, match="ALLOW_PRIVATE_WEBHOOK_URLS must be true or false"):
        load_config({})


# --- the CLI goes through the same checks ---------------------------------------


def test_create_business_refuses_a_name_with_a_line_break(runner, db):
    result = runner.invoke(args=["create-business", "--name", "Salon\r\nBcc: x@y.test"])

    assert result.exit_code == 2
    assert "name must be one line" in result.output
    assert db.session.scalar(select(func.count()).select_from(Business)) == 0


def test_values_too_long_to_be_real_are_refused_before_any_parser_runs():
    long_url = "https://salon.example/" + "x" * 2000

    assert "too long" in web_address_problem(long_url)
    assert "too long" in mailbox_problem("Salon " * 400 + "<mail@salon.de>")
    with pytest.raises(UnsafeUrl, match="too long"):
        check_called_url(long_url, allow_private=True)

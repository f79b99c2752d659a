"""Mirror URL validation: what goaccel accepts is what go reads as one GOPROXY entry, normalised.

Every rejection is checked for the reason it gives, and every error message for masked
credentials: a password typed on the command line must never come back in an error.
"""

from __future__ import annotations

import pytest

from goaccel.errors import ExitCode, InputError
from goaccel.urls import MirrorURL, insecure_warning, is_loopback_host, parse_mirror_url


def reject(raw: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_mirror_url(raw)
    assert info.value.exit_code == ExitCode.USAGE
    return info.value


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    ("raw", "url", "host", "port"),
    [
        ("goproxy.example", "https://goproxy.example", "goproxy.example", None),
        ("goproxy.example/go", "https://goproxy.example/go", "goproxy.example", None),
        ("mirror.example:8443", "https://mirror.example:8443", "mirror.example", 8443),
        ("localhost:3000", "https://localhost:3000", "localhost", 3000),
        ("127.0.0.1:3000/p", "https://127.0.0.1:3000/p", "127.0.0.1", 3000),
        ("https://proxy.golang.org", "https://proxy.golang.org", "proxy.golang.org", None),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1", 8080),
    ],
)
def test_accepted_urls_are_normalised(raw: str, url: str, host: str, port: int | None) -> None:
    m = parse_mirror_url(raw)
    assert m == MirrorURL(
        url=url, host=host, scheme=url.split(":")[0], has_credentials=False, port=port
    )


def test_bare_host_gets_https_like_go() -> None:
    m = parse_mirror_url("mirrors.aliyun.com/goproxy/")
    assert m.url == "https://mirrors.aliyun.com/goproxy"
    assert m.scheme == "https"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://goproxy.example/", "https://goproxy.example"),
        ("https://goproxy.example/go/", "https://goproxy.example/go"),
        ("https://goproxy.example/go///", "https://goproxy.example/go"),
        ("  https://goproxy.example/go  ", "https://goproxy.example/go"),
    ],
)
def test_trailing_slashes_and_outer_spaces_removed(raw: str, expected: str) -> None:
    assert parse_mirror_url(raw).url == expected


def test_scheme_and_host_lower_cased_path_case_kept() -> None:
    m = parse_mirror_url("HTTPS://GoProxy.EXAMPLE:8443/Team/GoProxy/")
    assert m.url == "https://goproxy.example:8443/Team/GoProxy"
    assert m.host == "goproxy.example"
    assert m.scheme == "https"
    assert m.host_port == "goproxy.example:8443"


def test_https_credentials_kept_in_url_but_masked_in_display() -> None:
    m = parse_mirror_url("https://Alice:S3cret@Athens.Corp.example/go")
    # user info keeps its case (it is a credential), the host is lower-cased
    assert m.url == "https://Alice:S3cret@athens.corp.example/go"
    assert m.has_credentials is True
    assert m.host == "athens.corp.example"
    assert m.display == "https://Alice:***@athens.corp.example/go"
    assert "S3cret" not in m.display


def test_https_token_only_credentials_masked_whole() -> None:
    m = parse_mirror_url("https://ghp_T0KEN@goproxy.corp.example")
    assert m.has_credentials is True
    assert m.url == "https://ghp_T0KEN@goproxy.corp.example"
    assert m.display == "https://***@goproxy.corp.example"


def test_ipv6_loopback() -> None:
    m = parse_mirror_url("http://[::1]:8080/")
    assert m.url == "http://[::1]:8080"
    assert m.host == "::1"
    assert m.port == 8080
    assert m.is_loopback is True
    assert m.host_port == "[::1]:8080"
    assert insecure_warning(m) is None


def test_ipv6_without_port_host_port_is_bracketed() -> None:
    m = parse_mirror_url("https://[2001:DB8::1]/go")
    assert m.url == "https://[2001:db8::1]/go"
    assert m.host_port == "[2001:db8::1]"
    assert m.is_loopback is False


def test_host_port_without_port_is_host() -> None:
    assert parse_mirror_url("https://goproxy.example").host_port == "goproxy.example"


# --------------------------------------------------------------------------- rejected


def test_empty() -> None:
    assert reject("   ").message == "empty mirror URL"


def test_word_without_dot_colon_or_slash_is_missing_scheme() -> None:
    err = reject("notaurl")
    assert err.message == "invalid mirror URL 'notaurl': missing scheme"
    assert err.hint == "write it as https://HOST/PATH"


@pytest.mark.parametrize("raw", ["direct", "off", "DIRECT", " Off ", "noproxy"])
def test_goproxy_keywords(raw: str) -> None:
    err = reject(raw)
    assert "is a GOPROXY keyword, not a mirror URL" in err.message
    assert f"'{raw.strip()}'" in err.message
    assert err.hint is not None and ",direct" in err.hint


@pytest.mark.parametrize(
    ("raw", "scheme"),
    [
        ("ftp://mirror.example/go", "ftp"),
        ("file:///srv/goproxy", "file"),
        ("FILE:///srv/goproxy", "file"),
        ("gopher://mirror.example", "gopher"),
    ],
)
def test_other_schemes_rejected(raw: str, scheme: str) -> None:
    err = reject(raw)
    assert err.message == (
        f"unsupported mirror URL '{raw}': scheme must be http or https, not '{scheme}'"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "https://a.example,direct",
        "https://a.example|https://b.example",
        "https://a.example,",
        "|https://a.example",
    ],
)
def test_list_separators_rejected(raw: str) -> None:
    err = reject(raw)
    assert err.message == f"invalid mirror URL '{raw}': it contains ',' or '|'"
    assert err.hint is not None and "one mirror per --mirror" in err.hint


@pytest.mark.parametrize(
    "raw",
    [
        "https://mirror example",
        "https://mirror.example/a b",
        "https://mirror.example/\tx",
        "https://mirror.example/x\ny",
        "https://mirror.example/\x00",
        "https://mirror.example/\x1b[31m",
        "https://mirror.example/\x7f",
        "https://mirror.example/\u202e",
        "https://mïrror.example",
        'https://mirror.example/"x"',
        "https://mirror.example/<x>",
    ],
)
def test_spaces_control_and_non_url_characters_rejected(raw: str) -> None:
    err = reject(raw)
    assert "contains spaces or characters a URL cannot have" in err.message
    # the message itself is safe to print: no control characters made it through
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in err.message)
    assert "\u202e" not in err.message


@pytest.mark.parametrize(
    "raw",
    [
        "https://mirror.example/go?x=1",
        "https://mirror.example/go?",
        "https://mirror.example/go#frag",
        "https://mirror.example/go#",
        "mirror.example/?a",
    ],
)
def test_query_and_fragment_rejected(raw: str) -> None:
    err = reject(raw)
    assert err.message.endswith("a GOPROXY URL cannot have a query or fragment")


def test_http_credentials_refused_and_masked() -> None:
    err = reject("http://bob:hunter2@mirror.example")
    assert err.message == "refusing credentials in an insecure URL 'http://bob:***@mirror.example'"
    assert err.hint is not None and "GOAUTH" in err.hint
    assert "hunter2" not in err.message


def test_http_token_refused_and_masked() -> None:
    err = reject("http://tok3n@127.0.0.1:9")
    assert "tok3n" not in err.message
    assert "'http://***@127.0.0.1:9'" in err.message


@pytest.mark.parametrize(
    "raw",
    [
        "bob:hunter2@mirror.example,direct",  # no scheme: go would still read a password
        "bob:hunter2@mirror.example/?q",
        "https://bob:hunter2@mirror.example/?q",
        "https://bob:hunter2@[::1",  # urlsplit itself fails on this one
    ],
)
def test_errors_never_show_a_password(raw: str) -> None:
    err = reject(raw)
    assert "hunter2" not in err.message
    assert "bob:***@" in err.message


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("https://mirror.example:0", "port 0"),
        ("https://mirror.example:0/go", "port 0"),
        ("https://mirror.example:65536", "out of range"),
        ("https://mirror.example:99999", "out of range"),
        ("https://mirror.example:abc", "Port could not be cast"),
        ("mirror.example:-1", "invalid mirror URL"),
    ],
)
def test_bad_ports(raw: str, fragment: str) -> None:
    err = reject(raw)
    assert err.message.startswith(f"invalid mirror URL '{raw}'")
    assert fragment in err.message


def test_no_host() -> None:
    assert reject("https:///go").message == "invalid mirror URL 'https:///go': no host"
    assert reject("/srv/goproxy").message == "invalid mirror URL '/srv/goproxy': no host"


def test_highest_port_accepted() -> None:
    assert parse_mirror_url("https://m.example:65535").port == 65535


def test_long_input_is_shortened_in_the_message() -> None:
    err = reject("https://m.example/" + "a" * 500 + "?q")
    assert len(err.message) < 250
    assert "…" in err.message


# --------------------------------------------------------------------------- loopback, http


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("mirror.localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("localhost.example", False),
        ("notlocalhost", False),
        ("::2", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    "raw",
    ["http://10.1.2.3:3000", "http://goproxy.corp.example", "http://[2001:db8::1]:80"],
)
def test_insecure_warning_for_http_off_this_machine(raw: str) -> None:
    m = parse_mirror_url(raw)
    w = insecure_warning(m)
    assert w is not None
    assert w.startswith(f"{m.url} uses plain http")
    assert "go.sum" in w


@pytest.mark.parametrize(
    "raw",
    [
        "http://127.0.0.1:3000",
        "http://localhost:3000",
        "http://[::1]:3000",
        "https://goproxy.corp.example",
        "goproxy.corp.example",
    ],
)
def test_no_insecure_warning_for_loopback_or_https(raw: str) -> None:
    assert insecure_warning(parse_mirror_url(raw)) is None

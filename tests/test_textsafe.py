"""Untrusted text made safe for the terminal, rich markup neutralised, credentials masked."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from goaccel.textsafe import (
    escape_markup,
    mask_url,
    mask_urls_in_text,
    strip_control,
    untrusted,
)


def render(markup: str) -> str:
    console = Console(file=io.StringIO(), force_terminal=False, width=200)
    console.print(markup, end="")
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


# --------------------------------------------------------------------------- strip_control


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold\x1b[m plain", "bold plain"),
        ("a\x1b[2Jb\x1b[Hc", "abc"),
        ("\x1b]0;pwned title\x07after", "after"),
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("bell\x07 back\x08space", "bell backspace"),
        ("nul\x00del\x7f", "nuldel"),
        ("c1 \x85\x9b31m csi", "c1 31m csi"),
        ("\x9d0;title\x9c", "0;title"),
        ("safe\u202egnp.exe", "safegnp.exe"),
        ("\u2066isolate\u2069 \u200emark\u200f", "isolate mark"),
        ("\u202a\u202b\u202c\u202d", ""),
        ("unicode é ü 中文 ok", "unicode é ü 中文 ok"),
    ],
)
def test_strip_control(text: str, expected: str) -> None:
    assert strip_control(text) == expected


def test_newlines_and_tabs_fold_to_spaces_by_default() -> None:
    # CR is a control character: removed, not folded
    assert strip_control("a\nb\r\nc\td") == "a b c d"


def test_keep_newlines_keeps_newline_and_tab_drops_other_controls() -> None:
    assert strip_control("a\nb\tc\x1b[1md\x0b\x0ce", keep_newlines=True) == "a\nb\tcde"
    # CR is a C0 control: removed so a line cannot overwrite itself on the terminal
    assert strip_control("real\rfake", keep_newlines=True) == "realfake"


def test_untrusted_strips_and_shortens() -> None:
    assert untrusted("  \x1b[31m404\x1b[0m page\nnot found  ") == "404 page not found"
    text = untrusted("x" * 500, limit=10)
    assert text == "x" * 9 + "…"
    assert len(text) == 10
    assert untrusted("exactly10!", limit=10) == "exactly10!"


# --------------------------------------------------------------------------- escape_markup


HOSTILE = [
    "[bold red]x[/]",
    "[link=https://evil.example]click[/link]",
    "[/]",
    "[/bold]",
    "[@click=app.quit]x",
    "a[1] and b[i]",
    "[[bold]]",
    "[]",
    "C:\\Users\\me\\go\\env",
    "x\\[bold]y",
    "x\\\\[bold]y",
    "\\",
    "ends with \\",
    "plain text",
    "",
]


@pytest.mark.parametrize("text", [t for t in HOSTILE if not t.endswith("\\")])
def test_escaped_text_renders_literally(text: str) -> None:
    assert render(escape_markup(text)) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_literally_inside_markup(text: str) -> None:
    assert render(f"[red]{escape_markup(text)}[/red] after") == f"{text} after"
    if not text.endswith("\\"):  # see test_trailing_backslash_cannot_escape_the_closing_tag
        assert render(f"[yellow]warning:[/yellow] {escape_markup(text)}") == f"warning: {text}"


@pytest.mark.parametrize("text", ["ends with \\", "\\", "a\\\\"])
def test_trailing_backslash_cannot_escape_the_closing_tag(text: str) -> None:
    # Escaped text goes into markup: a trailing backslash must not swallow the caller's
    # closing tag (rich.markup.escape makes the same choice, at the price of showing a
    # doubled backslash when such text ends a line on its own).
    assert render(f"[red]{escape_markup(text)}[/red]|") == f"{text}|"


def test_bold_red_markup_is_shown_not_obeyed() -> None:
    out = render(f"server said: {escape_markup('[bold red]x[/]')}")
    assert out == "server said: [bold red]x[/]"


def test_escape_markup_exact() -> None:
    assert escape_markup("[b]") == "\\[b]"
    assert escape_markup("C:\\dir") == "C:\\dir"
    assert escape_markup("x\\[b]") == "x\\\\\\[b]"


# --------------------------------------------------------------------------- mask_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:secret@host.example/x", "https://user:***@host.example/x"),
        ("https://user:secret@host.example:8443", "https://user:***@host.example:8443"),
        ("https://tok3n@host.example/go", "https://***@host.example/go"),
        ("https://:secret@host.example", "https://***@host.example"),
        ("https://user:@host.example", "https://user:***@host.example"),
        ("https://user:p@ss@host.example/x", "https://user:***@host.example/x"),
        ("https://u:p@[::1]:8080/x", "https://u:***@[::1]:8080/x"),
        ("https://host.example/x", "https://host.example/x"),
        ("https://host.example/mod/@v/list", "https://host.example/mod/@v/list"),
        ("direct", "direct"),
        ("", ""),
    ],
)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_mask_url_that_urlsplit_refuses_still_masks() -> None:
    out = mask_url("https://u:secret@[::1")
    assert "secret" not in out
    assert out == "https://u:***@[::1"


# --------------------------------------------------------------------------- in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://a:pw1@one.example|https://tok@two.example,direct",
            "https://a:***@one.example|https://***@two.example,direct",
        ),
        (
            "https://one.example|https://b:pw2@two.example/go,https://c:pw3@three.example,off",
            "https://one.example|https://b:***@two.example/go,https://c:***@three.example,off",
        ),
        (
            'Get "https://u:pw@m.example/x/@v/list": dial tcp: i/o timeout',
            'Get "https://u:***@m.example/x/@v/list": dial tcp: i/o timeout',
        ),
        (
            "HTTPS_PROXY=http://proxyuser:pr0xy@proxy.corp:3128 in use",
            "HTTPS_PROXY=http://proxyuser:***@proxy.corp:3128 in use",
        ),
        ("https://u:p@ss@host.example/x", "https://u:***@host.example/x"),
        (
            "https://proxy.golang.org/golang.org/x/text/@v/v0.3.0.zip and rsc.io/quote@v1.5.2",
            "https://proxy.golang.org/golang.org/x/text/@v/v0.3.0.zip and rsc.io/quote@v1.5.2",
        ),
        # go takes `user:pass@host` without a scheme, so anything of that shape is masked,
        # an e-mail address included: over-masking is the safe side.
        ("mail bob@example.com", "mail ***@example.com"),
        ("alice:s3cret@goproxy.corp.example,direct", "alice:***@goproxy.corp.example,direct"),
        ("https://a.example|bob:pw@b.example,direct", "https://a.example|bob:***@b.example,direct"),
        ("+GOPROXY=alice:pw@h\n-GOPROXY=x", "+GOPROXY=alice:***@h\n-GOPROXY=x"),
        ("dG9rZW4==@goproxy.corp", "***@goproxy.corp"),
        ("export GOPROXY='t0k@h'", "export GOPROXY='***@h'"),
        ("https://proxy.golang.org,direct", "https://proxy.golang.org,direct"),
    ],
)
def test_mask_urls_in_text(text: str, expected: str) -> None:
    assert mask_urls_in_text(text) == expected


@pytest.mark.parametrize("secret", ["pw1", "tok", "pw2", "pw3"])
def test_no_secret_survives_in_a_goproxy_list(secret: str) -> None:
    text = "https://a:pw1@one.example|https://tok@two.example|https://b:pw2@x.example,https://c:pw3@y.example,direct"
    assert secret not in mask_urls_in_text(text)

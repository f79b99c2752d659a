"""messages.py on its own: go's error texts -> GoError facts (no findings, no fixes).

The texts are go's own: captured from go1.27.3 runs against loopback mirrors (tests/data/xlog,
and the scenarios in test_doctor_xlog.py), and one run of the real go here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from goaccel.doctor import messages as m
from goaccel.doctor.messages import GoError, parse_message, parse_messages

DATA = Path(__file__).parent.parent / "data" / "xlog"
CN_PROXY = ("goproxy.cn",)


def one(text: str, **hosts: tuple[str, ...]) -> GoError:
    errors = parse_messages(text.splitlines(), **hosts)
    assert len(errors) == 1, errors
    return errors[0]


def test_proxy_timeout_names_host_module_and_cause() -> None:
    e = one(
        'go: example.com/a@v1.0.0: Get "https://goproxy.cn/example.com/a/@v/v1.0.0.mod": '
        "dial tcp 203.0.113.5:443: i/o timeout",
        proxy_hosts=CN_PROXY,
    )
    assert (e.kind, e.role, e.cause, e.host) == (m.NETWORK, "proxy", "timeout", "goproxy.cn")
    assert (e.module, e.version) == ("example.com/a", "v1.0.0")
    assert e.url == "https://goproxy.cn/example.com/a/@v/v1.0.0.mod"
    assert e.module_version == "example.com/a@v1.0.0"


def test_dns_failure_of_a_host_outside_the_context_is_still_a_proxy_by_its_path() -> None:
    e = one(
        'go: example.com/a@v1.0.0: Get "https://goproxy.cm/example.com/a/@v/v1.0.0.mod": '
        "dial tcp: lookup goproxy.cm on 127.0.0.53:53: no such host"
    )
    assert (e.kind, e.role, e.cause, e.host) == (m.NETWORK, "proxy", "dns", "goproxy.cm")


def test_checksum_database_unreachable() -> None:
    e = one(
        'go: example.com/a@v1.0.0: verifying go.mod: example.com/a@v1.0.0/go.mod: Get "https://'
        'sum.golang.google.cn/lookup/example.com/a@v1.0.0": dial tcp 1.2.3.4:443: connect: '
        "connection refused",
        sumdb_hosts=("sum.golang.google.cn",),
    )
    assert (e.kind, e.role, e.cause) == (m.NETWORK, "sumdb", "refused")
    assert e.host == "sum.golang.google.cn"


def test_checksum_database_404_with_its_git_failure_in_the_body() -> None:
    e = one(
        "go: github.com/acme/private@v1.2.0: verifying module: github.com/acme/private@v1.2.0: "
        "reading https://sum.golang.org/lookup/github.com/acme/private@v1.2.0: 404 Not Found\n"
        "\tserver response:\n"
        "\tnot found: github.com/acme/private@v1.2.0: invalid version: git ls-remote -q origin "
        "in /tmp/gopath/pkg/mod/cache/vcs/0a1b: exit status 128:\n"
        "\t\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\n"
        "\tConfirm the import path was entered correctly.",
        proxy_hosts=CN_PROXY,
    )
    assert (e.kind, e.role, e.code, e.status) == (m.HTTP_STATUS, "sumdb", 404, "404 Not Found")
    assert e.host == "sum.golang.org" and e.private_repo
    assert (e.module, e.version) == ("github.com/acme/private", "v1.2.0")
    assert e.body.startswith("not found: github.com/acme/private@v1.2.0: invalid version")
    assert len(e.lines) == 5


def test_mirror_404_takes_module_and_version_from_the_url() -> None:
    e = one(
        "go: example.com/app imports\n"
        "\tevil.example/x: reading https://p.example/github.com/!acme/lib/@v/v1.0.0.zip: "
        "404 Not Found",
        proxy_hosts=("p.example",),
    )
    assert (e.kind, e.role, e.code) == (m.HTTP_STATUS, "proxy", 404)
    assert e.module == "evil.example/x"  # the imported path named first wins
    e = one(
        "go: reading https://p.example/github.com/!acme/lib/@v/v1.0.0.zip: 410 Gone",
        proxy_hosts=("p.example",),
    )
    # `!a` unescaped to `A`; the mirror's host is not part of the module path
    assert (e.module, e.version) == ("github.com/Acme/lib", "v1.0.0")
    e = one(
        "go: reading https://mirrors.example/goproxy/github.com/!acme/lib/@v/v1.0.0.mod: "
        "404 Not Found",
        proxy_hosts=("mirrors.example",),
    )
    assert (e.module, e.version) == ("github.com/Acme/lib", "v1.0.0")  # a base path too


def test_unsafe_module_paths_are_not_kept() -> None:
    e = one(
        "go: example.com/app imports\n"
        "\tevil.example/$(touch /tmp/pwned): reading "
        "https://p.example/evil.example/$(touch%20/tmp/pwned)/@v/v1.0.0.zip: 404 Not Found",
        proxy_hosts=("p.example",),
    )
    assert e.kind == m.HTTP_STATUS and e.module is None and e.version is None


def test_vcs_dns_failure() -> None:
    e = one(
        "go: github.com/acme/lib@v1.0.0: git ls-remote -q --end-of-options "
        "https://github.com/acme/lib in /m/cache/vcs/0a1b: exit status 128:\n"
        "\tfatal: unable to access 'https://github.com/acme/lib/': Could not resolve host: "
        "github.com"
    )
    assert (e.kind, e.role, e.cause, e.host) == (m.NETWORK, "vcs", "dns", "github.com")
    assert e.module == "github.com/acme/lib"


def test_captured_terminal_prompts_log() -> None:
    """A real go run: GOPROXY said 404, go fell back to git, git wanted a password."""
    lines = (DATA / "vcs-terminal-prompts.txt").read_text().splitlines()
    (e,) = parse_messages(lines)
    assert (e.kind, e.module, e.host) == (
        m.VCS_AUTH,
        "git.corp.example/team/secret",
        "git.corp.example",
    )
    assert e.seen.startswith("fatal: could not read Username")


def test_captured_direct_fetch_log_has_no_error() -> None:
    assert parse_messages((DATA / "vcs-direct.txt").read_text().splitlines()) == []


def test_unknown_revision() -> None:
    e = one(
        "go: example.com/app imports\n"
        "\tgitlab.com/grp/sub/mod: gitlab.com/grp/sub/mod@v0.3.0: invalid version: "
        "unknown revision v0.3.0"
    )
    assert (e.kind, e.module, e.version) == (m.UNKNOWN_REVISION, "gitlab.com/grp/sub/mod", "v0.3.0")


def test_checksum_mismatch_and_its_security_block_are_one_error() -> None:
    e = one(
        "go: example.com/a@v1.0.0: verifying module: checksum mismatch\n"
        "\tdownloaded: h1:AAAA=\n"
        "\tsum.golang.org: h1:BBBB=\n"
        "\n"
        "SECURITY ERROR\n"
        "This download does NOT match the one reported by the checksum server.\n"
        "\n"
        "For more information, see 'go help module-auth'."
    )
    assert e.kind == m.CHECKSUM_MISMATCH and e.module_version == "example.com/a@v1.0.0"
    assert (e.downloaded, e.recorded_in, e.recorded) == ("h1:AAAA=", "sum.golang.org", "h1:BBBB=")
    assert e.against_db
    e = one(
        "verifying example.com/b@v1.0.0: checksum mismatch\n"
        "\tdownloaded: h1:x=\n"
        "\tgo.sum:     h1:y=\n"
    )
    assert (e.recorded_in, e.recorded, e.against_db) == ("go.sum", "h1:y=", False)


def test_vendoring_missing_sums_and_lookup_disabled() -> None:
    text = (
        "go: inconsistent vendoring in /src/app:\n"
        "\texample.com/a@v1.0.0: is explicitly required in go.mod, but not marked as explicit "
        "in vendor/modules.txt\n"
        "\n"
        "\tTo ignore the vendor directory, use -mod=readonly or -mod=mod.\n"
        "main.go:4:2: missing go.sum entry for module providing package example.com/a "
        "(imported by example.com/app); to add:\n"
        "\tgo get example.com/app\n"
        "go: example.com/c@v1.0.0: module lookup disabled by -mod=vendor\n"
        "go: example.com/d@v1.0.0: module lookup disabled by GOPROXY=off\n"
    )
    errors = parse_messages(text.splitlines())
    assert [e.kind for e in errors] == [
        m.INCONSISTENT_VENDORING,
        m.MISSING_GO_SUM_ENTRY,
        m.LOOKUP_DISABLED,
        m.LOOKUP_DISABLED,
    ]
    assert errors[0].seen == "go: inconsistent vendoring in /src/app:"
    assert [(e.setting, e.module) for e in errors[2:]] == [
        ("-mod=vendor", "example.com/c"),
        ("GOPROXY=off", "example.com/d"),
    ]


def test_toolchain_messages() -> None:
    e = one("go: downloading go1.30.1 (linux/amd64)")
    assert (e.kind, e.toolchain) == (m.TOOLCHAIN_DOWNLOAD, "go1.30.1")
    e = one("go: download go1.30.1 for linux/amd64: toolchain not available")
    assert (e.kind, e.toolchain, e.not_available, e.cause) == (
        m.TOOLCHAIN_DOWNLOAD_FAILED,
        "go1.30.1",
        True,
        None,
    )
    e = one(
        'go: download go1.30.1: golang.org/toolchain@v0.0.1-go1.30.1.linux-amd64.zip: Get "https'
        '://goproxy.cn/golang.org/toolchain/@v/v0.0.1-go1.30.1.linux-amd64.zip": dial tcp '
        "1.2.3.4:443: connect: connection refused",
        proxy_hosts=CN_PROXY,
    )
    assert (e.kind, e.role, e.cause, e.host) == (
        m.TOOLCHAIN_DOWNLOAD_FAILED,
        "proxy",
        "refused",
        "goproxy.cn",
    )


def test_configuration_errors() -> None:
    e = one("go: parsing $GOFLAGS: unknown flag -bogus")
    assert (e.kind, e.reason) == (m.GOFLAGS_INVALID, "unknown flag -bogus")
    e = one('go: invalid proxy URL missing scheme: "goproxy.cn"')
    assert e.kind == m.GOPROXY_INVALID
    e = one(
        "go: example.com/a@v1.0.0: refusing to pass credentials to insecure URL: "
        "http://u:p@10.0.0.5:3000/example.com/a/@v/v1.0.0.mod"
    )
    assert (e.kind, e.host) == (m.INSECURE_CREDENTIALS, "10.0.0.5:3000")


def test_messages_of_no_known_kind_and_x_lines_are_left_out() -> None:
    assert parse_message("# get https://proxy.golang.org/x/@v/list") is None
    assert parse_message("go: downloading example.com/a v1.0.0") is None
    assert parse_message("Confirm the import path was entered correctly.") is None


def test_every_kind_is_named() -> None:
    assert len(set(m.KINDS)) == len(m.KINDS) == 13


@pytest.mark.skipif(shutil.which("go") is None, reason="no go on PATH")
def test_the_real_go_goflags_error(tmp_path: Path) -> None:
    env = {**os.environ, "GOFLAGS": "-bogus", "GOTOOLCHAIN": "local"}
    proc = subprocess.run(
        ["go", "list", "-m"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    (e,) = parse_messages(proc.stderr.splitlines())
    assert e.kind == m.GOFLAGS_INVALID and "-bogus" in e.reason

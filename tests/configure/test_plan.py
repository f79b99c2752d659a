"""What setup decides to write: GOPROXY chain, GOSUMDB that keeps verification on, private
patterns. Rankings come from rank.rank() on hand-made probes; GoEnv is built by hand or read
from the real go.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

import pytest
from conftest import GO

from goaccel.configure.plan import (
    Change,
    Plan,
    _sumdb_family,
    build_plan,
    decide_gosumdb,
    env_override_warnings,
    validate_private_patterns,
)
from goaccel.errors import ExitCode, InputError, NoUsableMirrorError
from goaccel.gocompat.gosumdb import SUMDB_CN, SUMDB_DEFAULT
from goaccel.gotool.env import (
    DEFAULT,
    ENVIRONMENT,
    GO_ENV_FILE,
    GOROOT_ENV,
    GoEnv,
    Setting,
    read_goenv,
)
from goaccel.measure.classify import ProbeError
from goaccel.measure.probe import MirrorProbe
from goaccel.measure.rank import Ranking, rank
from goaccel.measure.workload import ModuleRef

WORK = [ModuleRef(f"example.com/m{i}", "v1.0.0") for i in range(10)]
SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"


def probe(
    name: str,
    latency: float,
    *,
    url: Optional[str] = None,
    sumdb: Optional[bool] = False,
    error: Optional[ProbeError] = None,
    mismatched: Sequence[str] = (),
) -> MirrorProbe:
    p = MirrorProbe(name=name, url=url or f"https://{name}")
    p.first_request_s = latency
    p.latencies = [latency] * 3
    p.zip_bytes, p.zip_seconds = 4_000_000, 1.0
    p.checked = 10
    p.sumdb_status = {True: 200, False: 404, None: None}[sumdb]
    p.error = error
    p.mismatched = list(mismatched)
    return p


def ranking(*probes: MirrorProbe) -> Ranking:
    return rank(list(probes), WORK, parallelism=4)


# a.example is fastest, then b, c, d
ABC = (probe("b.example", 0.02), probe("a.example", 0.01), probe("c.example", 0.03))


def genv(**overrides: tuple[str, str]) -> GoEnv:
    """A GoEnv as a fresh user has it, with (value, source) overrides per key."""
    base = {
        "GOPROXY": ("https://proxy.golang.org,direct", GOROOT_ENV),
        "GOSUMDB": ("sum.golang.org", GOROOT_ENV),
        "GOPRIVATE": ("", DEFAULT),
        "GONOPROXY": ("", DEFAULT),
        "GONOSUMDB": ("", DEFAULT),
    }
    base.update(overrides)
    settings = {}
    for key, (value, source) in base.items():
        settings[key] = Setting(
            key,
            value,
            source,
            env_value=value if source == ENVIRONMENT else None,
            file_value=value if source == GO_ENV_FILE else None,
        )
    return GoEnv(
        go=None,
        go_version=None,
        env_file=None,
        env_file_bytes=None,
        file_values={},
        goroot=None,
        goroot_values={},
        settings=settings,
    )


def plan(
    *probes: MirrorProbe,
    env: Optional[GoEnv] = None,
    fallbacks: int = 1,
    private: Sequence[str] = (),
    reachable: Optional[Mapping[str, Optional[bool]]] = None,
    direct: bool = True,
) -> Plan:
    return build_plan(
        ranking(*(probes or ABC)),
        env or genv(),
        fallbacks=fallbacks,
        private=private,
        sumdb_reachable=reachable,
        direct=direct,
    )


# --------------------------------------------------------------------------- private patterns


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["*.corp.example.com,github.com/myorg"], ["*.corp.example.com", "github.com/myorg"]),
        (["a.example", "b.example,a.example", "a.example"], ["a.example", "b.example"]),
        (["a.example,,b.example"], ["a.example", "b.example"]),
        (["a.example,"], ["a.example"]),
        ([",a.example"], ["a.example"]),
        (["rsc.io/private", "rsc.io/privateer"], ["rsc.io/private", "rsc.io/privateer"]),
        (["git.corp/[abc]*"], ["git.corp/[abc]*"]),
        ([], []),
    ],
)
def test_validate_private_patterns(given: list[str], expected: list[str]) -> None:
    assert validate_private_patterns(given) == expected


@pytest.mark.parametrize("given", ["", ",", ",,"])
def test_empty_private_pattern(given: str) -> None:
    with pytest.raises(InputError) as info:
        validate_private_patterns([given])
    assert info.value.message == "empty --private pattern"
    assert info.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (" corp.example", "corp.example"),
        ("corp.example ", "corp.example"),
        ("corp.example, github.com/me", "github.com/me"),
        ("corp example", "corp example"),
        ("corp\texample", "corp example"),
    ],
)
def test_private_pattern_with_space(given: str, shown: str) -> None:
    with pytest.raises(InputError) as info:
        validate_private_patterns([given])
    assert info.value.message == (
        f"--private pattern '{shown}' contains a space: go would never match it"
    )
    assert info.value.hint is not None and "*.corp.example.com" in info.value.hint


@pytest.mark.parametrize(
    "given", ["https://git.corp.example.com/team", "ssh://git@corp.example/x", "git://h/x"]
)
def test_private_pattern_url(given: str) -> None:
    with pytest.raises(InputError) as info:
        validate_private_patterns([given])
    assert info.value.message == (
        f"--private pattern '{given}' is a URL; GOPRIVATE takes module path patterns"
    )
    assert info.value.hint is not None and "git.corp.example.com/team" in info.value.hint


# Each verdict was checked against Go's path.Match (ErrBadPattern or not).
@pytest.mark.parametrize(
    "given", ["git.corp/[abc", "[", "a]b[", "[]", "[^]", "a[-z]", "x\\", "[]a]"]
)
def test_private_pattern_go_rejects(given: str) -> None:
    with pytest.raises(InputError) as info:
        validate_private_patterns([given])
    assert info.value.message.startswith(f"--private pattern '{given}' ")
    assert "class" in info.value.message or "lone" in info.value.message


@pytest.mark.parametrize("given", ["x]", "a[b]]", "a[b[c]", "[^a-z]x", "a\\[b", "*.corp"])
def test_private_pattern_go_accepts(given: str) -> None:
    assert validate_private_patterns([given]) == [given]


@pytest.mark.parametrize("given", ["a|b", "a\nb", "a\x00b", "a\rb"])
def test_private_pattern_with_unmatchable_character(given: str) -> None:
    with pytest.raises(InputError) as info:
        validate_private_patterns([given])
    assert info.value.message.endswith("contains a character go cannot match")
    assert "\n" not in info.value.message and "\x00" not in info.value.message


# --------------------------------------------------------------------------- GOSUMDB


@pytest.mark.parametrize(
    ("value", "family"),
    [
        ("", "default"),
        ("sum.golang.org", "default"),
        (SUMDB_KEY, "default"),
        (f"{SUMDB_KEY} https://sum.golang.org", "default"),
        ("sum.golang.google.cn", "cn"),
        ("sum.golang.org https://sum.golang.google.cn", "cn"),
        ("off", "off"),
        ("gosum.io+ce6e7565+AY5qEHUk/qmHc5btzW45JVoENfazw8LielDsaI+lEbq6", "custom"),
        ("sum.corp.example+abcd1234+AAAA https://sum.corp.example", "custom"),
        ("sum.golang.org https://sumproxy.corp.example.com", "custom"),
        (f"{SUMDB_KEY} https://sum.golang.google.cn/", "cn"),
    ],
)
def test_sumdb_family(value: str, family: str) -> None:
    assert _sumdb_family(value) == family


def test_gosumdb_off_is_kept_with_a_warning() -> None:
    value, notes, warnings = decide_gosumdb("off", [("a", True)], {SUMDB_DEFAULT: True})
    assert value == "off"
    assert notes == []
    assert len(warnings) == 1
    assert "GOSUMDB=off" in warnings[0] and "go env -u GOSUMDB" in warnings[0]


@pytest.mark.parametrize(
    "custom",
    [
        "sum.corp.example+abcd1234+AAAA https://sum.corp.example",
        "gosum.io+ce6e7565+AY5qEHUk/qmHc5btzW45JVoENfazw8LielDsaI+lEbq6",
    ],
)
def test_custom_gosumdb_is_kept(custom: str) -> None:
    value, notes, warnings = decide_gosumdb(custom, [("a", True)], {SUMDB_DEFAULT: True})
    assert value == custom
    assert notes == [
        f"GOSUMDB={custom} is your own checksum database or route to it; goaccel keeps it"
    ]
    assert warnings == []


@pytest.mark.parametrize(
    ("support", "via"),
    [
        ([("first", True), ("second", False)], "first"),
        ([("first", False), ("second", True)], "second"),
        ([("first", None), ("second", True)], "second"),
    ],
)
@pytest.mark.parametrize("current", ["sum.golang.org", "", SUMDB_CN])
def test_gosumdb_through_a_proxy_of_the_chain(
    support: list[tuple[str, Optional[bool]]], via: str, current: str
) -> None:
    value, notes, warnings = decide_gosumdb(current, support, {})
    assert value == SUMDB_DEFAULT
    assert notes == [
        f"the checksum database is reached through {via} (/sumdb/sum.golang.org/supported)"
    ]
    assert warnings == []


def test_gosumdb_direct_when_no_proxy_supports_it() -> None:
    value, notes, warnings = decide_gosumdb(
        "sum.golang.org", [("a", None), ("b", False)], {SUMDB_DEFAULT: True, SUMDB_CN: True}
    )
    assert (value, notes, warnings) == (SUMDB_DEFAULT, ["sum.golang.org answers directly"], [])


def test_gosumdb_names_the_url_when_the_last_mirror_fails_where_go_would_stop() -> None:
    """go stops at an error of the last entry before ',direct' and never goes direct; an
    explicit URL in GOSUMDB makes it ask the database itself."""
    value, notes, warnings = decide_gosumdb(
        "sum.golang.org", [("a", False), ("b", None)], {SUMDB_DEFAULT: True, SUMDB_CN: True}
    )
    assert value == "sum.golang.org https://sum.golang.org"
    assert notes == [
        "b fails at /sumdb/sum.golang.org/supported, where go would stop; sum.golang.org "
        "answers directly, so GOSUMDB names its URL"
    ]
    assert warnings == []


@pytest.mark.parametrize(
    ("ends_with_direct", "expected"),
    [
        # a|b,direct: a fails, b says 404, then `direct`: go asks the database itself
        (True, SUMDB_DEFAULT),
        # a|b (--no-direct): a's failure outranks b's 404 and go stops with it
        (False, "sum.golang.org https://sum.golang.org"),
    ],
)
def test_gosumdb_walks_the_whole_chain_as_tryproxies_does(
    ends_with_direct: bool, expected: str
) -> None:
    value, notes, warnings = decide_gosumdb(
        "sum.golang.org",
        [("a", None), ("b", False)],
        {SUMDB_DEFAULT: True},
        ends_with_direct=ends_with_direct,
    )
    assert (value, warnings) == (expected, [])
    if not ends_with_direct:
        assert notes[0].startswith("a fails at /sumdb/sum.golang.org/supported")


def test_gosumdb_warns_when_the_last_mirror_fails_and_nothing_answers() -> None:
    value, _notes, warnings = decide_gosumdb("", [("b", None)], {})
    assert value == ""
    assert warnings and "go will fail to verify modules missing from go.sum" in warnings[0]


def test_gosumdb_cn_fallback() -> None:
    value, notes, warnings = decide_gosumdb(
        "sum.golang.org", [("a", False)], {SUMDB_DEFAULT: False, SUMDB_CN: True}
    )
    assert value == SUMDB_CN
    assert len(notes) == 1
    assert "sum.golang.org is not reachable" in notes[0]
    assert "sum.golang.google.cn (the same database) answers" in notes[0]
    assert warnings == []


@pytest.mark.parametrize(
    "current",
    ["sum.golang.org", SUMDB_CN, "sum.golang.org https://sum.golang.google.cn", SUMDB_KEY],
)
def test_gosumdb_nothing_reachable_keeps_current(current: str) -> None:
    value, notes, warnings = decide_gosumdb(
        current, [("a", None), ("b", False)], {SUMDB_DEFAULT: False, SUMDB_CN: None}
    )
    assert value == current
    assert notes == []
    assert len(warnings) == 1
    assert f"GOSUMDB stays {current}." in warnings[0]
    assert "no checksum database was confirmed reachable" in warnings[0]


def test_gosumdb_nothing_reachable_unset_names_the_default() -> None:
    value, _, warnings = decide_gosumdb("", [], {})
    assert value == ""
    assert "GOSUMDB stays sum.golang.org." in warnings[0]


def test_gosumdb_cn_in_disguise_is_not_custom() -> None:
    disguised = "sum.golang.org https://sum.golang.google.cn"
    # a custom value would be kept whatever is reachable; the China endpoint is not custom
    assert decide_gosumdb(disguised, [("a", True)], {})[0] == SUMDB_DEFAULT
    assert decide_gosumdb(disguised, [], {SUMDB_CN: True})[0] == SUMDB_CN


def test_gosumdb_hostile_value_is_shown_safely() -> None:
    hostile = "sum.corp.example\x1b[31m+k+v"
    _, notes, _ = decide_gosumdb(hostile, [], {})
    assert "\x1b" not in notes[0]


# --------------------------------------------------------------------------- build_plan


def test_goproxy_best_then_runner_up_then_direct() -> None:
    p = plan()
    assert p.settings["GOPROXY"] == "https://a.example|https://b.example,direct"
    assert p.chain == ["a.example", "b.example"]


@pytest.mark.parametrize(
    ("fallbacks", "goproxy"),
    [
        (0, "https://a.example,direct"),
        (-3, "https://a.example,direct"),
        (1, "https://a.example|https://b.example,direct"),
        (2, "https://a.example|https://b.example|https://c.example,direct"),
        (9, "https://a.example|https://b.example|https://c.example,direct"),
    ],
)
def test_fallbacks(fallbacks: int, goproxy: str) -> None:
    assert plan(fallbacks=fallbacks).settings["GOPROXY"] == goproxy


def test_no_direct() -> None:
    p = plan(direct=False)
    assert p.settings["GOPROXY"] == "https://a.example|https://b.example"


def test_chain_skips_unusable_mirrors() -> None:
    p = plan(
        probe("evil.example", 0.001, mismatched=["example.com/m0@v1.0.0"]),
        probe("down.example", 0.001, error=ProbeError("refused", "connection refused")),
        probe("slow.example", 0.2),
        probe("ok.example", 0.05),
    )
    assert p.settings["GOPROXY"] == "https://ok.example|https://slow.example,direct"
    assert p.chain == ["ok.example", "slow.example"]


def test_credentials_kept_in_goproxy_masked_in_change_json() -> None:
    p = plan(probe("corp", 0.01, url="https://u:s3cret@goproxy.corp.example"), fallbacks=0)
    assert p.settings["GOPROXY"] == "https://u:s3cret@goproxy.corp.example,direct"
    change = next(c for c in p.changes if c.key == "GOPROXY")
    assert change.to_json() == {
        "key": "GOPROXY",
        "before": "https://proxy.golang.org,direct",
        "after": "https://u:***@goproxy.corp.example,direct",
        "source": GOROOT_ENV,
    }


def test_no_usable_mirror() -> None:
    with pytest.raises(NoUsableMirrorError) as info:
        plan(
            probe("down.example", 0.01, error=ProbeError("refused", "x")),
            probe("evil.example", 0.01, mismatched=["m@v1"]),
        )
    assert info.value.message == "no mirror was usable: nothing was written"
    assert info.value.exit_code == ExitCode.NO_MIRROR
    assert info.value.hint is not None and "HTTPS_PROXY" in info.value.hint


def test_changes_only_for_keys_whose_value_changes() -> None:
    env = genv(GOPROXY=("https://a.example|https://b.example,direct", GO_ENV_FILE))
    p = plan(env=env, reachable={SUMDB_DEFAULT: True})
    assert p.settings == {
        "GOPROXY": "https://a.example|https://b.example,direct",
        "GOSUMDB": "sum.golang.org",
    }
    assert p.changes == []
    assert p.changed() == {}
    assert p.notes == ["sum.golang.org answers directly"]


def test_fresh_user_changes_goproxy_only() -> None:
    p = plan(reachable={SUMDB_DEFAULT: True})
    assert p.changes == [
        Change(
            "GOPROXY",
            "https://proxy.golang.org,direct",
            "https://a.example|https://b.example,direct",
            GOROOT_ENV,
        )
    ]
    assert p.changed() == {"GOPROXY": "https://a.example|https://b.example,direct"}
    assert "GOPRIVATE" not in p.settings


def test_gosumdb_switches_to_cn_when_only_cn_answers() -> None:
    p = plan(reachable={SUMDB_DEFAULT: False, SUMDB_CN: True})
    assert p.changed()["GOSUMDB"] == SUMDB_CN
    change = next(c for c in p.changes if c.key == "GOSUMDB")
    assert (change.before, change.source) == ("sum.golang.org", GOROOT_ENV)


def test_gosumdb_uses_chain_support_only_of_mirrors_in_the_chain() -> None:
    probes = (
        probe("a.example", 0.01, sumdb=False),
        probe("b.example", 0.02, sumdb=True),
    )
    env = genv(GOSUMDB=(SUMDB_CN, GO_ENV_FILE))
    # b is in the chain with one fallback: its support counts
    assert plan(*probes, env=env).settings["GOSUMDB"] == SUMDB_DEFAULT
    # without fallbacks b is not in GOPROXY: go never asks it; cn stays (nothing reachable)
    p = plan(*probes, env=env, fallbacks=0)
    assert p.settings["GOSUMDB"] == SUMDB_CN
    assert "GOSUMDB" not in p.changed()
    assert len(p.warnings) == 1


def test_gosumdb_off_stays_and_warns() -> None:
    p = plan(env=genv(GOSUMDB=("off", GO_ENV_FILE)), reachable={SUMDB_DEFAULT: True})
    assert p.settings["GOSUMDB"] == "off"
    assert "GOSUMDB" not in p.changed()
    assert any("GOSUMDB=off" in w for w in p.warnings)


def test_private_goes_to_goprivate_only_when_others_are_derived() -> None:
    p = plan(private=["*.corp.example", "github.com/me"], reachable={SUMDB_DEFAULT: True})
    assert p.settings["GOPRIVATE"] == "*.corp.example,github.com/me"
    assert "GONOPROXY" not in p.settings and "GONOSUMDB" not in p.settings
    assert {c.key for c in p.changes} == {"GOPROXY", "GOPRIVATE"}
    private = next(c for c in p.changes if c.key == "GOPRIVATE")
    assert (private.before, private.source) == ("", DEFAULT)


def test_private_merges_with_current_goprivate() -> None:
    env = genv(GOPRIVATE=("github.com/me", GO_ENV_FILE))
    p = plan(env=env, private=["*.corp.example", "github.com/me"])
    assert p.settings["GOPRIVATE"] == "github.com/me,*.corp.example"


def test_current_goprivate_not_goaccels_without_new_patterns() -> None:
    env = genv(GOPRIVATE=("github.com/me", ENVIRONMENT))
    p = plan(env=env)
    assert "GOPRIVATE" not in p.settings
    assert "GOPRIVATE" not in p.changed()


def test_goprivate_untouched_without_private_patterns() -> None:
    env = genv(GOPRIVATE=("github.com/me,", GO_ENV_FILE))
    assert "GOPRIVATE" not in plan(env=env).changed()


@pytest.mark.parametrize("source", [ENVIRONMENT, GO_ENV_FILE])
def test_private_merges_into_explicit_gonoproxy_and_gonosumdb(source: str) -> None:
    env = genv(
        GOPRIVATE=("github.com/me", GO_ENV_FILE),
        GONOPROXY=("git.corp.example", source),
        GONOSUMDB=("github.com/me,*.corp.example", source),
    )
    p = plan(env=env, private=["*.corp.example"], reachable={SUMDB_DEFAULT: True})
    assert p.settings["GOPRIVATE"] == "github.com/me,*.corp.example"
    assert p.settings["GONOPROXY"] == "git.corp.example,*.corp.example"
    assert p.settings["GONOSUMDB"] == "github.com/me,*.corp.example"  # already there
    assert set(p.changed()) == {"GOPROXY", "GOPRIVATE", "GONOPROXY"}
    assert "GONOPROXY is set explicitly, so the --private patterns are added to it too" in (p.notes)
    assert not any(n.startswith("GONOSUMDB") for n in p.notes)


def test_gonoproxy_none_is_a_deliberate_choice_and_kept() -> None:
    """`go help private`: GONOPROXY=none routes every module, private ones too, through a
    company mirror. Merging patterns into it would make them bypass that mirror again."""
    env = genv(GONOPROXY=("none", GO_ENV_FILE), GOPRIVATE=("", DEFAULT))
    p = plan(env=env, private=["*.corp.example"], reachable={SUMDB_DEFAULT: True})
    assert p.settings["GOPRIVATE"] == "*.corp.example"
    assert "GONOPROXY" not in p.settings


@pytest.mark.parametrize("source", [DEFAULT, GOROOT_ENV])
def test_derived_gonoproxy_is_not_touched(source: str) -> None:
    # go reports GONOPROXY = GOPRIVATE when GONOPROXY is unset: that is not an explicit value
    env = genv(
        GOPRIVATE=("github.com/me", GO_ENV_FILE),
        GONOPROXY=("github.com/me", source),
        GONOSUMDB=("github.com/me", source),
    )
    p = plan(env=env, private=["*.corp.example"])
    assert "GONOPROXY" not in p.settings and "GONOSUMDB" not in p.settings


def test_invalid_private_pattern_stops_the_plan() -> None:
    with pytest.raises(InputError, match="is a URL"):
        plan(private=["https://git.corp.example/x"])


def test_env_override_warnings() -> None:
    env = genv(GOPROXY=("https://u:pw@env.example", ENVIRONMENT), GOPRIVATE=("x", ENVIRONMENT))
    p = plan(env=env, private=["y"], reachable={SUMDB_DEFAULT: True})
    warnings = env_override_warnings(p, env)
    assert len(warnings) == 2
    assert warnings[0].startswith("GOPROXY is set in your environment (https://u:***@env.example)")
    assert "pw" not in warnings[0]
    assert "--target shell" in warnings[0]
    assert warnings[1].startswith("GOPRIVATE is set in your environment (x)")
    assert env_override_warnings(plan(), genv()) == []


# --------------------------------------------------------------------------- with the real go


@pytest.mark.go
def test_build_plan_from_real_go_env(monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(os.environ["GOENV"])
    path.parent.mkdir(parents=True)
    path.write_text(
        "GONOSUMDB=github.com/me\nGOPRIVATE=github.com/me\nGOSUMDB=sum.golang.google.cn\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GONOPROXY", "git.corp.example")
    env = read_goenv(GO)
    p = build_plan(
        ranking(*ABC),
        env,
        private=["*.corp.example"],
        sumdb_reachable={SUMDB_DEFAULT: True},
    )
    assert p.settings == {
        "GOPROXY": "https://a.example|https://b.example,direct",
        "GOSUMDB": SUMDB_DEFAULT,
        "GOPRIVATE": "github.com/me,*.corp.example",
        "GONOPROXY": "git.corp.example,*.corp.example",
        "GONOSUMDB": "github.com/me,*.corp.example",
    }
    assert [(c.key, c.before, c.source) for c in p.changes] == [
        ("GOPROXY", "https://proxy.golang.org,direct", GOROOT_ENV),
        ("GOSUMDB", SUMDB_CN, GO_ENV_FILE),
        ("GOPRIVATE", "github.com/me", GO_ENV_FILE),
        ("GONOPROXY", "git.corp.example", ENVIRONMENT),
        ("GONOSUMDB", "github.com/me", GO_ENV_FILE),
    ]
    warnings = env_override_warnings(p, env)
    assert len(warnings) == 1 and warnings[0].startswith("GONOPROXY is set in your environment")


@pytest.mark.go
def test_build_plan_real_go_derived_gonoproxy_left_alone() -> None:
    path = Path(os.environ["GOENV"])
    path.parent.mkdir(parents=True)
    path.write_text("GOPRIVATE=github.com/me\n", encoding="utf-8")
    env = read_goenv(GO)
    assert env.value("GONOPROXY") == "github.com/me"  # derived by go
    p = build_plan(ranking(*ABC), env, private=["*.corp.example"])
    assert set(p.settings) == {"GOPROXY", "GOSUMDB", "GOPRIVATE"}
    assert p.settings["GOPRIVATE"] == "github.com/me,*.corp.example"


def test_keyed_sum_golang_org_is_kept_as_written() -> None:
    value, _notes, warnings = decide_gosumdb(SUMDB_KEY, [("a", True)], {})
    assert value == SUMDB_KEY
    assert warnings == []


def _ranked(*entries: tuple[str, bool]) -> Ranking:
    """A ranking in the given order: (name, complete)."""
    from goaccel.measure.rank import Estimate, Ranked

    out = []
    for i, (name, complete) in enumerate(entries, start=1):
        p = probe(name, 0.01 * i)
        if not complete:
            p.missing = ["example.com/m3@v1.0.0"]
        verdict = "best" if i == 1 else ("good" if complete else "stale")
        out.append(Ranked(p, verdict, "", Estimate(0.1, 0.1 * i, 1.0, 0.0), rank=i))
    return Ranking(out, modules=10, zip_modules=10, workload_bytes=4_000_000, parallelism=4)


def test_a_stale_mirror_is_never_a_fallback_ahead_of_a_complete_one() -> None:
    """The fallback is for when the first mirror fails; an incomplete one sends its misses to
    direct, which is what fails behind a firewall."""
    r = _ranked(("a.example", True), ("stale.example", False), ("c.example", True))
    p = build_plan(r, genv(), fallbacks=1)
    assert p.chain == ["a.example", "c.example"]
    assert p.settings["GOPROXY"] == "https://a.example|https://c.example,direct"
    assert any(
        n.startswith("fallback: c.example rather than stale.example, which lacks modules")
        for n in p.notes
    ), p.notes
    # with room for both, the complete one still comes first
    p = build_plan(r, genv(), fallbacks=2)
    assert p.chain == ["a.example", "c.example", "stale.example"]
    # with no complete mirror left, the stale one is still better than none
    p = build_plan(_ranked(("a.example", True), ("stale.example", False)), genv(), fallbacks=1)
    assert p.chain == ["a.example", "stale.example"]
    assert not any(n.startswith("fallback:") for n in p.notes)


def test_a_mirror_lacking_the_toolchain_is_no_fallback_ahead_of_one_serving_it() -> None:
    """go.mod makes go download a toolchain first: a mirror that lacks it (404) is as
    incomplete as one that lacks a module, so a mirror that serves it is the fallback."""
    from goaccel.measure.probe import ToolchainCheck

    r = _ranked(("a.example", True), ("notc.example", True), ("c.example", True))
    key = "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64"
    for e, status in zip(r.entries, (200, 404, 200)):
        e.probe.toolchain = ToolchainCheck(key, status, 1000)
    p = build_plan(r, genv(), fallbacks=1)
    assert p.chain == ["a.example", "c.example"]
    assert any(
        n.startswith("fallback: c.example rather than notc.example, which lacks part of the "
                     "workload")
        for n in p.notes
    ), p.notes  # fmt: skip

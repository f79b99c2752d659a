"""Test isolation: each test gets its own HOME, XDG dirs, go env file, module and build caches.

Nothing a test does can touch the developer's real configuration, and no test reaches any
host but loopback: the built-in mirror catalog is replaced by an empty one (GOACCEL_CATALOG).
"""

from __future__ import annotations

import os
import shutil
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mirrorsim import write_project  # found through the sys.path line above

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")

_KEEP = {"PATH", "SYSTEMROOT", "COMSPEC", "PATHEXT", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL"}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh user: empty HOME and config dirs, a private go env file, caches per test."""
    for key in list(os.environ):
        if key not in _KEEP:
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "USERPROFILE": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GOENV": str(home / ".config" / "go" / "env"),
        "GOMODCACHE": str(tmp_path / "gomodcache"),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOPATH": str(tmp_path / "gopath"),
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GOFLAGS": "-modcacherw",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "COLUMNS": "200",
        "SHELL": "/bin/bash",
        "GOACCEL_CATALOG": str(Path(__file__).parent / "data" / "empty-catalog.toml"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    go_dir = str(Path(GO).parent)
    if go_dir not in os.environ.get("PATH", "").split(os.pathsep):
        monkeypatch.setenv("PATH", go_dir + os.pathsep + os.environ.get("PATH", ""))
    yield home


@pytest.fixture(scope="session")
def _test_ca() -> tuple[ssl.SSLContext, bytes]:
    """One trustme CA per worker: a server context for 127.0.0.1 and localhost, and the CA's
    PEM."""
    import trustme

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx, ca.cert_pem.bytes()


@pytest.fixture
def tls(
    _test_ca: tuple[ssl.SSLContext, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ssl.SSLContext:
    """A server TLS context (give it to MirrorSim(ssl_context=...)) whose certificate go and
    goaccel trust in this test: SSL_CERT_FILE names the test CA, as a company CA would be."""
    ctx, pem = _test_ca
    ca_file = tmp_path / "test-ca.pem"
    ca_file.write_bytes(pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    return ctx


@pytest.fixture(scope="session", autouse=True)
def _compiled_schemas() -> None:
    """Compile the docs/schema validators once per worker, before any test's clock starts
    (tests time `goaccel` runs whose JSON run_json validates). A broken schema is reported by
    tests/cli/test_json_schemas.py, not here."""
    import helpers

    for name in helpers.schema_names():
        try:
            helpers.validator(name)
        except Exception:
            continue


@pytest.fixture
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A tidy Go module (go.mod, go.sum, main.go) that requires and imports the requesting
    test module's MODS (or the modules given with indirect parametrization).

    go.mod and go.sum must be byte-identical afterwards: no goaccel command edits a project,
    and the simulator writes them tidy, so neither does `go mod tidy` or `go mod download`.
    """
    modules = getattr(request, "param", None) or getattr(request.module, "MODS", None)
    if modules is None:
        pytest.fail(f"{request.module.__name__} uses the project fixture but defines no MODS")
    root = write_project(tmp_path / "proj", modules)
    before = {n: (root / n).read_bytes() for n in ("go.mod", "go.sum")}
    yield root
    after = {n: (root / n).read_bytes() for n in ("go.mod", "go.sum")}
    assert after == before, "go.mod or go.sum of the project changed"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the real internet run only when asked for: GOACCEL_INTERNET_TESTS=1."""
    if os.environ.get("GOACCEL_INTERNET_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="needs the internet; set GOACCEL_INTERNET_TESTS=1 to run")
    for item in items:
        if "internet" in item.keywords:
            item.add_marker(skip)

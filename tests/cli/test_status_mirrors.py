"""`goaccel status` and `goaccel mirrors`: sources, conflicts, config edits, JSON."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import go_env_file, goaccel, mirror_args, run_args, run_json
from mirrorsim import MirrorSim, make_universe, write_project

MODS = make_universe(2, sizes=3000)


def status_json(env: dict[str, str | None] | None = None) -> dict:
    proc, doc = run_json("status", schema="status", env=env)
    assert proc.returncode == 0, proc.stderr
    return doc


def test_status_names_the_source_of_each_setting() -> None:
    go_env_file().parent.mkdir(parents=True)
    go_env_file().write_text("GOPROXY=https://file.example.com\nGOPRIVATE=git.corp.example.com\n")
    doc = status_json(env={"GOFLAGS": "-mod=mod", "HTTPS_PROXY": "http://u:pw@proxy.corp:3128"})
    s = doc["settings"]
    assert s["GOPROXY"] == {
        "value": "https://file.example.com",
        "source": "go env file",
        "environment": None,
        "go_env_file": "https://file.example.com",
    }
    assert s["GOSUMDB"]["source"] == "$GOROOT/go.env"
    assert s["GOSUMDB"]["value"] == "sum.golang.org"
    assert s["GOFLAGS"]["source"] == "environment"
    assert s["GONOPROXY"]["source"] == "default"
    assert s["GONOPROXY"]["value"] == "git.corp.example.com"  # go derives it from GOPRIVATE
    assert doc["network"] == {"HTTPS_PROXY": "http://u:***@proxy.corp:3128"}
    assert doc["env_file"] == str(go_env_file())
    assert doc["go_version"].startswith("go1.")
    assert doc["conflicts"] == []


def test_status_reports_an_os_variable_hiding_the_file() -> None:
    go_env_file().parent.mkdir(parents=True)
    go_env_file().write_text("GOPROXY=https://file.example.com\n")
    doc = status_json(env={"GOPROXY": "https://env.example.com"})
    assert doc["settings"]["GOPROXY"]["source"] == "environment"
    assert doc["conflicts"] == [
        "GOPROXY: the environment (https://env.example.com) overrides the go env file "
        "(https://file.example.com)"
    ]
    text = goaccel("status", env={"GOPROXY": "https://env.example.com"})
    assert "overrides the go env file" in text.stderr


def test_status_shows_goaccel_blocks_and_their_conflicts(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", MODS)
    with MirrorSim(MODS) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(project), "--target", "shell", "--shell", "zsh"
        )
        assert proc.returncode == 0, proc.stderr
    rc = Path(os.environ["HOME"]) / ".zshrc"
    doc = status_json()
    assert doc["rc_blocks"] == [
        {
            "path": str(rc),
            "shell": "zsh",
            "values": {"GOPROXY": f"{good.url},direct"},
        }
    ]
    # This process never sourced the block: status says so.
    assert any("GOPROXY: goaccel's block" in c for c in doc["conflicts"])
    assert doc["undo_entries"] == 1
    text = goaccel("status")
    assert f"goaccel block in {rc} (zsh)" in text.stdout


def test_status_without_go_on_path(tmp_path: Path) -> None:
    doc = status_json(env={"PATH": "/nonexistent"})
    assert doc["go"] is None
    assert doc["settings"]["GOPROXY"]["value"] == "https://proxy.golang.org,direct"
    assert doc["settings"]["GOPROXY"]["source"] == "default"


def test_mirrors_add_list_remove_keeps_comments() -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "goaccel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "# my notes\n[mirrors]\n# the team's Athens\nathens = 'https://athens.corp.example.com'\n"
    )
    proc = goaccel("mirrors", "add", "https://u:tok@goproxy.corp.example.com/", "--name", "corp")
    assert proc.returncode == 0, proc.stderr
    assert "u:***@" in proc.stdout and "tok" not in proc.stdout
    assert goaccel("mirrors", "remove", "corp").returncode == 0
    proc, added = run_json(
        "mirrors", "add", "https://u:tok@goproxy.corp.example.com/", "--name", "corp",
        schema="mirrors-edit",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (added["command"], added["name"], added["url"]) == (
        "mirrors add",
        "corp",
        "https://u:***@goproxy.corp.example.com",
    )
    assert added["config_file"] == str(config)
    text = config.read_text()
    assert text.startswith(
        "# my notes\n[mirrors]\n# the team's Athens\nathens = 'https://athens.corp.example.com'\n"
    )
    assert 'corp = "https://u:tok@goproxy.corp.example.com"' in text

    _, listed = run_json("mirrors", "list", schema="mirrors-list")
    assert [(m["name"], m["url"], m["origin"]) for m in listed["mirrors"]] == [
        ("athens", "https://athens.corp.example.com", "config"),
        ("corp", "https://u:***@goproxy.corp.example.com", "config"),
    ]
    dup = goaccel("mirrors", "add", "https://athens.corp.example.com")
    assert dup.returncode == 2 and "already configured as 'athens'" in dup.stderr
    _, dup_doc = run_json(
        "mirrors", "add", "https://athens.corp.example.com", schema="mirrors-edit"
    )
    assert dup_doc["ok"] is False and dup_doc["command"] == "mirrors add"
    assert "already configured as 'athens'" in dup_doc["error"]["message"]

    proc, removed = run_json("mirrors", "remove", "corp", schema="mirrors-edit")
    assert proc.returncode == 0, proc.stderr
    assert (removed["command"], removed["name"]) == ("mirrors remove", "corp")
    assert (
        config.read_text()
        == "# my notes\n[mirrors]\n# the team's Athens\nathens = 'https://athens.corp.example.com'\n"
    )
    missing = goaccel("mirrors", "remove", "nope")
    assert missing.returncode == 2 and "no configured mirror named 'nope'" in missing.stderr
    _, missing_doc = run_json("mirrors", "remove", "nope", schema="mirrors-edit")
    assert missing_doc["error"]["exit_code"] == 2 and missing_doc["command"] == "mirrors remove"


def test_configured_mirrors_are_measured_by_setup(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", MODS)
    with MirrorSim(MODS) as good:
        assert goaccel("mirrors", "add", good.url, "--name", "mine").returncode == 0
        proc, doc = run_json(
            "setup", "--no-builtin", *run_args(project), "--dry-run", schema="setup"
        )
    assert [(m["name"], m["origin"]) for m in doc["mirrors"]] == [("mine", "config")]
    assert "plain http" not in proc.stderr  # loopback http is fine


def test_version_and_module_entry_point() -> None:
    from goaccel import __version__

    assert goaccel("--version").stdout == f"goaccel {__version__}\n"
    assert goaccel("-V").stdout == f"goaccel {__version__}\n"


def test_credentials_without_a_scheme_are_masked_too(tmp_path: Path) -> None:
    """go accepts `user:pass@host` in GOPROXY (it adds https://): mask that form as well."""
    go_env_file().parent.mkdir(parents=True)
    go_env_file().write_text("GOPROXY=alice:s3cret@goproxy.corp.example.com,direct\n")
    env = {"HTTPS_PROXY": "bob:hunter2@proxy.corp:3128"}
    for proc in (goaccel("status", env=env), run_json("status", schema="status", env=env)[0]):
        assert proc.returncode == 0, proc.stderr
        assert "s3cret" not in proc.stdout + proc.stderr
        assert "hunter2" not in proc.stdout + proc.stderr
        assert "alice:***@goproxy.corp.example.com" in proc.stdout


def test_catalog_text_has_control_characters_removed(tmp_path: Path) -> None:
    """docs/json.md: text that came from a file has control characters removed."""
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(
        '[[mirrors]]\nname = "x"\nurl = "https://x.example"\nnotes = "a\\u001b[31mred"\n'
        '[[sumdbs]]\nname = "s\\u0007"\nurl = "https://s.example"\n'
    )
    env = {"GOACCEL_CATALOG": str(catalog)}
    text = goaccel("mirrors", "list", env=env)
    _, doc = run_json("mirrors", "list", schema="mirrors-list", env=env)
    assert "\x1b" not in text.stdout and "\x07" not in text.stdout
    assert "\x1b" not in doc["mirrors"][0]["notes"]
    assert "\x07" not in doc["sumdbs"][0]["name"]

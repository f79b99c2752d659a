"""config.toml: the user's extra mirrors, edited in place with their comments kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from goaccel import paths
from goaccel.errors import ConfigFileError, ExitCode, InputError, WriteError
from goaccel.measure import userconfig as config
from goaccel.measure.catalog import CatalogMirror
from goaccel.measure.userconfig import (
    ConfigMirror,
    add_mirror,
    config_catalog_mirrors,
    read_mirrors,
    remove_mirror,
)

COMMENTED = (
    "# My goaccel settings -- hand written, keep these comments!\n"
    "\n"
    "[mirrors]\n"
    "# the company mirror (Athens)\n"
    'corp = "https://athens.corp.example/go"  # VPN only\n'
    "\n"
    "# something goaccel does not know\n"
    "[extra]\n"
    "answer = 42 # trailing\n"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "cfg" / "config.toml"


# --------------------------------------------------------------------------- reading


def test_missing_file_has_no_mirrors(cfg: Path) -> None:
    assert read_mirrors(cfg) == []
    assert config_catalog_mirrors(cfg) == []
    assert not cfg.exists()


def test_default_path_is_under_goaccel_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOACCEL_CONFIG_DIR", str(tmp_path / "conf"))
    add_mirror("https://m.example")
    assert paths.config_file() == tmp_path / "conf" / "config.toml"
    assert read_mirrors() == [ConfigMirror("m.example", "https://m.example")]


def test_default_path_follows_xdg(isolated_env: Path) -> None:
    add_mirror("https://m.example", name="m")
    assert (isolated_env / ".config" / "goaccel" / "config.toml").is_file()


def test_read_in_file_order(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(
        '[mirrors]\nzeta = "https://z.example"\nalpha = "a.example/go/"\n', encoding="utf-8"
    )
    assert read_mirrors(cfg) == [
        ConfigMirror("zeta", "https://z.example"),
        ConfigMirror("alpha", "a.example/go/"),
    ]
    # as catalog entries the URLs are normalised
    assert config_catalog_mirrors(cfg) == [
        CatalogMirror("zeta", "https://z.example", "from your config.toml", origin="config"),
        CatalogMirror("alpha", "https://a.example/go", "from your config.toml", origin="config"),
    ]


def test_inline_table_is_read(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('mirrors = { a = "https://a.example" }\n', encoding="utf-8")
    assert read_mirrors(cfg) == [ConfigMirror("a", "https://a.example")]


def test_invalid_url_in_file_is_a_config_error(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('[mirrors]\nbad = "ftp://x.example"\n', encoding="utf-8")
    with pytest.raises(ConfigFileError) as info:
        config_catalog_mirrors(cfg)
    assert info.value.message.startswith(f"{cfg}: mirrors.bad: unsupported mirror URL")
    assert info.value.exit_code == ExitCode.CONFIG


@pytest.mark.parametrize(
    "text",
    [
        "[mirrors\n",
        '[mirrors]\na = "unterminated\n',
        '[mirrors]\na = "x"\na = "y"\n',
        "= 3\n",
    ],
)
def test_malformed_toml(cfg: Path, text: str) -> None:
    cfg.parent.mkdir()
    cfg.write_text(text, encoding="utf-8")
    for call in (
        lambda: read_mirrors(cfg),
        lambda: add_mirror("https://m.example", path=cfg),
        lambda: remove_mirror("a", path=cfg),
    ):
        with pytest.raises(ConfigFileError) as info:
            call()
        assert info.value.message.startswith(f"malformed config file {cfg}: ")
        assert info.value.hint == "fix the file or move it away"
    assert cfg.read_text(encoding="utf-8") == text  # never rewritten


def test_not_utf8(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_bytes(b'[mirrors]\na = "https://\xff.example"\n')
    with pytest.raises(ConfigFileError, match="is not UTF-8 text"):
        read_mirrors(cfg)


@pytest.mark.parametrize(
    "text",
    ['mirrors = "https://m.example"\n', 'mirrors = ["https://m.example"]\n', "mirrors = 1\n"],
)
def test_mirrors_not_a_table(cfg: Path, text: str) -> None:
    cfg.parent.mkdir()
    cfg.write_text(text, encoding="utf-8")
    expected = f"malformed config file {cfg}: 'mirrors' must be a table of name = URL"
    with pytest.raises(ConfigFileError) as info:
        read_mirrors(cfg)
    assert info.value.message == expected
    with pytest.raises(ConfigFileError) as info:
        add_mirror("https://m.example", path=cfg)
    assert info.value.message == expected
    assert cfg.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "value", ["1", "true", '["https://a.example"]', '{ url = "https://a.example" }']
)
def test_non_string_value(cfg: Path, value: str) -> None:
    cfg.parent.mkdir()
    cfg.write_text(f'[mirrors]\nok = "https://ok.example"\nodd = {value}\n', encoding="utf-8")
    with pytest.raises(ConfigFileError) as info:
        read_mirrors(cfg)
    assert info.value.message == (f"malformed config file {cfg}: mirrors.odd must be a URL string")


def test_config_path_is_a_directory(cfg: Path) -> None:
    cfg.mkdir(parents=True)
    with pytest.raises(WriteError, match="is a directory"):
        read_mirrors(cfg)


# --------------------------------------------------------------------------- add


def test_add_creates_file_with_header_and_mode_0600(cfg: Path) -> None:
    added = add_mirror("https://Athens.Corp.example/go/", path=cfg)
    assert added == ConfigMirror("athens.corp.example", "https://athens.corp.example/go")
    assert cfg.read_bytes() == (
        config._HEADER.encode() + b'\n[mirrors]\n"athens.corp.example" = '
        b'"https://athens.corp.example/go"\n'
    )
    assert mode(cfg) == 0o600
    assert read_mirrors(cfg) == [added]


def test_add_keeps_comments_byte_for_byte(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(COMMENTED, encoding="utf-8")
    added = add_mirror("goproxy.example/x", name="gp", path=cfg)
    assert added == ConfigMirror("gp", "https://goproxy.example/x")
    # the new entry goes right after the last one, not after the comment of [extra]
    assert cfg.read_text(encoding="utf-8") == COMMENTED.replace(
        "# VPN only\n", '# VPN only\ngp = "https://goproxy.example/x"\n'
    )
    assert read_mirrors(cfg) == [
        ConfigMirror("corp", "https://athens.corp.example/go"),
        ConfigMirror("gp", "https://goproxy.example/x"),
    ]


def test_add_then_remove_restores_bytes(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(COMMENTED, encoding="utf-8")
    add_mirror("https://gp.example", name="gp", path=cfg)
    assert remove_mirror("gp", path=cfg) == ConfigMirror("gp", "https://gp.example")
    assert cfg.read_text(encoding="utf-8") == COMMENTED


def test_add_to_file_without_mirrors_table(cfg: Path) -> None:
    cfg.parent.mkdir()
    original = "# only a comment\n[extra]\nanswer = 42\n"
    cfg.write_text(original, encoding="utf-8")
    add_mirror("https://m.example", name="m", path=cfg)
    text = cfg.read_text(encoding="utf-8")
    assert text.startswith(original)
    assert text[len(original) :].strip() == '[mirrors]\nm = "https://m.example"'


def test_add_to_table_ending_in_comments_and_followed_by_sub_table(cfg: Path) -> None:
    cfg.parent.mkdir()
    original = '[mirrors]\na = "https://a.example"\n\n# about b\n[mirrors.sub]\nx = 1\n'
    cfg.write_text(original, encoding="utf-8")
    add_mirror("https://b.example", name="b", path=cfg)
    assert cfg.read_text(encoding="utf-8") == original.replace(
        'a = "https://a.example"\n', 'a = "https://a.example"\nb = "https://b.example"\n'
    )


def test_add_to_inline_table(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('mirrors = { a = "https://a.example" }\n', encoding="utf-8")
    add_mirror("https://b.example", name="b", path=cfg)
    assert [m.name for m in read_mirrors(cfg)] == ["a", "b"]


def test_add_keeps_existing_mode(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(COMMENTED, encoding="utf-8")
    os.chmod(cfg, 0o640)
    add_mirror("https://m.example", path=cfg)
    assert mode(cfg) == 0o640
    remove_mirror("m.example", path=cfg)
    assert mode(cfg) == 0o640


def test_add_duplicate_name(cfg: Path) -> None:
    add_mirror("https://a.example", name="corp", path=cfg)
    before = cfg.read_bytes()
    with pytest.raises(InputError) as info:
        add_mirror("https://b.example", name="corp", path=cfg)
    assert info.value.message == ("a mirror named 'corp' is already configured (https://a.example)")
    assert info.value.hint == "remove it first or pick another --name"
    assert cfg.read_bytes() == before


@pytest.mark.parametrize(
    "again",
    ["https://a.example/go", "https://A.EXAMPLE/go/", "a.example/go", "HTTPS://a.example/go"],
)
def test_add_duplicate_url(cfg: Path, again: str) -> None:
    add_mirror("https://a.example/go", name="first", path=cfg)
    before = cfg.read_bytes()
    with pytest.raises(InputError) as info:
        add_mirror(again, name="second", path=cfg)
    assert info.value.message == "https://a.example/go is already configured as 'first'"
    assert cfg.read_bytes() == before


def test_add_duplicate_of_hand_written_bare_url(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('[mirrors]\nfirst = "A.example/go/"\n', encoding="utf-8")
    with pytest.raises(InputError, match="already configured as 'first'"):
        add_mirror("https://a.example/go", name="second", path=cfg)


def test_same_host_other_path_is_not_a_duplicate(cfg: Path) -> None:
    add_mirror("https://a.example/go", name="one", path=cfg)
    add_mirror("https://a.example/Go", name="two", path=cfg)  # path case matters
    assert [m.url for m in read_mirrors(cfg)] == ["https://a.example/go", "https://a.example/Go"]


def test_add_duplicate_url_masks_credentials(cfg: Path) -> None:
    add_mirror("https://u:secret@a.example", name="a", path=cfg)
    with pytest.raises(InputError) as info:
        add_mirror("https://u:secret@a.example", name="b", path=cfg)
    assert "secret" not in info.value.message
    assert "https://u:***@a.example" in info.value.message
    # the credential itself is kept in the file: go needs it
    assert read_mirrors(cfg) == [ConfigMirror("a", "https://u:secret@a.example")]


@pytest.mark.parametrize("url", ["notaurl", "ftp://m.example", "https://m.example,direct"])
def test_add_invalid_url_writes_nothing(cfg: Path, url: str) -> None:
    with pytest.raises(InputError):
        add_mirror(url, path=cfg)
    assert not cfg.exists()


@pytest.mark.parametrize("name", ["   ", "a\nb", "tab\there", "cr\r"])
def test_add_bad_name(cfg: Path, name: str) -> None:
    with pytest.raises(InputError, match="a mirror name must be a non-empty single line"):
        add_mirror("https://m.example", name=name, path=cfg)
    assert not cfg.exists()


def test_name_with_dots_and_quotes_round_trips(cfg: Path) -> None:
    add_mirror("https://m.example", name='we"ird.name [x]', path=cfg)
    assert read_mirrors(cfg) == [ConfigMirror('we"ird.name [x]', "https://m.example")]


def test_add_refuses_symlinked_config(cfg: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text(COMMENTED, encoding="utf-8")
    cfg.parent.mkdir()
    cfg.symlink_to(real)
    with pytest.raises(WriteError, match="symbolic link"):
        add_mirror("https://m.example", path=cfg)
    assert real.read_text(encoding="utf-8") == COMMENTED
    assert cfg.is_symlink()


# --------------------------------------------------------------------------- remove


def test_remove_by_name_keeps_other_comments(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(COMMENTED, encoding="utf-8")
    assert remove_mirror("corp", path=cfg) == ConfigMirror("corp", "https://athens.corp.example/go")
    # only the entry's own line (with its trailing comment) goes
    assert cfg.read_text(encoding="utf-8") == COMMENTED.replace(
        'corp = "https://athens.corp.example/go"  # VPN only\n', ""
    )
    assert read_mirrors(cfg) == []


@pytest.mark.parametrize(
    "given",
    [
        "https://athens.corp.example/go",
        "https://athens.corp.example/go/",
        "HTTPS://Athens.Corp.example/go",
        "athens.corp.example/go",
    ],
)
def test_remove_by_url(cfg: Path, given: str) -> None:
    cfg.parent.mkdir()
    cfg.write_text(COMMENTED, encoding="utf-8")
    assert remove_mirror(given, path=cfg).name == "corp"
    assert "corp" not in {m.name for m in read_mirrors(cfg)}


def test_remove_unknown(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text(COMMENTED, encoding="utf-8")
    with pytest.raises(InputError) as info:
        remove_mirror("nope", path=cfg)
    assert info.value.message == "no configured mirror named 'nope'"
    assert info.value.hint is not None and "goaccel mirrors list" in info.value.hint
    assert cfg.read_text(encoding="utf-8") == COMMENTED


def test_remove_without_file(cfg: Path) -> None:
    with pytest.raises(InputError, match="no configured mirror named 'x'"):
        remove_mirror("x", path=cfg)
    assert not cfg.exists()


def test_remove_only_the_named_one(cfg: Path) -> None:
    add_mirror("https://a.example", name="a", path=cfg)
    add_mirror("https://b.example", name="b", path=cfg)
    add_mirror("https://c.example", name="c", path=cfg)
    remove_mirror("b", path=cfg)
    assert read_mirrors(cfg) == [
        ConfigMirror("a", "https://a.example"),
        ConfigMirror("c", "https://c.example"),
    ]
    assert mode(cfg) == 0o600


def test_add_keeps_crlf_line_endings(cfg: Path) -> None:
    cfg.parent.mkdir()
    original = '[mirrors]\r\na = "https://a.example"\r\n\r\n# next\r\n[extra]\r\nx = 1\r\n'
    cfg.write_bytes(original.encode())
    add_mirror("https://b.example", name="b", path=cfg)
    assert cfg.read_bytes().decode() == original.replace(
        'a = "https://a.example"\r\n', 'a = "https://a.example"\r\nb = "https://b.example"\r\n'
    )


def test_add_quotes_a_key_toml_needs_quoted(cfg: Path) -> None:
    cfg.parent.mkdir()
    cfg.write_text('[mirrors]\na = "https://a.example"\n\n# c\n[extra]\n', encoding="utf-8")
    add_mirror("https://b.example", name="my mirror", path=cfg)
    assert '"my mirror" = "https://b.example"\n\n# c\n[extra]' in cfg.read_text()
    assert [m.name for m in read_mirrors(cfg)] == ["a", "my mirror"]


def test_add_after_a_header_with_a_comment_and_a_multiline_value(cfg: Path) -> None:
    """A table goaccel cannot place the line in by text still gets the entry, every old byte
    kept: the new text is checked by parsing it again."""
    cfg.parent.mkdir()
    original = '[mirrors] # mine\na = """https://a.example"""\n# tail\n[extra]\n'
    cfg.write_text(original, encoding="utf-8")
    add_mirror("https://b.example", name="b", path=cfg)
    text = cfg.read_text(encoding="utf-8")
    assert text == original.replace('"""\n', '"""\nb = "https://b.example"\n')
    assert [m.name for m in read_mirrors(cfg)] == ["a", "b"]


def test_config_uses_no_private_tomlkit_api() -> None:
    """A private tomlkit method changed behaviour between releases once (issue 8)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(config))
    private = [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]
    assert private == []


def test_add_and_remove_refuse_while_another_holds_the_lock(cfg: Path) -> None:
    """Another `mirrors add` or `remove` holds the file's lock: this one fails at once (exit
    6) and the file keeps every byte; without the lock both would rewrite it from the same
    old text, and one entry would be lost."""
    from goaccel.errors import LockedError
    from goaccel.fsutil import exclusive_lock

    add_mirror("https://a.example", name="a", path=cfg)
    before = cfg.read_bytes()
    with exclusive_lock(config.lock_path(cfg), "test"):
        with pytest.raises(LockedError) as info:
            add_mirror("https://b.example", name="b", path=cfg)
        assert info.value.exit_code == ExitCode.LOCKED
        assert "mirrors add or remove" in info.value.message
        with pytest.raises(LockedError):
            remove_mirror("a", path=cfg)
        assert cfg.read_bytes() == before
    add_mirror("https://b.example", name="b", path=cfg)  # the lock is gone with its holder
    assert [m.name for m in read_mirrors(cfg)] == ["a", "b"]

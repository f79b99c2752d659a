"""The built-in catalog of public Go module mirrors and checksum databases: plain data.

GOACCEL_CATALOG may name a TOML file that replaces it (tests use this so nothing ever reaches
a public host; platform teams can pin their own list).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goaccel.errors import ConfigFileError
from goaccel.textsafe import strip_control


@dataclass(frozen=True)
class CatalogMirror:
    name: str
    url: str
    notes: str = ""
    sumdb_proxy: bool = False  # documented to serve /sumdb/sum.golang.org/ (checked live anyway)
    region: str = "global"
    origin: str = "catalog"  # catalog | config | command line


@dataclass(frozen=True)
class SumDB:
    """A checksum database goaccel may point GOSUMDB at, with the URL used to check reachability."""

    name: str  # the GOSUMDB value
    url: str  # where `<url>/latest` answers when it is reachable
    notes: str = ""


@dataclass(frozen=True)
class Catalog:
    mirrors: tuple[CatalogMirror, ...]
    sumdbs: tuple[SumDB, ...] = field(default=())

    def sumdb(self, name: str) -> SumDB | None:
        return next((s for s in self.sumdbs if s.name == name), None)


BUILTIN = Catalog(
    mirrors=(
        CatalogMirror(
            "proxy.golang.org",
            "https://proxy.golang.org",
            "Google's default mirror; serves sum.golang.org",
            sumdb_proxy=True,
        ),
        CatalogMirror(
            "goproxy.cn",
            "https://goproxy.cn",
            "Qiniu, mainland China; proxies sum.golang.org",
            sumdb_proxy=True,
            region="cn",
        ),
        CatalogMirror(
            "goproxy.io",
            "https://goproxy.io",
            "community mirror with CDN in China; proxies sum.golang.org",
            sumdb_proxy=True,
            region="cn",
        ),
        CatalogMirror(
            "aliyun",
            "https://mirrors.aliyun.com/goproxy",
            "Alibaba Cloud, mainland China; does not proxy the checksum database",
            region="cn",
        ),
        CatalogMirror(
            "tencent",
            "https://mirrors.cloud.tencent.com/go",
            "Tencent Cloud, mainland China",
            region="cn",
        ),
        CatalogMirror(
            "huaweicloud",
            "https://repo.huaweicloud.com/repository/goproxy",
            "Huawei Cloud, mainland China",
            region="cn",
        ),
    ),
    sumdbs=(
        SumDB("sum.golang.org", "https://sum.golang.org", "Go's checksum database"),
        SumDB(
            "sum.golang.google.cn",
            "https://sum.golang.google.cn",
            "the same database served from Google's China endpoint",
        ),
    ),
)


def load_catalog() -> Catalog:
    path = os.environ.get("GOACCEL_CATALOG")
    if not path:
        return BUILTIN
    return read_catalog_file(Path(path))


def _text(value: Any) -> str:
    """A catalog file is text from outside: its names and notes are shown and written to JSON,
    so control characters and terminal escapes are removed where they are read."""
    return strip_control(str(value))


def read_catalog_file(path: Path) -> Catalog:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        doc: Any = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except OSError as exc:
        raise ConfigFileError(f"cannot read catalog {path}: {exc.strerror or exc}") from None
    except (TOMLKitError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"malformed catalog {path}: {exc}") from None
    try:
        mirrors = tuple(
            CatalogMirror(
                name=_text(m["name"]),
                url=str(m["url"]),
                notes=_text(m.get("notes", "")),
                sumdb_proxy=bool(m.get("sumdb_proxy", False)),
                region=_text(m.get("region", "global")),
            )
            for m in doc.get("mirrors", [])
        )
        sumdbs = tuple(
            SumDB(name=_text(s["name"]), url=str(s["url"]), notes=_text(s.get("notes", "")))
            for s in doc.get("sumdbs", [])
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigFileError(f"malformed catalog {path}: missing or wrong field {exc}") from None
    return Catalog(mirrors=mirrors, sumdbs=sumdbs)

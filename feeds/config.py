"""The press room's configuration (data/site.toml), read at the edges and passed inward."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SITE = Path(__file__).resolve().parent.parent / "data" / "site.toml"


class ConfigError(Exception):
    """The configuration file is missing or wrong."""


@dataclass
class Site:
    title: str = "Salle de presse"
    description: str = ""
    base_url: str = ""  # filled by `feeds serve` from its host and port when not configured
    language: str = "fr"
    timezone: str = "Europe/Paris"
    feed_size: int = 50
    publisher: dict = field(default_factory=lambda: {"name": "Salle de presse", "url": None, "logo": None})
    licence: dict = field(default_factory=lambda: {"name": "Licence Ouverte 2.0",
                                                   "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"})
    websub_hub: str = ""  # a WebSub hub: feeds name it (rel="hub") and it is pinged on each publication

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def absolute(self, path: str | None) -> str | None:
        """An absolute URL for a site path (logos and pages are configured relative to the site)."""
        if not path:
            return None
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def load_site(path: str | Path | None = None, base_url: str | None = None) -> Site:
    path = Path(path) if path else DEFAULT_SITE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"fichier de configuration introuvable : {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} : {exc}") from None
    section = data.get("site", {})
    site = Site(
        title=section.get("title", Site.title),
        description=section.get("description", ""),
        base_url=(base_url or section.get("base_url") or "").rstrip("/"),
        language=section.get("language", "fr"),
        timezone=section.get("timezone", "Europe/Paris"),
        feed_size=int(section.get("feed_size", 50)),
    )
    if "publisher" in data:
        site.publisher = {"name": data["publisher"]["name"], "url": data["publisher"].get("url"),
                          "logo": data["publisher"].get("logo")}
    site.websub_hub = str(data.get("websub", {}).get("hub") or "").strip()
    if "licence" in data:
        site.licence = {"name": data["licence"]["name"], "url": data["licence"].get("url")}
    try:
        ZoneInfo(site.timezone)
    except Exception as exc:  # ZoneInfo raises several types for a bad key
        raise ConfigError(f"fuseau horaire inconnu : {site.timezone}") from exc
    return site

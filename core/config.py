"""Settings read from the environment (prefix ``STUDIO_``).

Every setting has a working default so ``python main.py`` runs on a fresh machine: a SQLite file and
local storage under ``./data``, the built-in renderer, password auth. Provider keys keep the names
their own tools use (``FAL_KEY``, ``REPLICATE_API_TOKEN``, ...), so a self-hoster sets them once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All runtime configuration; construct directly in tests to override fields."""

    model_config = SettingsConfigDict(env_prefix="STUDIO_", extra="ignore")

    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = ""  # empty -> sqlite:///{data_dir}/studio.db
    storage: Literal["local", "s3"] = "local"
    secret_key: str = ""  # empty -> generated once and kept in {data_dir}/secret_key
    auth: Literal["password", "none"] = "password"
    # STUDIO_AUTH=none serves everyone as the admin: refused on a non-loopback host unless this is set
    allow_open_access: bool = False
    # addresses of reverse proxies whose X-Forwarded-For/-Proto headers are believed (uvicorn's setting):
    # behind such a proxy the studio sees https, and its session cookie is Secure
    forwarded_allow_ips: str = "127.0.0.1"
    reconnect_timeout: float = 15.0
    # anyone who reaches the sign-in page may create an account ("Create an account"); off: only admins
    # add people (the admin page, an invite link, or python main.py create-user)
    open_signup: bool = False
    invite_expiry_s: int = 7 * 24 * 3600  # how long an admin's invite link works (once)

    s3_endpoint_url: str = ""
    s3_bucket: str = "character-studio"
    s3_region: str = "us-east-1"
    s3_create_bucket: bool = True

    max_upload_bytes: int = 20 * 1024 * 1024
    export_hold_bytes: int = 64 * 1024 * 1024  # a card export past this many image bytes streams them
    max_restore_bytes: int = 16 * 1024**3  # the largest backup POST /api/v1/admin/restore accepts (streamed to disk)
    max_image_pixels: int = 40_000_000
    max_image_edge: int = 12_000
    reference_max_edge: int = 2048
    signed_url_expiry_s: int = 31_536_000  # one year, as in the seed

    autosave_delay_s: float = 2.0
    max_jobs_per_user: int = 2
    max_jobs_total: int = 8
    job_heartbeat_s: float = 5.0  # active jobs beat this often; one silent for twice as long is failed
    provider_timeout_s: float = 120.0

    fal_key: str = Field(default="", validation_alias=AliasChoices("FAL_KEY", "STUDIO_FAL_KEY"))
    replicate_api_token: str = Field(
        default="", validation_alias=AliasChoices("REPLICATE_API_TOKEN", "STUDIO_REPLICATE_API_TOKEN")
    )
    openai_api_key: str = Field(default="", validation_alias=AliasChoices("OPENAI_API_KEY", "STUDIO_OPENAI_API_KEY"))
    openai_base_url: str = Field(
        default="https://api.openai.com/v1",
        validation_alias=AliasChoices("OPENAI_BASE_URL", "STUDIO_OPENAI_BASE_URL"),
    )
    a1111_url: str = Field(default="", validation_alias=AliasChoices("A1111_URL", "STUDIO_A1111_URL"))
    comfyui_url: str = Field(default="", validation_alias=AliasChoices("COMFYUI_URL", "STUDIO_COMFYUI_URL"))

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the SQLite file under the data dir."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'studio.db').as_posix()}"

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated on first start and kept beside the data."""
        if self.secret_key:
            return self.secret_key
        return read_or_create_secret(self.data_dir / "secret_key")


class UnsafeConfiguration(RuntimeError):
    """Settings the studio refuses to serve with; the message says why and what to set."""


def check_serving(settings: Settings) -> None:
    """Refuse to serve ``STUDIO_AUTH=none`` beyond this machine, where anyone who can reach the port
    would be the admin (and could take an API token from /account), unless explicitly opted in."""
    if settings.auth != "none" or settings.allow_open_access or is_loopback(settings.host):
        return
    raise UnsafeConfiguration(
        f"STUDIO_AUTH=none with STUDIO_HOST={settings.host}: everyone who can reach this address would be "
        "signed in as the admin. Use STUDIO_AUTH=password, serve on 127.0.0.1, or set "
        "STUDIO_ALLOW_OPEN_ACCESS=true if this network really is private to you.")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def read_or_create_secret(path: Path) -> str:
    """The secret in ``path``, created on first use; processes starting together agree on one.

    The key is written whole to a uniquely named file (0600) and then *linked* to ``path``: the link
    fails if another process got there first, and then that process's key is read back. A reader
    never sees a half-written file, and two first starts never end up with two keys.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)  # created 0600, O_EXCL
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path} is empty: delete it to have a new secret generated, or set STUDIO_SECRET_KEY")
    return key


def normalise_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

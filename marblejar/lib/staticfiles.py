"""Static files: collected once into the data folder, compressed, served before Django.

`marblejar serve` collects the files at start-up when they changed since the
last collection (:func:`collect_if_changed`): each gets a content hash in its
name and gzip and Brotli copies beside it. The ASGI application then serves
them itself (:func:`wrap`), ahead of Django's middleware, with a year of
caching for the hashed names. Without a collection (tests, `manage.py`
shell work) the files are served straight from the package, unhashed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

MANIFEST = "staticfiles.json"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
PLAIN_STORAGE = "marblejar.lib.staticfiles.PackageFiles"
# Collects (hashes, compresses); SERVED_STORAGE gives the collected files' addresses.
HASHED_STORAGE = "servestatic.storage.CompressedManifestStaticFilesStorage"
SERVED_STORAGE = "marblejar.lib.staticfiles.CollectedFiles"
# Set by `marblejar serve` once the files are collected, for its web processes.
SERVED_COLLECTED = "MARBLEJAR_STATIC_COLLECTED"
STAMP = ".marblejar-sources"
ONE_YEAR = 365 * 24 * 60 * 60
# ServeStatic's list (images, archives, fonts, video) and source maps.
SKIP_COMPRESS = (
    *[
        "jpg",
        "jpeg",
        "png",
        "gif",
        "webp",
        "jxl",
        "avif",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "tbz",
        "xz",
        "br",
        "zstd",
        "swf",
        "flv",
    ],
    *[
        "woff",
        "woff2",
        "3gp",
        "3gpp",
        "asf",
        "avi",
        "m4v",
        "mov",
        "mp4",
        "mpeg",
        "mpg",
        "webm",
        "wmv",
        "map",
    ],
)
# Set in the collecting process, so that it uses the hashing storage even
# though no manifest exists yet.
COLLECTING = "MARBLEJAR_COLLECTING_STATIC"


class _KeptAddresses:
    """``url(name)`` worked out once per name: every page links the same dozen files.

    The address of a name depends on the storage's base URL, ``DEBUG`` (the
    hashed name or not) and, for the collected files, the manifest read
    when the storage was made; the first two are part of the key.
    """

    LIMIT = 4096

    def url(self, name: str, force: bool = False) -> str:
        if force:
            return super().url(name, force)  # type: ignore[misc]
        key = (name, self.base_url, settings.DEBUG)  # type: ignore[attr-defined]
        kept = self.__dict__.setdefault("_kept_addresses", {})
        found = kept.get(key)
        if found is None:
            if len(kept) >= self.LIMIT:
                kept.clear()
            found = kept[key] = super().url(name)  # type: ignore[misc]
        return found


def _storage_classes() -> tuple[type, type]:
    from django.contrib.staticfiles.storage import StaticFilesStorage
    from servestatic.storage import CompressedManifestStaticFilesStorage

    class PackageFiles(_KeptAddresses, StaticFilesStorage):
        """The package's files, unhashed (tests, a checkout run without ``serve``)."""

    class CollectedFiles(_KeptAddresses, CompressedManifestStaticFilesStorage):
        """The files ``serve`` collected: hashed names from the manifest."""

    for cls in (PackageFiles, CollectedFiles):
        cls.__module__, cls.__qualname__ = __name__, cls.__name__
    return PackageFiles, CollectedFiles


def __getattr__(name: str) -> Any:
    # Made on first use: this module is read by the settings, before Django is set up.
    if name in ("PackageFiles", "CollectedFiles"):
        package, collected = _storage_classes()
        globals().update(PackageFiles=package, CollectedFiles=collected)
        return globals()[name]
    raise AttributeError(name)


def is_collected(static_root: Path) -> bool:
    return (static_root / MANIFEST).exists()


def configure(config: Any, *, collected: bool) -> None:
    """Point ``config`` (the settings module's names, or ``django.conf.settings``)
    at the collected files, or at the package's files through WhiteNoise."""
    get = config.get if isinstance(config, dict) else lambda name: getattr(config, name)
    set_ = config.__setitem__ if isinstance(config, dict) else lambda n, v: setattr(config, n, v)
    storages = dict(get("STORAGES"))
    storages["staticfiles"] = {"BACKEND": SERVED_STORAGE if collected else PLAIN_STORAGE}
    middleware = [m for m in get("MIDDLEWARE") if m != WHITENOISE]
    if not collected:
        security = "django.middleware.security.SecurityMiddleware"
        at = middleware.index(security) + 1 if security in middleware else 0
        middleware.insert(at, WHITENOISE)  # right after SecurityMiddleware
    set_("STORAGES", storages)
    set_("MIDDLEWARE", middleware)
    set_("STATIC_COLLECTED", collected)
    # WhiteNoise would look for (and warn about) a folder that is not there yet.
    set_("STATIC_ROOT", get("STATIC_COLLECT_ROOT") if collected else None)


def sources_fingerprint() -> str:
    """A digest of every source file's path, size and time: cheap, no file is read."""
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_if_changed(static_root: Path) -> bool:
    """Collect and compress the static files unless the last collection is current.

    Under an exclusive lock on the folder: two `marblejar serve` starting at
    once on one data folder collect once, and never clear the files the
    other is writing.
    """
    static_root.mkdir(parents=True, exist_ok=True)
    with (static_root.parent / ".static.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = sources_fingerprint()
        stamp = static_root / STAMP
        if is_collected(static_root) and stamp.exists() and stamp.read_text() == fingerprint:
            return False
        env = {**os.environ, COLLECTING: "1", "MARBLEJAR_STATIC_ROOT": str(static_root)}
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "marblejar", "collectstatic", "--noinput", "--clear", "-v0"],
            env=env,
            check=True,
        )
        stamp.write_text(fingerprint)
        return True


def wrap(application: Any) -> Any:
    """Serve the collected files ahead of ``application``; ``application`` alone if none."""
    from django.conf import settings

    if not settings.STATIC_COLLECTED:
        return application
    from servestatic import ServeStaticASGI

    class Static(ServeStaticASGI):
        FOREVER = ONE_YEAR  # the hashed names never change their content

    return Static(
        application,
        root=settings.STATIC_ROOT,
        prefix=settings.STATIC_URL,
        # Names with a content hash (app.3f9a0c1b2d4e.js) may be kept a year;
        # anything else is checked again after a minute.
        immutable_file_test=r"\.[0-9a-f]{12}\.\w+$",
        add_headers_function=_nosniff,
    )


def _nosniff(headers: Any, path: str, url: str) -> None:
    # Django's SecurityMiddleware never sees these responses: say it here.
    headers["X-Content-Type-Options"] = "nosniff"

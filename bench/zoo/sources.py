"""Where a manifest's fp32 ONNX file comes from: a builder, a local file, a URL pinned by
sha256, or a file inside an installed pip package. Every failure names the manifest and the
field and says what to do."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from bench.errors import SpecError, UsageError
from bench.spec import BuilderSource, FileSource, ModelSpec, PackageSource, UrlSource
from bench.zoo.builders import builder_code, get_builder
from bench.zoo.cache import build_key, cache_dir, write_model

DOWNLOAD_TIMEOUT_S = 60.0


class DownloadError(UsageError):
    """A url source could not be fetched, or its bytes do not match the pinned sha256."""


class PackageMissingError(UsageError):
    """A package source whose pip distribution is not installed."""


def build_from_builder(spec: ModelSpec, source: BuilderSource, manifest: Path) -> Path:
    try:
        builder = get_builder(source.builder)
    except SpecError as exc:
        raise SpecError(f"{manifest}: source.builder: {exc}") from None
    key = build_key(source.builder, source.params, builder_code())
    # a folder per build, the file named after the model: a model with external data names
    # its data file inside the .onnx, so the name (and the sha256) must not carry the key
    target = cache_dir() / f"{spec.name}-fp32-{key}" / f"{spec.name}.onnx"
    if not target.exists():  # a 1B model's weights go to external data (write_model)
        write_model(target, builder(source.params))
    return target


def local_file(source: FileSource, manifest: Path) -> Path:
    path = Path(source.file).expanduser()
    path = path if path.is_absolute() else manifest.parent / path
    if not path.is_file():
        raise SpecError(f"{manifest}: source.file: {path} does not exist")
    return path


def _download(url: str, folder: Path) -> tuple[Path, str]:
    """Stream ``url`` into a temporary file in ``folder``; return it and its sha256."""
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out, \
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp), digest.hexdigest()


def fetch_url(source: UrlSource, manifest: Path) -> Path:
    """The cached copy of ``source.url``, downloaded once; refused unless its sha256 matches.
    The cache is content-addressed: the file is named by its hash."""
    folder = cache_dir() / "blobs"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.sha256}.onnx"
    if target.exists():
        return target
    try:
        tmp, actual = _download(source.url, folder)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DownloadError(f"{manifest}: source.url: cannot download {source.url}: {reason}; "
                            "check the address, or put the file in the cache by hand") from None
    if actual != source.sha256:
        tmp.unlink(missing_ok=True)
        raise DownloadError(f"{manifest}: source.sha256: {source.url} downloaded with sha256 "
                            f"{actual}, expected {source.sha256}; refused (not cached)")
    os.replace(tmp, target)
    return target


def package_file(source: PackageSource, manifest: Path) -> Path:
    """The file inside an installed distribution, located without importing the package
    (importing silero-vad would import torch)."""
    hint = f"pip install 'edgebench[{source.extra}]' (or pip install {source.package})"
    try:
        dist = importlib.metadata.distribution(source.package)
    except importlib.metadata.PackageNotFoundError:
        raise PackageMissingError(f"{manifest}: source.package: {source.package!r} is not "
                                  f"installed; {hint}") from None
    path = Path(str(dist.locate_file(source.path)))
    if not path.is_file():
        raise PackageMissingError(
            f"{manifest}: source.path: {source.path} is not in {source.package} "
            f"{dist.version}; {hint}")
    return path


def fp32_file(spec: ModelSpec, manifest: Path) -> Path:
    """The fp32 ONNX file of a suite model, from whichever source its manifest names."""
    source = spec.source
    if isinstance(source, BuilderSource):
        return build_from_builder(spec, source, manifest)
    if isinstance(source, FileSource):
        return local_file(source, manifest)
    if isinstance(source, UrlSource):
        return fetch_url(source, manifest)
    return package_file(source, manifest)


__all__ = ["DownloadError", "PackageMissingError", "fp32_file"]

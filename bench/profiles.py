"""Device profiles: the built-in ones in the shipped ``devices/`` folder, or a user's file."""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

from bench.errors import ProfileNotFoundError, SpecError
from bench.resources import data_dir
from bench.spec import DeviceProfile, load_spec

DEFAULT_PROFILE = "host"


@cache
def _builtins(folder: Path) -> dict[str, tuple[DeviceProfile, Path]]:
    found: dict[str, tuple[DeviceProfile, Path]] = {}
    for path in sorted(folder.glob("*.yaml")):
        profile = load_spec(path, DeviceProfile)
        if profile.name != path.stem:
            raise SpecError(f"{path}: name: {profile.name!r} must match the file name")
        found[profile.name] = (profile, path)
    return found


def builtin_profiles() -> dict[str, tuple[DeviceProfile, Path]]:
    return _builtins(data_dir("devices"))


def list_profiles() -> list[DeviceProfile]:
    return [profile for profile, _ in builtin_profiles().values()]


def load_profile(ref: str) -> tuple[DeviceProfile, str]:
    """A built-in profile by name, or a YAML file by path; returns it and where it came from."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        path = Path(ref)
        if not path.is_file():
            raise ProfileNotFoundError(f"{ref}: no such device profile file")
        return load_spec(path, DeviceProfile), str(path)
    builtins = builtin_profiles()
    if ref not in builtins:
        close = difflib.get_close_matches(ref, list(builtins), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ProfileNotFoundError(
            f"unknown device profile {ref!r}{hint}; see 'edgebench devices list'"
        )
    return builtins[ref][0], "built-in"


def detect_profile() -> str:
    """The built-in profile that fits this host."""
    return DEFAULT_PROFILE

"""Device profiles: the built-in ones in the shipped ``devices/`` folder, or a user's file.

``extends: NAME`` (a profile in the same folder, then a built-in) or ``extends: path.yaml``
(relative to the extending file) takes the parent's fields; every field the child sets
replaces the parent's field as a whole. Chains are followed; a cycle is an error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from bench.errors import ProfileNotFoundError, SpecError, UsageError, did_you_mean
from bench.resources import data_dir
from bench.spec import DeviceProfile
from bench.spec.base import format_validation_error, read_mapping

DEFAULT_PROFILE = "host"


def _parent_path(ref: object, child: Path) -> Path:
    if not isinstance(ref, str) or not ref.strip():
        raise SpecError(f"{child}: extends: expected a profile name or a YAML path")
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        path = Path(ref) if Path(ref).is_absolute() else child.parent / ref
    else:
        sibling = child.parent / f"{ref}.yaml"
        path = sibling if sibling.is_file() else data_dir("devices") / f"{ref}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in data_dir("devices").glob("*.yaml"))
        hint = did_you_mean(ref, names)
        raise SpecError(f"{child}: extends: no profile {ref!r}{hint}; "
                        "give a built-in name or a YAML path")
    return path


def _merged(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, object]:
    """The file's fields over its parents' fields (raw, before validation)."""
    key = path.resolve()
    if key in chain:
        loop = " -> ".join(str(p.name) for p in (*chain, key))
        raise SpecError(f"{chain[0]}: extends: cycle {loop}; remove one 'extends'")
    data = read_mapping(path)
    if "extends" not in data or data["extends"] is None:
        return data
    parent = _merged(_parent_path(data["extends"], path), (*chain, key))
    return {**parent, **data}


def read_profile(path: Path) -> DeviceProfile:
    """Load one profile file, ``extends`` applied; every failure is a ``SpecError``."""
    data = _merged(path)
    try:
        return DeviceProfile.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc, DeviceProfile)) from None


def model_errors(profile: DeviceProfile, path: Path | str) -> list[str]:
    """One message per workload naming a model that is neither in the suite nor a file."""
    return _unknown_models([w.model for w in profile.workloads], path)


def _raw_models(path: Path) -> list[str]:
    """Workload model names of a file that failed validation, where they can be read."""
    try:
        workloads = _merged(path).get("workloads")
    except UsageError:
        return []
    if not isinstance(workloads, list):
        return []
    return [w["model"] if isinstance(w, dict) and isinstance(w.get("model"), str) else ""
            for w in workloads]


def _unknown_models(refs: list[str], path: Path | str) -> list[str]:
    from bench.zoo import suite  # the zoo imports specs; imported late to stay one-way

    known = list(suite())
    errors = []
    for index, ref in enumerate(refs):
        if not ref or ref in known or (ref.endswith(".onnx") and Path(ref).is_file()):
            continue
        hint = did_you_mean(ref, known)
        errors.append(f"{path}: workloads.{index}.model: unknown model {ref!r}{hint}; "
                      "see 'edgebench models list'")
    return errors


def validate_files(paths: list[Path]) -> list[str]:
    """Every error in every file (not just the first); empty when all are valid."""
    errors: list[str] = []
    for path in paths:
        try:
            profile = read_profile(path)
        except UsageError as exc:
            errors.append(str(exc))
            errors += _unknown_models(_raw_models(path), path)
            continue
        errors += model_errors(profile, path)
    return errors


@cache
def _builtins(folder: Path) -> dict[str, tuple[DeviceProfile, Path]]:
    found: dict[str, tuple[DeviceProfile, Path]] = {}
    for path in sorted(folder.glob("*.yaml")):
        profile = read_profile(path)
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
        return read_profile(path), str(path)
    builtins = builtin_profiles()
    if ref not in builtins:
        hint = did_you_mean(ref, builtins)
        raise ProfileNotFoundError(
            f"unknown device profile {ref!r}{hint}; see 'edgebench devices list'"
        )
    return builtins[ref][0], "built-in"


def detect_profile() -> str:
    """The built-in profile that fits this host."""
    return DEFAULT_PROFILE

"""What every spec shares: the frozen, extra-forbidding base and THE YAML loader.

Every file the user writes is a pydantic v2 model derived from :class:`Spec`; a typo is an
error that names the file and the field. Every YAML file edgebench reads (profiles, plans,
criteria, manifests) goes through :func:`read_mapping`, which reads it safely in every
sense: no language-specific tags; at most ``MAX_BYTES`` of UTF-8 text (other bytes are an
error naming the byte offset); nesting at most ``MAX_DEPTH`` deep; at most ``MAX_NODES``
nodes once aliases are expanded (counted while composing, so an alias bomb is refused
before anything is expanded); no key twice in a mapping (YAML requires unique keys, and a
duplicate would silently override the first). Each refusal is one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from bench.errors import SpecError, did_you_mean
from bench.measure.scenarios import get_scenario

Category = Literal["phone", "pc", "wearable", "all-in-one"]
CATEGORIES: tuple[str, ...] = ("phone", "pc", "wearable", "all-in-one")
Precision = Literal["fp32", "fp16", "int8", "int4"]


def _registered(name: str) -> str:
    get_scenario(name)  # ValueError with a did-you-mean hint when no scenario has the name
    return name


# A scenario name: any scenario in the registry (bench.measure.scenarios), built in or not.
ScenarioName = Annotated[str, AfterValidator(_registered)]


class Spec(BaseModel):
    """Base of every file-backed spec: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


S = TypeVar("S", bound=BaseModel)

# Limits that keep reading any file within about a second and a few MB (the hostile cases
# are timed in benchmarks/yaml_limits.py): the built-in files are at most 4 KiB and
# 460 values, nest 5 deep.
MAX_BYTES = 256 << 10
MAX_DEPTH = 64
MAX_NODES = 20_000  # after alias expansion
MAX_PROBLEMS = 4  # validation problems listed one a line; the rest are counted


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: object) -> str:
    """A value as a user wrote it, cut short (a file's value may be huge)."""
    return _clip(repr(value), 60)


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    """``model`` and every model nested in its fields."""
    found: set[type[BaseModel]] = set()
    stack: list[object] = [model]
    while stack:
        kind = stack.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind not in found:
                found.add(kind)
                stack.extend(f.annotation for f in kind.model_fields.values())
        else:
            stack.extend(get_args(kind))
    return found


def _problems(error: ValidationError, tags: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """(field path, error) of each problem. Of a union's branches, the one that got
    furthest is kept (a mapping given for ``int | Threads`` is about the mapping), and at
    one place a wrong value over a wrong kind; union tags (``function-after[...]``, a
    model's class name) are not shown as fields."""
    found = []
    for item in error.errors():
        parts = [str(p) for p in item["loc"]]
        shown = [p for p in parts if "[" not in p and p not in tags]
        found.append((".".join(shown), item))
    paths = [where for where, _ in found]
    kept: dict[str, dict[str, Any]] = {}
    for where, item in found:
        if any(other.startswith(where + ".") for other in paths if where):
            continue
        if where not in kept or (kept[where]["type"].endswith("_type")
                                 and not item["type"].endswith("_type")):
            kept[where] = item
    return list(kept.items())


def format_validation_error(path: Path, error: ValidationError,
                            model: type[BaseModel] | None = None) -> str:
    """One line per problem: ``file: field.path: message``."""
    lines = []
    models = _models(model) if model is not None else set()
    known = sorted({name for m in models for name in m.model_fields})
    for where, item in _problems(error, {m.__name__ for m in models}):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field" + did_you_mean(str(item["loc"][-1]), known)
        elif item["type"] == "literal_error":
            message += f", not {_short(item['input'])}"
        # a whole-file rule (a model validator) has no field; its message says what it is
        lines.append(f"{path}: {where}: {message}" if where else f"{path}: {message}")
    if len(lines) > MAX_PROBLEMS:  # a file wrong everywhere: the first few say enough
        lines[MAX_PROBLEMS:] = [f"{path}: ... and {len(lines) - MAX_PROBLEMS} more problems"]
    return "\n".join(lines)


def load_spec(path: Path, model: type[S]) -> S:
    """Read a YAML file safely and validate it; every failure is a ``SpecError``."""
    data = read_mapping(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc, model)) from None


class _Refused(Exception):
    """A limit of the safe loader was passed; the message says which, where."""


class _Limits(yaml.composer.Composer, yaml.constructor.SafeConstructor,
              yaml.resolver.Resolver):
    """Composing and constructing with limits on depth and expanded size, and unique keys;
    the events come from the parser this is mixed with (see :func:`loader_class`)."""

    def _start(self) -> None:
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0  # nodes composed so far, an alias counting as what it stands for
        self._sizes: dict[str, int] = {}  # anchor -> expanded nodes of its node

    def _add(self, count: int, mark: Any) -> None:
        self._nodes += count
        if self._nodes > MAX_NODES:
            raise _Refused(f"line {mark.line + 1}: more than {MAX_NODES:,} values once "
                           "aliases are expanded (an alias bomb?); write the values out")

    def fetch_flow_collection_start(self, token: Any) -> None:
        # the scanner looks ahead over every open flow level: refuse before that grows
        if self.flow_level >= MAX_DEPTH:
            self._too_deep(self.get_mark())
        super().fetch_flow_collection_start(token)

    def _too_deep(self, mark: Any) -> None:
        raise _Refused(f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels")

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._add(self._sizes.get(event.anchor or "", 0), event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._too_deep(event.start_mark)
        before = self._nodes
        self._add(1, event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if event.anchor is not None:
            self._sizes[event.anchor] = self._nodes - before
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or \
                        not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _Refused(f"line {line}: key {_short(key)} appears twice (lines "
                                   f"{seen[key]} and {line}); YAML keys must be unique")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def loader_class(libyaml: bool = True) -> type:
    """A safe loader class: events from libyaml (some 15 times faster than PyYAML's own
    parser) or from PyYAML's pure-Python parser, composed in Python with the limits."""
    if libyaml:
        from yaml.cyaml import CParser

        class Fast(_Limits, CParser):  # type: ignore[misc]
            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                self._start()
        return Fast

    class Pure(_Limits, yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            self._start()
    return Pure


_Loader = loader_class(libyaml=yaml.__with_libyaml__)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: byte offset {exc.start}: byte 0x{data[exc.start]:02x} is "
                        "not UTF-8; save the file as UTF-8 text") from None


def _yaml_error(path: Path, text: str, exc: yaml.YAMLError) -> SpecError:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return SpecError(f"{path}: line {line}: character U+{exc.character:04X} is not "
                         "allowed in YAML (a binary file?)" if isinstance(exc.character, int)
                         else f"{path}: line {line}: not YAML text")
    mark = getattr(exc, "problem_mark", None)
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    problem = "; ".join(p for p in parts if p) or str(exc).splitlines()[0]
    if "maximum nesting depth" in problem:  # libyaml's own flow limit, met while scanning
        return SpecError(f"{path}: line {mark.line + 1 if mark else 1}: nested deeper than "
                         f"{MAX_DEPTH} levels")
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    if isinstance(exc, yaml.constructor.ConstructorError):
        problem += " (tags such as !!python/object are refused: files are loaded safely)"
    return SpecError(f"{path}: {where}YAML error: {_clip(problem, 200)}")


def parse_yaml(text: str, source: Path | str) -> object:
    """The document of ``text`` read safely (see the module docstring); ``source`` names it
    in errors."""
    where = Path(source)
    try:
        loader = _Loader(text)  # the reader refuses non-printable characters here
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except _Refused as exc:
        raise SpecError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        raise _yaml_error(where, text, exc) from None


def read_mapping(path: Path) -> dict[str, object]:
    """Read a YAML file safely (see the module docstring); it must hold a mapping."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise SpecError(f"{path}: larger than {MAX_BYTES >> 10} KiB; a spec file is a few "
                        "KiB (is this the right file?)")
    document = parse_yaml(_decode(path, data), path)
    if not isinstance(document, dict):
        raise SpecError(f"{path}: expected a mapping of fields at the top level")
    return document

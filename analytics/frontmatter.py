"""The YAML frontmatter of one archive file: split it from the body, load it safely, and say
on which line each top-level key (and each fix/action item) was written.

Loading is safe YAML that keeps dates as text and bounds aliases, so an alias bomb cannot
expand; anything YAML rejects becomes a `FrontmatterError` with a problem code and line.
"""

from __future__ import annotations

from typing import Any

import yaml

ALIAS_EXPANSION_BOUND = 64 * 1024  # characters that aliases of strings may repeat, in all


class _NoAliasLoader(yaml.CSafeLoader):
    """Safe YAML that keeps dates as text (we parse them, with line numbers); for frontmatter
    without a `*`, which therefore holds no alias."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }


class _ArchiveLoader(_NoAliasLoader):
    """The same, and it refuses aliases to collections and bounds aliases to strings, so an
    alias bomb cannot expand (a Python check per node: only used where a `*` is written)."""

    alias_chars = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects and not isinstance(node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases of lists or mappings are not allowed", node.start_mark
            )
        if node in self.constructed_objects:
            self.alias_chars += len(node.value)
            if self.alias_chars > ALIAS_EXPANSION_BOUND:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"YAML aliases expand past {ALIAS_EXPANSION_BOUND:,} characters",
                    node.start_mark,
                )
        return super().construct_object(node, deep)


class FrontmatterError(Exception):
    """Frontmatter that is not a YAML mapping: `code` and `message` for the file's problem."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


def split_frontmatter(text: str) -> tuple[str, str, int] | None:
    """-> (yaml text, body, line of the body's first line); None when there is no closing `---`.

    The caller has checked that `text` starts with a `---` line.
    """
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def load_frontmatter(yaml_text: str) -> tuple[dict[Any, Any], yaml.Node | None]:
    """-> (the mapping, its YAML node for line numbers); raises `FrontmatterError`."""
    loader = (_ArchiveLoader if "*" in yaml_text else _NoAliasLoader)(yaml_text)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else {}
    except yaml.constructor.ConstructorError as exc:
        code = "yaml-alias" if "alias" in str(exc.problem) else "yaml-invalid"
        raise FrontmatterError(code, f"{exc.problem}", _yaml_line(exc)) from exc
    except yaml.MarkedYAMLError as exc:
        started = exc.context_mark.line + 2 if exc.context_mark else None
        where = f" ({exc.context} on line {started})" if exc.context and started else ""
        raise FrontmatterError(
            "yaml-invalid", f"frontmatter is not valid YAML: {exc.problem}{where}", _yaml_line(exc)
        ) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise FrontmatterError("yaml-invalid", f"frontmatter is not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        kind = type(meta).__name__
        raise FrontmatterError(
            "frontmatter-not-mapping", f"frontmatter is a {kind}, expected key: value pairs", 2
        )
    return meta, node


def _yaml_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 2 if mark else None  # +1 for 1-based, +1 for the opening `---`


def key_lines(node: yaml.Node | None) -> dict[str, int]:
    """Top-level key -> 1-based file line; nested items of fix/actions as 'actions.2'."""
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        key = str(key_node.value)
        lines[key] = key_node.start_mark.line + 2
        if isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                lines[f"{key}.{index}"] = item.start_mark.line + 2
        elif isinstance(value_node, yaml.MappingNode):
            lines[f"{key}.0"] = value_node.start_mark.line + 2
    return lines


def repeated_keys(node: yaml.Node | None) -> list[tuple[str, int, int]]:
    """Top-level keys written twice: (key, first line, repeated line)."""
    first: dict[str, int] = {}
    repeats: list[tuple[str, int, int]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 2
            if key in first:
                repeats.append((key, first[key], line))
            else:
                first[key] = line
    return repeats

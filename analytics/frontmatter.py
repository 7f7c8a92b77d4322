"""The YAML frontmatter of one archive file: split it from the body, load it safely, and say
on which line each top-level key (and each fix/action item) was written.

Loading is safe YAML that keeps dates as text and bounds aliases, so an alias bomb cannot
expand; anything YAML rejects becomes a `FrontmatterError` with a problem code and line.

PyYAML (YAML 1.1) is the reference. `read_frontmatter` first tries `yaml_rs` (YAML 1.2, in
Rust, ~10x faster) and keeps its result only where PyYAML is known to give the same one;
anything else, and every error, goes the PyYAML way. Checked against PyYAML (and fuzzed):
- 1.1 plain scalars that 1.2 reads otherwise (yes/on/off, 1:30, 017, 0o17, 1e3, `<<`, `=`):
  a str that PyYAML's resolvers would not keep a str falls back (unless yaml_rs would read
  it plain as an int/bool/null, so it was quoted: `"4"`), any float falls back, and an int
  is kept only if no number with `_` or a leading 0 starts a scalar (yaml_rs reads `_17`,
  `0X1A` as ints). They agree on `.5`, `+1`, `1_000`, `.inf`, `y`/`n`, `NaN`, `~`, `null`.
- Text yaml_rs reads but PyYAML does not, or otherwise: a tag `!x` (yaml_rs drops it),
  anchors and aliases (PyYAML here refuses aliases of lists), so any of `!%&*` starting a
  word falls back (`%` directives: yaml_rs refuses them too); tabs (yaml_rs loads a key
  indented by one); a BOM (kept in the key); CR, NEL, LS, PS (line breaks to PyYAML); control
  characters (PyYAML refuses them); in flow collections `[x:]`, `[:x]`, `[?x]`, `{"a":017}`,
  `[>x]` and keys over lines, so a flow collection must close on its line; a second document
  (yaml_rs returns a list); duplicate keys (yaml_rs refuses them, at any depth); keys over
  1024 characters (both refuse them).
- A block scalar (`|`, `>`) that runs to the end of the text: the text has no final line
  break, which PyYAML keeps out of the value and yaml_rs does not.
Line numbers come from a scan of the lines checked against the loaded mapping (`_key_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

import yaml

from analytics.normalize import yaml_kind

try:
    import yaml_rs
except ImportError:  # the PyYAML path alone gives every result, only slower
    yaml_rs = None  # type: ignore[assignment]

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
    source_text = ""  # the YAML text, set by load_frontmatter: the alias's line is looked up

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects and not isinstance(node, yaml.ScalarNode):
            message, mark = self._alias_use(node.start_mark)
            raise yaml.constructor.ConstructorError(None, None, message, mark)
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

    def _alias_use(self, anchored: yaml.Mark) -> tuple[str, yaml.Mark]:
        """The message, and the line of the alias (`*s`) that repeats the list or mapping
        anchored (`&s`) at `anchored` (the node's own mark is the anchor's line)."""
        rows = self.source_text.split("\n")
        anchor = re.search(r"&([^\s,\[\]{}]+)", rows[anchored.line][anchored.column :] or "")
        anchor = anchor or re.search(r"&([^\s,\[\]{}]+)", rows[anchored.line])
        name = anchor.group(1) if anchor else ""
        use = next(
            (
                n
                for n in range(anchored.line, len(rows))
                if name and re.search(rf"\*{re.escape(name)}(?![^\s,\]}}])", rows[n])
            ),
            anchored.line,
        )
        where = f" (anchored as `&{name}` on line {anchored.line + 2})" if name else ""
        message = (
            f"`*{name}` repeats a list or mapping{where}: YAML aliases of lists or mappings "
            "are not allowed; write the list or mapping out where it is used"
        )
        return message, yaml.Mark("<frontmatter>", 0, use, 0, "", 0)


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
    if isinstance(loader, _ArchiveLoader):
        loader.source_text = yaml_text
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else {}
    except yaml.constructor.ConstructorError as exc:
        code = "yaml-alias" if "alias" in str(exc.problem) else "yaml-invalid"
        raise FrontmatterError(code, _constructor_message(exc), _yaml_line(exc)) from exc
    except yaml.MarkedYAMLError as exc:
        raise FrontmatterError(
            "yaml-invalid",
            f"frontmatter is not valid YAML: {_syntax_message(exc, yaml_text)}",
            _yaml_line(exc),
        ) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        before = yaml_text[: exc.position]
        line = before.count("\n") + 2  # +1 for 1-based, +1 for the opening `---`
        column = exc.position - (before.rfind("\n") + 1) + 1
        raise FrontmatterError(
            "yaml-invalid",
            f"frontmatter is not valid YAML: the character U+{exc.character:04X} at column "
            f"{column} is not allowed ({exc.reason}); remove it",
            line,
        ) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise FrontmatterError("yaml-invalid", f"frontmatter is not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontmatterError(
            "frontmatter-not-mapping",
            f"frontmatter is {yaml_kind(meta)}, expected `key: value` lines",
            2,
        )
    return meta, node


def _constructor_message(exc: yaml.constructor.ConstructorError) -> str:
    """A tag (`!!python/object`, `!custom`) says it is not allowed; other problems as is."""
    if str(exc.problem) == "found unhashable key":
        return "a key is a list or a mapping (`[a]: x`), expected a name: quote it, e.g. '[a]': x"
    tag = _TAG.search(str(exc.problem))
    if tag is None:
        return str(exc.problem)
    name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
    return (
        f"the YAML tag {name} is not allowed: the frontmatter is read as plain YAML (text, "
        "numbers, dates, lists, mappings), without tags; write the value without it"
    )


_TAG = re.compile(r"constructor for the tag '([^']*)'")


def _syntax_message(exc: yaml.MarkedYAMLError, yaml_text: str) -> str:
    """PyYAML's problem, said for the common cases: a tab in the indent, an unclosed `[` or
    `{`; else the problem and what was being parsed where."""
    mark = exc.problem_mark
    if mark is not None:
        rows = yaml_text.split("\n")
        indent = rows[mark.line][: mark.column + 1] if mark.line < len(rows) else ""
        if "\t" in indent and not indent.strip(" \t"):
            return "a tab indents this line; YAML indents with spaces only"
    if exc.problem and exc.problem.startswith("mapping values are not allowed"):
        return (
            "a value holds `: ` (a colon and a space), which YAML reads as another key: quote "
            'the value, e.g. title: "Outage: database down"'
        )
    started = exc.context_mark.line + 2 if exc.context_mark else None
    if exc.context and started:
        for kind, bracket in (("flow sequence", "["), ("flow mapping", "{")):
            if exc.context == f"while parsing a {kind}":
                return f"the `{bracket}` opened on line {started} is still open: {exc.problem}"
        return f"{exc.problem} ({exc.context} on line {started})"
    return str(exc.problem)


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


class Frontmatter(NamedTuple):
    """A loaded frontmatter: the mapping, its `key_lines` and its `repeated_keys`."""

    meta: dict[Any, Any]
    lines: dict[str, int]
    repeats: list[tuple[str, int, int]]


def read_frontmatter(yaml_text: str) -> Frontmatter:
    """Load the frontmatter and its line numbers; raises `FrontmatterError`.

    The same result as `load_frontmatter` + `key_lines` + `repeated_keys`, from yaml_rs where
    that is known to agree (most files) and from PyYAML otherwise.
    """
    fast = read_fast(yaml_text)
    if fast is not None:
        return fast
    meta, node = load_frontmatter(yaml_text)
    return Frontmatter(meta, key_lines(node), repeated_keys(node))


def read_fast(yaml_text: str) -> Frontmatter | None:
    """`read_frontmatter` by yaml_rs; None where its result might differ from PyYAML's."""
    if yaml_rs is None or not _fast_text(yaml_text):
        return None
    try:
        meta = yaml_rs.loads(
            yaml_text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error
        )
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise  # a signal's (KeyboardInterrupt, SystemExit, the CLI's stop on SIGTERM)
        return None
    ints: list[int] = []
    if type(meta) is not dict or not _as_in_pyyaml(meta, 0, ints):
        return None
    if ints and _number_may_differ(yaml_text):
        return None
    lines = _key_lines(yaml_text, meta)
    if lines is None:
        return None
    return Frontmatter(meta, lines, [])  # yaml_rs refuses a repeated key


_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _fast_text(yaml_text: str) -> bool:
    """Is the text free of what yaml_rs and PyYAML read differently (module docstring)?"""
    # Printable excludes tab, CR, NEL, LS, PS, BOM and control characters (and a few more,
    # e.g. U+00A0: only slower); all it keeps, PyYAML accepts.
    if not yaml_text.replace("\n", " ").isprintable():
        return False
    for mark in "!%&*":  # a tag, directive, anchor or alias starts a word, `5%` does not
        at = yaml_text.find(mark)
        while at != -1:
            if at == 0 or yaml_text[at - 1] not in _WORD_CHARS:
                return False
            at = yaml_text.find(mark, at + 1)
    return True


# A number written with `_` or a leading 0 (`017`, `0o17`, `_17`, `0X1A`, `1_000`) after a
# space, line break, `[`, `{` or `,`: yaml_rs may read an int where PyYAML reads another.
_ODD_NUMBER = re.compile(r"[ \n\[{,][-+]?(?:_|0[0-9A-Za-z_]|[1-9][0-9]*_)")


def _number_may_differ(yaml_text: str) -> bool:
    """Does an odd number start a scalar (not, e.g., the time in `2026-03-02 04:05`)?"""
    text = "\n" + yaml_text  # a number at the very start follows a line break too
    for found in _ODD_NUMBER.finditer(text):
        if text[: found.start() + 1].rstrip(" ")[-1] in "\n[{,:-?":
            return True
    return False


# PyYAML's implicit resolvers by first character, each first character's non-str ones in
# one regex (they are all compiled with the same flags; a test checks that).
_STR_TAG = "tag:yaml.org,2002:str"
_NOT_STR = {
    first: re.compile(
        "|".join(f"(?:{regexp.pattern})" for tag, regexp in resolvers if tag != _STR_TAG),
        resolvers[0][1].flags,
    )
    for first, resolvers in _NoAliasLoader.yaml_implicit_resolvers.items()
}
# yaml_rs reads these plain as an int, bool or null: as a str they were quoted (or a block
# scalar), which PyYAML keeps as a str too. (`level: "4"` is common.)
_QUOTED = re.compile(r"[-+]?[0-9]+|true|True|TRUE|false|False|FALSE|null|Null|NULL|~|")
_MAX_DEPTH = 16  # deeper structures go the PyYAML way (its construction recurses in Python)


def _as_in_pyyaml(value: dict[Any, Any] | list[Any], depth: int, ints: list[int]) -> bool:
    """Would PyYAML load the text this came from to the same value, with the same types?

    Strs PyYAML would resolve to another type, floats and anything else say no; ints are
    collected for `_number_may_differ`.
    """
    if depth == _MAX_DEPTH:
        return False
    if type(value) is dict:
        for key in value:
            if type(key) is not str:
                return False
            resolver = _NOT_STR.get(key[:1])
            if resolver and resolver.match(key) and not _QUOTED.fullmatch(key):
                return False
        children: Iterable[Any] = value.values()
    else:
        children = value
    for item in children:
        kind = type(item)
        if kind is str:
            resolver = _NOT_STR.get(item[:1])
            if resolver and resolver.match(item) and not _QUOTED.fullmatch(item):
                return False
        elif kind is dict or kind is list:
            if not _as_in_pyyaml(item, depth + 1, ints):
                return False
        elif kind is int:
            ints.append(item)
        elif item is not None and kind is not bool:
            return False
    return True


_DASH = ("- ", "-")
_AFTER_COLON = ("", " ")
_BLANK_OR_INDENTED = ("", " ", "#")  # first characters of lines that are not column-0 content
_BLOCK_SCALAR_HEADER = re.compile(r"(?:^| )[|>][-+0-9]* *(?:#.*)?$", re.MULTILINE)


def _key_lines(yaml_text: str, meta: dict[str, Any]) -> dict[str, int] | None:
    """`key_lines` for plain block-style frontmatter, from its text; None if it is unusual.

    Each top-level key must be a column-0 line `key:` in the mapping's order; list items are
    the `- ` lines at the first item's indent (or all on the key's line for `[...]`); a
    mapping's first line is the first line after its key's (or the key's, for `{...}`).
    """
    rows = yaml_text.split("\n")
    top = [index for index, row in enumerate(rows) if row[:1] not in _BLANK_OR_INDENTED]
    starts = [index for index in top if rows[index][:2] not in _DASH]
    if len(starts) != len(meta):
        return None
    keys = [rows[index].partition(":") for index in starts]
    if [head.rstrip(" ") for head, _, _ in keys] != list(meta) or any(
        not colon or after[:1] not in _AFTER_COLON for _, colon, after in keys
    ):
        return None
    if ("[" in yaml_text or "{" in yaml_text) and not _flows_closed(rows):
        return None
    tail = "\n".join(rows[top[-1] :]) if top else yaml_text
    if ("|" in tail or ">" in tail) and _BLOCK_SCALAR_HEADER.search(tail):
        return None  # it may run to the end of the text, which has no final line break
    lines = {key: index + 2 for key, index in zip(meta, starts, strict=True)}
    starts.append(len(rows))
    top_dashes = len(top) - len(keys)  # column-0 list items; each must be counted below
    items: dict[str, int] = {}
    for number, value in enumerate(meta.values()):
        kind = type(value)
        if kind is not list and kind is not dict:
            continue
        key, start, end = keys[number][0].rstrip(" "), starts[number], starts[number + 1]
        after = keys[number][2].strip(" ")
        if after[:1] == "#":
            after = ""
        if kind is dict:
            first = start if after[:1] == "{" else _first_content(rows, start + 1, end)
            if first is None or (after and first != start):
                return None
            items[f"{key}.0"] = first + 2
        elif after[:1] == "[":  # closed on the key's line (`_flows_closed`)
            items.update((f"{key}.{item}", start + 2) for item in range(len(value)))
        else:
            found = _block_items(rows, start + 1, end)
            if after or found is None or len(found) != len(value):
                return None
            if rows[found[0]][0] == "-":
                top_dashes -= len(found)
            items.update((f"{key}.{item}", index + 2) for item, index in enumerate(found))
    if top_dashes or not lines.keys().isdisjoint(items):
        return None  # a stray column-0 `- ` line, or a key named like an item (`tags.0`)
    lines.update(items)
    return lines


def _first_content(rows: list[str], start: int, end: int) -> int | None:
    """The first line in [start, end) that is not blank or a comment."""
    for index in range(start, end):
        text = rows[index].lstrip(" ")
        if text and text[0] != "#":
            return index
    return None


def _block_items(rows: list[str], start: int, end: int) -> list[int] | None:
    """The `- ` lines of a block list at its first item's indent; None for `-` alone."""
    first = _first_content(rows, start, end)
    if first is None:
        return None
    text = rows[first].lstrip(" ")
    if text[:2] not in _DASH:
        return None
    indent = len(rows[first]) - len(text)
    dash = rows[first][: indent + 1]
    items = [
        index
        for index in range(first, end)
        if rows[index].startswith(dash) and rows[index][indent + 1 : indent + 2] in ("", " ")
    ]
    for index in items:
        item = rows[index][indent + 1 :].lstrip(" ")
        if not item or item[0] == "#":
            return None  # the item starts on a later line
    return items


# In a line with a flow collection: `:` and `?` where libyaml reads them as indicators and
# yaml_rs does not (`[x:]`, `[:x]`, `[?x]`, `{"a":1}`), and `|` or `>` starting a scalar
# other than a block scalar's header (`[>x]`, `{a: |}`: yaml_rs reads a str, libyaml refuses
# it). Also some harmless forms (`"a": 1`, `a: |`): only slower.
_FLOW_INDICATOR = re.compile(
    r"[:,\[{\]}\"'?]"
    r"(?: *[:?]|(?<=:)[,\[\]{}]|(?<=[,\[{?]) *[|>]|(?<=:) *[|>](?![-+0-9]* *(?:#.*)?$))"
)
# A quoted scalar that starts a token, or a comment: what may hold a bracket that is no flow.
_QUOTED_OR_COMMENT = re.compile(
    r"""(?:^|(?<=[ \[{,:?]))(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|(?:^| )#.*"""
)
_QUOTE_STARTS = re.compile(r"""(?:^|(?<=[ \[{,:?]))["']""")
_FLOW_GROUP = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def _flows_closed(rows: list[str]) -> bool:
    """Does every `[` and `{` close on its own line, with no indicator yaml_rs reads otherwise?

    A flow collection over lines may hold a key over lines, which yaml_rs reads and PyYAML
    refuses (`{a` + a line `b: c}`); a quoted scalar left open at a line's end may hide one.
    """
    for row in rows:
        if "[" not in row and "{" not in row:
            continue
        if _FLOW_INDICATOR.search(row):
            return False
        if '"' in row or "'" in row or "#" in row:
            row = _QUOTED_OR_COMMENT.sub(" ", row)
            if _QUOTE_STARTS.search(row):
                return False
        count = 1
        while count:
            row, count = _FLOW_GROUP.subn("", row)
        if "[" in row or "{" in row:
            return False
    return True

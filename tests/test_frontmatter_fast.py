"""The yaml_rs fast path of `read_frontmatter` gives exactly what the PyYAML path gives: the
mapping (types and key order), the key lines, the repeated keys, or the same FrontmatterError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import frontmatter
from analytics.frontmatter import (
    FrontmatterError,
    key_lines,
    load_frontmatter,
    read_fast,
    read_frontmatter,
    repeated_keys,
    split_frontmatter,
)
from analytics.sample import write_sample_archive

ROOT = Path(__file__).resolve().parent.parent


def exact(value: Any) -> Any:
    """A form that compares types and key order too (`{1: True} == {1: 1}` does not)."""
    if type(value) is dict:
        return ("dict", [(exact(key), exact(item)) for key, item in value.items()])
    if type(value) is list:
        return ("list", [exact(item) for item in value])
    return (type(value).__name__, repr(value))


def by_pyyaml(yaml_text: str) -> tuple[Any, ...]:
    try:
        meta, node = load_frontmatter(yaml_text)
    except FrontmatterError as exc:
        return ("error", exc.code, exc.message, exc.line)
    return (exact(meta), key_lines(node), repeated_keys(node))


def by_read(yaml_text: str) -> tuple[Any, ...]:
    try:
        meta, lines, repeats = read_frontmatter(yaml_text)
    except FrontmatterError as exc:
        return ("error", exc.code, exc.message, exc.line)
    return (exact(meta), lines, repeats)


def fast(yaml_text: str) -> tuple[Any, ...] | None:
    found = read_fast(yaml_text)
    return None if found is None else (exact(found.meta), found.lines, found.repeats)


# --- generated frontmatter: plain and odd keys, scalars, lists, mappings, comments ----------

WORDS = ["api", "Checkout API", "open", "done", "L3 Scope", "p95 under 500ms", "café", "日本"]
WORDS += ["R&D", "5%", "wow!", "a*b", "x:y", "a#b", "-x", "x-", "e.g. this", "PM-2026-001"]
WORDS += ["SEV2", "it's", "y", "n", "NaN", "inf", "true", "False", "null", "~", "3", "-2", "0"]
WORDS += ["12", "2026-03-02", "2026-03-02 04:05", "2026-03-02T14:05:00Z", "2026-03-02T14:05+01:00"]
ODD_WORDS = ["yes", "No", "on", "OFF", "1:30", "12:30:00", "04:30", "017", "0o17", "0x1A"]
ODD_WORDS += ["-0x1A", "0b11", "1_000", "_17", "+1", "1e3", "1.5", ".5", "1.", ".inf", ".NaN"]
ODD_WORDS += ["<<", "=", "!x", "&a x", "*a", "%x", "@x", "[x:]", "[:x]", "[?x]", "{x:}", "a: b"]
ODD_WORDS += ['{"b":017}', "- x", "? x", "x #c", "#c", "|", ">", "[a, b", "x\ty", "99" * 15]
ODD_WORDS += [":x", "?x", ": x", "x:", "a]", "b}", "'c'd"]
# yaml_rs reads these as non-strings when plain, so a str of them was quoted
QUOTABLE = ["4", "-2", "true", "FALSE", "null", "~", ""]
ODD_QUOTABLE = ["yes", "1:30", "1e3", "<<", "a\\b", "tab\there", 'say "hi"', "x\ny", "\x85"]
ESCAPES = ['"\\x41"', '"\\q"', '"\\N\\_"', '"\\/"', '"\\U0001F600"', '"a\\\n  b"', "'x''y'"]
KEYS = ["id", "title", "status", "sev", "services", "tags", "teams", "started", "resolved"]
KEYS += ["fix", "actions", "authors", "level", "Custom Key", "x-y"]
ODD_KEYS = ["yes", "on", "1", "017", "null", "~", "<<", "=", '"quoted"', "'single'", "? explicit"]
ODD_KEYS += ["a:b", "-x", "tags.0", "fix.0", "x#y", "[a]", '""', "true", "a\tb", "key  "]
ITEM_KEYS = ["title", "owner", "due", "status", "level", "done"]


def weighted(usual: list[Any], odd: list[Any], oddness: int) -> st.SearchStrategy[Any]:
    """One of `usual` or, with weight `oddness` (0 to 12) against 12, one of `odd`."""
    return (
        st.sampled_from(usual * 12 + odd * oddness) if odd and oddness else st.sampled_from(usual)
    )


@st.composite
def scalar(draw: st.DrawFn, oddness: int) -> str:
    """A plain or quoted scalar as written."""
    style = draw(weighted(["plain", "plain", "double", "single"], ["escape"], oddness))
    if style == "escape":
        return draw(st.sampled_from(ESCAPES))
    if style == "plain":
        return draw(weighted(WORDS, ODD_WORDS, oddness))
    text = draw(weighted(WORDS + QUOTABLE, ODD_WORDS + ODD_QUOTABLE, oddness))
    if style == "double":
        return json.dumps(text, ensure_ascii=draw(st.booleans()))
    return "'" + text.replace("'", "''") + "'"


@st.composite
def entry(draw: st.DrawFn, key: str, oddness: int) -> tuple[str, list[str]]:
    """-> (kind, the rows of `key` and its value)."""
    kinds = ["scalar", "scalar", "flow", "block", "items", "mapping", "flowmap", "text", "empty"]
    kinds += ["folded", "quoted"]
    kind = draw(st.sampled_from(kinds))
    head = f"{key}{draw(weighted(['', '', ' '], ['  '], oddness))}:"
    note = draw(st.sampled_from(["", "", "  # note"]))
    indent = " " * draw(st.sampled_from([0, 2, 4] if kind in ("block", "items") else [2, 4]))
    if kind == "scalar":
        return kind, [f"{head} {draw(scalar(oddness))}{note}"]
    if kind == "empty":
        return kind, [head + note]
    if kind == "flow":
        values = draw(st.lists(scalar(oddness), max_size=3))
        joiner = draw(weighted([", ", ","], [",\n  ", ",\n", "\n  , ", ", # c\n  "], oddness))
        return kind, f"{head} [{joiner.join(values)}]{note}".split("\n")
    if kind == "block":
        rows = [head + note]
        for value in draw(st.lists(scalar(oddness), min_size=1, max_size=3)):
            dash = draw(weighted(["- "], ["-\n  ", "- # c\n  ", "-  "], oddness))
            rows += f"{indent}{dash}{value}".replace("\n", "\n" + indent).split("\n")
            if draw(st.booleans()):
                rows.append(draw(st.sampled_from(["", "# between", indent + "  # inside"])))
        return kind, rows
    if kind in ("items", "mapping"):
        rows = [head + note]
        for number in range(draw(st.integers(1, 3)) if kind == "items" else 1):
            names = draw(st.lists(st.sampled_from(ITEM_KEYS), min_size=1, max_size=3, unique=True))
            if number and draw(weighted([False], [True], oddness)):
                names.append(names[0])  # a nested duplicate key
            for place, name in enumerate(names):
                lead = indent
                if kind == "items":
                    lead += "- " if place == 0 else "  "
                rows.append(f"{lead}{name}: {draw(scalar(oddness))}")
        return kind, rows
    if kind == "flowmap":
        names = dict.fromkeys(draw(st.lists(st.sampled_from(ITEM_KEYS), max_size=3)))
        names = {draw(weighted([name], [f'"{name}"'], oddness)): None for name in names}
        colon = draw(weighted([": "], ["\n  : ", ":", " :"], oddness))
        joiner = draw(weighted([", "], [",\n  ", "\n  , "], oddness))
        pairs = joiner.join(f"{name}{colon}{draw(scalar(oddness))}" for name in names)
        return kind, f"{head} {{{pairs}}}{note}".split("\n")
    if kind == "text":
        header = draw(st.sampled_from(["|", ">", "|-", ">-", "|+", "|2"]))
        lines = ["- not an item", "key: not a key", "# not a comment", "", "  more indented"]
        lines += ["plain words", "- x"]
        body = [draw(weighted(["plain words"], ["", "  more indented"], oddness))]
        body += draw(st.lists(st.sampled_from(lines), max_size=4))
        return kind, [f"{head} {header}{note}"] + [indent + line if line else "" for line in body]
    if kind == "folded":  # a plain scalar over two lines
        return kind, [f"{head} first words", f"{indent}second words"]
    # a quoted scalar over two lines; odd: the second line at column 0, maybe key-like
    quote = draw(st.sampled_from(['"', "'"]))
    second = draw(weighted([indent], [""], oddness))
    tail = draw(weighted(["more words"], ["tags: x", "# hash", "- dash"], oddness))
    return kind, [f"{head} {quote}first words", f"{second}{tail}{quote}"]


GAPS = ["", "", "", "", "# a comment", "  # an indented comment", "   "]
NOISE = ["\t", "\r", "\ufeff", "\x01", "\x7f", "\u2028", "\xa0", "--- x", "...", "%YAML 1.1"]


@st.composite
def document(draw: st.DrawFn, odd: bool) -> str:
    """A frontmatter text as `split_frontmatter` gives it: no final line break.

    Not `odd`: usual frontmatter, which must all take the fast path. `odd`: anything, some
    of it odd (more or less, drawn per text).
    """
    oddness = draw(st.sampled_from([1, 3, 12])) if odd else 0
    unique = not draw(weighted([False], [True], oddness))
    keys = draw(
        st.lists(weighted(KEYS, ODD_KEYS, oddness), min_size=not odd, max_size=6, unique=unique)
    )
    rows: list[str] = []
    previous = ""
    for key in keys:
        gap = draw(st.sampled_from(GAPS))
        if gap.strip() and previous == "flow" and not odd:
            gap = ""  # a comment after `[...]` holding a quote goes the PyYAML way
        rows += [gap] if gap else []
        previous, entry_rows = draw(entry(key, oddness))
        rows += entry_rows
    if previous == "text" and not odd:
        rows.append("last: key")  # a block scalar that ends the text goes the PyYAML way
    if draw(st.booleans()):
        rows.append(draw(st.sampled_from(["", "# the end"] if odd or previous != "flow" else [""])))
    if rows and draw(weighted([False], [True], oddness)):
        where = draw(st.integers(0, len(rows) - 1))
        noise = draw(st.sampled_from(NOISE))
        if draw(st.booleans()):
            rows.insert(where, noise)
        else:
            at = draw(st.integers(0, len(rows[where])))
            rows[where] = rows[where][:at] + noise + rows[where][at:]
    return "\n".join(rows)


@settings(max_examples=200, deadline=None)
@given(document(odd=False))
def test_plain_frontmatter_takes_the_fast_path_with_pyyamls_result(yaml_text):
    assert fast(yaml_text) == by_pyyaml(yaml_text), yaml_text


@settings(max_examples=300, deadline=None)
@given(document(odd=True))
def test_any_frontmatter_reads_as_pyyaml_reads_it(yaml_text):
    assert by_read(yaml_text) == by_pyyaml(yaml_text), yaml_text


# --- real archives: the corpus, the sample archive, a generated one -------------------------


def frontmatter_texts(root: Path) -> list[str]:
    texts = []
    for path in sorted(root.rglob("*.md")):
        try:
            text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
        split = split_frontmatter(text) if text.startswith("---") else None
        if split:
            texts.append(split[0])
    return texts


@pytest.mark.parametrize("archive", ["tests/corpus", "data/sample-archive", "tests/fixtures"])
def test_every_archive_file_reads_as_pyyaml_reads_it(archive):
    texts = frontmatter_texts(ROOT / archive)
    assert texts
    for yaml_text in texts:
        assert by_read(yaml_text) == by_pyyaml(yaml_text), yaml_text


def test_a_generated_archive_reads_as_pyyaml_reads_it_mostly_fast(tmp_path):
    write_sample_archive(tmp_path, count=300, seed=11)
    texts = frontmatter_texts(tmp_path)
    assert len(texts) >= 250
    for yaml_text in texts:
        assert by_read(yaml_text) == by_pyyaml(yaml_text), yaml_text
    assert sum(read_fast(yaml_text) is not None for yaml_text in texts) >= 0.9 * len(texts)


# --- each guard: a text where yaml_rs, unguarded, would give another result -----------------

DIFFERS_FROM_PYYAML = {
    "tag": "a: !x",  # yaml_rs drops the tag: '' (PyYAML: no constructor for !x)
    "alias": "a:\n  - &x [1]\nb:\n  - *x",  # PyYAML here refuses aliases of lists
    "tab-indent": "\ta: x",  # yaml_rs loads it, PyYAML refuses a tab
    "bom": "a: 1\n\ufeffb: 2",  # yaml_rs keeps the BOM in the key
    "next-line": "a: x\x85y",  # NEL is a line break to PyYAML
    "line-separator": "a: x\u2028y",
    "control": "a: x\x01",  # PyYAML refuses control characters
    "yes": "a: yes",  # PyYAML: True
    "on-key": "on: x",
    "sexagesimal": "a: 1:30",  # PyYAML: 90
    "merge": "<<: x",  # PyYAML: a merge key (an error here)
    "value": "a: =",  # PyYAML: no constructor for the value tag
    "float": "a: 1e3",  # PyYAML: '1e3', yaml_rs: 1000.0
    "octal": "a: 017",  # PyYAML: 15, yaml_rs: 17
    "0o": "a: [0o17]",  # PyYAML: '0o17', yaml_rs: 15
    "underscore": "a:\n  - _17",  # PyYAML: '_17', yaml_rs: 17
    "json-like": 'a: {"b":017}',
    "flow-colon-end": "a: [x:]",  # PyYAML: an error, yaml_rs: [{'x': None}]
    "flow-colon-start": "a: [b, :x]",
    "flow-question": "a: [?x]",  # PyYAML: [{'x': None}], yaml_rs: ['?x']
    "flow-colon-next-line": 'a: {"b"\n  : c}',  # PyYAML: an error
    "flow-block-indicator": "a: [b, >c]",  # PyYAML: an error, yaml_rs: ['b', '>c']
    "flow-bar-value": "a: {b: |}",
    "flow-key-over-lines": "a: {b\n  c: d}",  # PyYAML: an error, yaml_rs: {'b c': 'd'}
    "flow-quoted-key-over-lines": 'a:\n  - {"b\n    c": d}',
    "flow-closed-in-open-quote": 'a: {"b}\n  c": d}',  # the `}` is inside the key
    "nested-odd-key": "a:\n  - [b]: x",  # PyYAML: unhashable key, yaml_rs: a tuple
    "nested-yes-key": "a:\n  - yes: x",
    "nested-float-key": "a:\n  - 1e3: x",  # PyYAML: '1e3', yaml_rs: 1000.0
    "list": "- a\n- b",  # not a mapping
    "scalar": "just words",
    "empty": "",  # PyYAML: {}, yaml_rs: None
    "comment-only": "# nothing yet",
    "two-documents": "a: 1\n--- b",  # yaml_rs: a list of both
    "duplicate-key": "a: 1\nb: 2\na: 3",  # yaml_rs refuses it; PyYAML keeps the last, warns
    "nested-duplicate-key": "a:\n  b: 1\n  b: 2",
    "block-scalar-at-end": "a: |\n  x",  # PyYAML: 'x' (no final line break), yaml_rs: 'x\n'
    "folded-at-end": "a:\n  - >\n    x",
    "empty-block-at-end": "a: |\n",
}


def unguarded(yaml_text: str) -> tuple[Any, ...]:
    """What yaml_rs alone gives, with the lines as the fast path would find them."""
    try:
        meta = yaml_rs.loads(yaml_text, parse_datetime=False)
    except yaml_rs.YAMLDecodeError:
        return ("yaml_rs refuses it",)
    if type(meta) is not dict:
        return ("not a mapping", exact(meta))
    return (exact(meta), frontmatter._key_lines(yaml_text, meta) or {}, [])


@pytest.mark.parametrize("yaml_text", DIFFERS_FROM_PYYAML.values(), ids=DIFFERS_FROM_PYYAML)
def test_each_guarded_text_really_differs_in_yaml_rs(yaml_text):
    assert unguarded(yaml_text) != by_pyyaml(yaml_text)


SAME_AS_PYYAML_AND_FAST = {
    "quoted-int": 'level: "4"',  # yaml_rs would read a plain 4 as an int, so it was quoted
    "quoted-bool": "a: 'true'",
    "quoted-empty": 'a: ""',
    "empty": "a:",
    "int": "level: 5\nsev: -2",
    "date-with-time": "started: 2026-03-02 04:05",  # ` 04` is no number starting a scalar
    "word-marks": "a: R&D at 5% wow!\nb: a*b",
    "bool-and-null": "a: true\nb: False\nc: null\nd: ~",
    "column-0-list": "tags:\n- a\n- b\nfix:\n  summary: x",
    "items": "actions:\n  - title: a\n    owner: b\n\n  # c\n  - title: c",
    "flow-list": "tags: [a, 'b c'] # note\nteams: []",
    "flow-map": "fix: {summary: a, level: L3}",
    "mapping-after-comment": "fix:  # note\n\n  # first\n  summary: a",
    "block-scalar": "a: |\n  - x\n  key: y\n\nb: z",
    "block-scalar-and-flow": "a: >-  # note\n  x\nb: [c, 'd e', \"[f]\"]  # [g",
    "quoted-over-lines": 'a: "b\n  c"\nd: e',
}


@pytest.mark.parametrize("yaml_text", SAME_AS_PYYAML_AND_FAST.values(), ids=SAME_AS_PYYAML_AND_FAST)
def test_usual_forms_take_the_fast_path(yaml_text):
    assert fast(yaml_text) == by_pyyaml(yaml_text)


# --- the line scan: anything unusual goes the PyYAML way, whose lines are right -------------

UNUSUAL_LINES = {
    "quoted-key": '"a": 1',
    "explicit-key": "? a\n: 1",
    "indented-mapping": "  a: 1\n  b: 2",
    "dash-alone": "tags:\n  -\n    a",
    "item-after-comment": "tags:\n  - # c\n    a",
    "flow-list-over-lines": "tags: [a,\n  b]",
    "flow-list-next-line": "tags:\n  [a, b]",
    "quoted-comment-line": 'tags: ["a\n  # b", c]',
    "key-colon-in-key": "a:b: 1",
    "key-named-like-item": "tags: [a]\ntags.0: x",
    "quoted-line-at-column-0": 'a: "x\nb: y"\nb: z',
    "stray-column-0-dash": "a: x\n- b",
    "mapping-value-on-key-line": "fix: summary: x",
}


PYYAML_WAY = {**DIFFERS_FROM_PYYAML, **UNUSUAL_LINES}


@pytest.mark.parametrize("yaml_text", PYYAML_WAY.values(), ids=PYYAML_WAY)
def test_a_guard_sends_it_the_pyyaml_way(yaml_text):
    """Where yaml_rs would differ, and layouts the line scanner does not vouch for."""
    assert fast(yaml_text) is None
    assert by_read(yaml_text) == by_pyyaml(yaml_text)


def test_resolver_regexes_share_their_flags():
    """`_NOT_STR` joins each first character's regexes into one with the first's flags."""
    for resolvers in frontmatter._NoAliasLoader.yaml_implicit_resolvers.values():
        assert len({regexp.flags for _, regexp in resolvers}) == 1


def test_without_yaml_rs_everything_goes_the_pyyaml_way(monkeypatch):
    monkeypatch.setattr(frontmatter, "yaml_rs", None)
    assert read_fast("a: 1") is None
    assert by_read("a: 1\nb: [x]") == by_pyyaml("a: 1\nb: [x]")

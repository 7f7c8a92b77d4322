"""The report as a small document model, rendered to one offline HTML file or to Markdown.

`analytics.report` decides what the review says (from `analytics.metrics` only); this
module decides how it looks. Every piece of archive text is escaped here, once: HTML with
`html.escape`, Markdown table cells with their pipes and angle brackets escaped.
Charts are Altair charts rendered offline by vl-convert: inline SVG in HTML, SVG files
beside the Markdown file.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template
from typing import Literal

import altair as alt
import vl_convert

__all__ = [
    "Block",
    "Cell",
    "CellValue",
    "Chart",
    "Figure",
    "Figures",
    "Inline",
    "Note",
    "Paragraph",
    "Report",
    "Section",
    "Table",
    "chart_svg",
    "para",
    "render_html",
    "render_markdown",
    "section",
]

Tone = Literal["good", "bad", "muted", "warn"] | None


@dataclass(frozen=True)
class Cell:
    """One table cell or inline run: text, an optional link target, an optional tone."""

    text: str
    href: str | None = None
    tone: Tone = None
    code: bool = False


Inline = str | Cell
CellValue = Inline | tuple[Inline, ...]  # a tuple: several runs in one cell (e.g. links)


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Note:
    """A muted line under a table or chart: definitions, sample-size warnings."""

    text: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    numeric: tuple[int, ...] = ()  # right-aligned column indexes
    nowrap: tuple[int, ...] = ()  # columns kept on one line (dates)
    empty: str = "None."


@dataclass(frozen=True)
class Chart:
    name: str  # file stem for the Markdown output
    chart: alt.TopLevelMixin
    alt_text: str


@dataclass(frozen=True)
class Figure:
    """One headline number with its comparison."""

    label: str
    value: str
    detail: str = ""
    tone: Tone = None


@dataclass(frozen=True)
class Figures:
    items: tuple[Figure, ...]


Block = Paragraph | Note | Table | Chart | Figures


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    blocks: tuple[Block, ...]
    subsections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    footer: tuple[str, ...] = field(default=())


# -- charts ------------------------------------------------------------------------------------

_XMLNS = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


def chart_svg(chart: alt.TopLevelMixin, *, inline: bool) -> str:
    """SVG text of an Altair chart, rendered offline by vl-convert.

    Inline SVG inside HTML5 needs no namespace declarations, so they are dropped: the
    report then holds no URL at all, not even the W3C namespace names.
    """
    svg: str = vl_convert.vegalite_to_svg(chart.to_dict())
    return _XMLNS.sub("", svg, count=2) if inline else svg


# -- HTML --------------------------------------------------------------------------------------


def _template(name: str) -> str:
    return resources.files("analytics").joinpath("templates", name).read_text(encoding="utf-8")


def _inline_html(part: CellValue) -> str:
    if isinstance(part, tuple):
        return "".join(_inline_html(p) for p in part)
    if isinstance(part, str):
        return html.escape(part)
    text = html.escape(part.text)
    if part.code:
        text = f"<code>{text}</code>"
    classes = f' class="{part.tone}"' if part.tone else ""
    if part.href:
        return f'<a href="{html.escape(part.href, quote=True)}"{classes}>{text}</a>'
    return f"<span{classes}>{text}</span>" if classes else text


def _block_html(block: Block) -> str:
    if isinstance(block, Paragraph):
        return "<p>" + "".join(_inline_html(p) for p in block.parts) + "</p>"
    if isinstance(block, Note):
        return f'<p class="note">{html.escape(block.text)}</p>'
    if isinstance(block, Figures):
        cards = []
        for item in block.items:
            tone = f" {item.tone}" if item.tone else ""
            cards.append(
                f'<div class="figure"><div class="label">{html.escape(item.label)}</div>'
                f'<div class="value">{html.escape(item.value)}</div>'
                f'<div class="detail{tone}">{html.escape(item.detail)}</div></div>'
            )
        return '<div class="figures">' + "".join(cards) + "</div>"
    if isinstance(block, Chart):
        svg = chart_svg(block.chart, inline=True)
        label = html.escape(block.alt_text, quote=True)
        return f'<figure class="chart" role="img" aria-label="{label}">{svg}</figure>'
    if not block.rows:
        return f'<p class="empty">{html.escape(block.empty)}</p>'

    def cell(tag: str, index: int, content: str) -> str:
        align = ' class="num"' if index in block.numeric else ""
        if index in block.nowrap:
            align = ' class="nowrap"'
        return f"<{tag}{align}>{content}</{tag}>"

    head = "".join(cell("th", i, html.escape(c)) for i, c in enumerate(block.columns))
    body = "".join(
        "<tr>" + "".join(cell("td", i, _inline_html(v)) for i, v in enumerate(row)) + "</tr>"
        for row in block.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section_html(section: Section, level: int = 2) -> str:
    parts = [f'<section id="{html.escape(section.anchor, quote=True)}">']
    parts.append(f"<h{level}>{html.escape(section.title)}</h{level}>")
    parts += [_block_html(block) for block in section.blocks]
    parts += [_section_html(sub, level + 1) for sub in section.subsections]
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: Report) -> str:
    """One self-contained HTML file: inline CSS, inline SVG charts, no external reference."""
    toc = "".join(
        f'<li><a href="#{html.escape(s.anchor, quote=True)}">{html.escape(s.title)}</a></li>'
        for s in report.sections
    )
    body = "\n".join(_section_html(section) for section in report.sections)
    footer = "".join(f"<p>{html.escape(line)}</p>" for line in report.footer)
    return Template(_template("report.html")).substitute(
        title=html.escape(report.title),
        subtitle=html.escape(report.subtitle),
        css=_template("report.css"),
        toc=toc,
        body=body,
        footer=footer,
    )


# -- Markdown ----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def _md_text(text: str) -> str:
    """Archive text made inert in Markdown: no tags, no emphasis, no table breaks."""
    text = re.sub(r"\s+", " ", text)  # one line: a newline would end the table row
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _inline_md(part: CellValue) -> str:
    if isinstance(part, tuple):
        return "".join(_inline_md(p) for p in part)
    if isinstance(part, str):
        return _md_text(part)
    text = f"`{part.text.replace('`', '')}`" if part.code else _md_text(part.text)
    if part.tone == "bad":
        text = f"**{text}**"
    if part.href:
        return f"[{text}](<{part.href.replace('>', '%3E').replace(' ', '%20')}>)"
    return text


def _block_md(block: Block, chart_dir: Path, chart_prefix: str) -> str:
    if isinstance(block, Paragraph):
        return "".join(_inline_md(p) for p in block.parts)
    if isinstance(block, Note):
        return f"*{_md_text(block.text)}*"
    if isinstance(block, Figures):
        rows = [
            f"| {_md_text(f.label)} | {_md_text(f.value)} | {_md_text(f.detail)} |"
            for f in block.items
        ]
        return "\n".join(["| | | |", "|---|---:|---|", *rows])
    if isinstance(block, Chart):
        chart_dir.mkdir(parents=True, exist_ok=True)
        path = chart_dir / f"{block.name}.svg"
        path.write_text(chart_svg(block.chart, inline=False), encoding="utf-8")
        return f"![{_md_text(block.alt_text)}]({chart_prefix}{block.name}.svg)"
    if not block.rows:
        return f"_{_md_text(block.empty)}_"
    head = "| " + " | ".join(_md_text(c) for c in block.columns) + " |"
    rule = "|" + "|".join(
        "---:" if i in block.numeric else "---" for i in range(len(block.columns))
    )
    body = ["| " + " | ".join(_inline_md(v) for v in row) + " |" for row in block.rows]
    return "\n".join([head, rule + "|", *body])


def _section_md(section: Section, chart_dir: Path, chart_prefix: str, level: int = 2) -> str:
    parts = [f"{'#' * level} {_md_text(section.title)}"]
    parts += [_block_md(block, chart_dir, chart_prefix) for block in section.blocks]
    parts += [_section_md(sub, chart_dir, chart_prefix, level + 1) for sub in section.subsections]
    return "\n\n".join(parts)


def render_markdown(report: Report, out: Path) -> str:
    """Markdown text for `out`; its charts are written as SVG files to `<stem>-charts/`."""
    chart_dir = out.parent / f"{out.stem}-charts"
    prefix = f"{chart_dir.name}/"
    parts = [f"# {_md_text(report.title)}", _md_text(report.subtitle)]
    parts += [_section_md(section, chart_dir, prefix) for section in report.sections]
    parts += ["---", *(_md_text(line) for line in report.footer)]
    return "\n\n".join(parts) + "\n"


def para(*parts: Inline) -> Paragraph:
    """A paragraph of text runs and links."""
    return Paragraph(parts)


def section(
    title: str, anchor: str, *blocks: Block, subsections: tuple[Section, ...] = ()
) -> Section:
    """A section with its blocks as arguments."""
    return Section(title, anchor, blocks, subsections)

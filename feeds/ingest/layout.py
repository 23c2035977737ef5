"""The reading of a PDF page from its words' positions, sizes and fonts, as pandoc Markdown.

Input: the words of each page as pdfplumber gives them (``text``, ``x0``, ``x1``, ``top``, ``bottom``,
``size``, ``fontname``). Output: the text a press office wrote, in reading order:
- words are grouped into lines by their baseline; a page whose lines leave a vertical gutter is read
  column by column (the gutter found from the words' x-positions);
- lines repeated at the same place on most pages (headers, footers, page numbers) are dropped, and so are
  page numbers alone in a margin;
- the title is the largest text of the first page (its lines joined), written ``# Title``;
- paragraphs end at a vertical gap wider than the text's line spacing, before a bullet, and where a line
  stops short after a sentence; a line stopped short within a paragraph keeps its line break;
- runs of words in a bold font are written **…**.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from feeds.ingest.contacts import CONTACT_HEADING

BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold|[-,]b$", re.IGNORECASE)
BULLET = re.compile(r"^[•·▪◦●]$")
KEPT_BULLET = re.compile(r"^(?:[-–■*]|\d+[.)])$")
PAGE_NUMBER = re.compile(r"^[-–(\s]*(?:(?:page|seite|pagina|página|blz\.?|p\.)\s*)?\d+\s*"
                         r"(?:(?:/|sur|von|of|di|de|van|su)\s*\d+)?[-–)\s]*$", re.IGNORECASE)
SENTENCE_END = (".", "!", "?", ":", "»", '"', "”", "“", ";")
MARGIN = 0.1  # the share of the page's height, top and bottom, where a lone page number is dropped
TITLE_RATIO = 1.15  # how much larger than the body text the title must be to be told from it
SAME_SIZE = 0.15  # sizes closer than this share are one size
OCR_SAME_SIZE = 0.2  # OCR gives each line a size of its own, from its glyphs' height


def same_size(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.5, SAME_SIZE * max(a, b))


@dataclass
class Line:
    words: list[dict]
    page: int
    column: int = 0  # 0: the page's width, 1: left column, 2: right column
    right: float = 0.0  # the right edge of the text block the line belongs to

    @property
    def x0(self) -> float:
        return self.words[0]["x0"]

    @property
    def x1(self) -> float:
        return self.words[-1]["x1"]

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w["bottom"] for w in self.words)

    @property
    def size(self) -> float:
        return max(w["size"] for w in self.words)

    @property
    def text(self) -> str:
        return join_words(self.words)


@dataclass
class Page:
    width: float
    height: float
    words: list[dict] = field(default_factory=list)


def join_words(words: list[dict]) -> str:
    out = ""
    for i, word in enumerate(words):
        if i and word["x0"] - words[i - 1]["x1"] > 0.12 * word["size"]:
            out += " "
        out += word["text"]
    return out


def to_markdown(pages: list[Page]) -> str:
    """The whole document as pandoc Markdown (an empty string when no page has a word)."""
    kept = drop_running_rows([rows(page.words) for page in pages], pages)
    lines: list[Line] = []
    known = None  # the gutter of the pages before: a last page with a few lines has none of its own
    for number, (page, found) in enumerate(zip(pages, kept, strict=True)):
        page_found, known = page_lines(found, page.width, number, known)
        lines += page_found
    lines = _with_right(lines)
    if not lines:
        return ""
    title = title_lines(lines)
    return "\n\n".join(paragraphs(lines, title)) + "\n"


def even_sizes(pages: list[Page]) -> list[Page]:
    """Pages whose sizes were guessed (OCR) with the sizes near the body's made the body's."""
    sizes = sorted(w["size"] for page in pages for w in page.words for _ in w["text"])
    if not sizes:
        return pages
    body = sizes[len(sizes) // 2]
    for page in pages:
        for word in page.words:
            if abs(word["size"] - body) <= OCR_SAME_SIZE * body:
                word["size"] = body
    return pages


def rows(words: list[dict]) -> list[list[dict]]:
    """Words grouped into rows sharing a baseline, top to bottom, each row left to right."""
    found: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        for row in reversed(found[-3:]):
            if abs(row[0]["bottom"] - word["bottom"]) <= 0.35 * min(word["size"], row[0]["size"]):
                row.append(word)
                break
        else:
            found.append([word])
    for row in found:
        row.sort(key=lambda w: w["x0"])
    found.sort(key=lambda row: min(w["bottom"] for w in row))
    return found


def side(row: list[dict], x: float) -> str:
    """Where a row lies against a vertical line at x: 'left', 'right', 'both' (cut by a gap at x) or 'across'."""
    if row[-1]["x1"] <= x:
        return "left"
    if row[0]["x0"] >= x:
        return "right"
    for left, right in zip(row, row[1:], strict=False):
        if left["x1"] <= x <= right["x0"]:
            return "both" if right["x0"] - left["x1"] >= max(8.0, right["size"], left["size"]) else "across"
    return "across"


def gutter(found: list[list[dict]], width: float) -> float | None:
    """The x of the vertical gap between two columns, if the page has two: at least three rows of text on
    each side of it, and fewer rows across it (a title, a header) than on either side."""
    best: list[float] = []
    score: tuple[int, int] | None = None
    x = 0.3 * width
    while x <= 0.7 * width:
        counts = {"left": 0, "right": 0, "both": 0, "across": 0}
        for row in found:
            counts[side(row, x)] += 1
        left, right = counts["left"] + counts["both"], counts["right"] + counts["both"]
        if left >= 3 and right >= 3 and counts["across"] < min(left, right):
            here = (counts["across"], -min(left, right))
            if score is None or here < score:
                score, best = here, [x]
            elif here == score and best and x - best[-1] <= 2.5:
                best.append(x)  # the same gap, wider: its middle is the gutter
        x += 2
    return (best[0] + best[-1]) / 2 if best else None


def page_lines(found: list[list[dict]], width: float, number: int,
               known: float | None = None) -> tuple[list[Line], float | None]:
    """A page's lines in reading order (lines across the gutter in place, the rows between them column by
    column), and its gutter. A page without a gutter of its own keeps the one of the pages before when
    no row crosses it."""
    x = gutter(found, width)
    inherited = x is None and known is not None and bool(found) and all(side(row, known) != "across"
                                                                          for row in found)
    if inherited:
        x = known
    if x is None:
        return [Line(row, number) for row in found], None
    out: list[Line] = []
    block: list[list[dict]] = []
    for row in found:
        if side(row, x) == "across":
            out += _columns(block, x, number, inherited)
            block = []
            out.append(Line(row, number))
        else:
            block.append(row)
    out += _columns(block, x, number, inherited)
    return out, x


def _columns(block: list[list[dict]], x: float, number: int, inherited: bool = False) -> list[Line]:
    """Rows between two lines across the gutter: the left column, then the right one. Rows with nothing
    right of the gutter are lines of the page's width (a kind line, a dateline), unless the gutter is the
    one of the pages before (a last page holding the end of the left column)."""
    if not inherited and not any(side(row, x) in ("right", "both") for row in block):
        return [Line(row, number) for row in block]
    left = [Line(part, number, 1) for row in block if (part := [w for w in row if w["x1"] <= x])]
    right = [Line(part, number, 2) for row in block if (part := [w for w in row if w["x0"] >= x])]
    return left + right


def _with_right(lines: list[Line]) -> list[Line]:
    """Each line knows the right edge of its column (where a full line would end), the same on every page:
    the last page's column may hold only short lines."""
    edges: dict[int, float] = {}
    for line in lines:
        edges[line.column] = max(edges.get(line.column, 0.0), line.x1)
    for line in lines:
        line.right = edges[line.column]
    return lines


def drop_running_rows(pages_rows: list[list[list[dict]]], pages: list[Page]) -> list[list[list[dict]]]:
    """Each page's rows without its header and footer: rows found at the same place on most pages (their
    numbers aside), and page numbers alone in the top or bottom margin."""
    def key(row: list[dict]) -> tuple[str, int]:
        return re.sub(r"\d+", "#", join_words(row).lower()), round(min(w["top"] for w in row) / 6)

    pages_of: dict[tuple[str, int], set[int]] = {}
    for number, found in enumerate(pages_rows):
        for row in found:
            pages_of.setdefault(key(row), set()).add(number)
    most = max(2, len(pages) // 2 + 1)
    kept: list[list[list[dict]]] = []
    for found, page in zip(pages_rows, pages, strict=True):
        def running(row: list[dict], height: float = page.height) -> bool:
            in_margin = min(w["top"] for w in row) < height * MARGIN or max(w["bottom"] for w in row) > \
                height * (1 - MARGIN)
            return len(pages_of[key(row)]) >= most or (in_margin and bool(PAGE_NUMBER.match(join_words(row))))
        kept.append([row for row in found if not running(row)])
    return kept


def body_size(lines: list[Line]) -> float:
    return statistics.median(w["size"] for line in lines for w in line.words for _ in w["text"])


def title_lines(lines: list[Line]) -> set[int]:
    """The indexes of the title's lines: the first run of the largest text of the first page, when it is
    clearly larger than the body."""
    first = [i for i, line in enumerate(lines) if line.page == lines[0].page]
    largest = max(lines[i].size for i in first)
    if largest < body_size(lines) * TITLE_RATIO:
        return set()
    run: set[int] = set()
    for i in first:
        if same_size(lines[i].size, largest):
            run.add(i)
        elif run:
            break
    return run


def _spacing(lines: list[Line]) -> float:
    """The distance between the baselines of two lines of a paragraph, relative to the font size."""
    ratios = [(b.bottom - a.bottom) / b.size for a, b in zip(lines, lines[1:], strict=False)
              if a.page == b.page and a.column == b.column and same_size(a.size, b.size)
              and 0 < b.bottom - a.bottom < 3 * b.size]
    # The lower quartile: the lines within paragraphs, even where a short text has many gaps.
    return sorted(ratios)[len(ratios) // 4] if ratios else 1.2


def paragraphs(lines: list[Line], title: set[int]) -> list[str]:
    """The lines grouped into paragraphs, each rendered as Markdown; the title's lines as one heading."""
    spacing = _spacing(lines)
    found: list[str] = []
    current: list[Line] = []
    for i, line in enumerate(lines):
        if current and (i in title) != (i - 1 in title):
            found.append(render(current, i - 1 in title))
            current = []
        elif current and i not in title and (breaks(current[-1], line, spacing) or (
                title and i < min(title) and stops_short(current[-1], line))):
            # Above the title (kind, embargo, dateline), a line stopped short is a paragraph of its own.
            found.append(render(current))
            current = []
        current.append(line)
    if current:
        found.append(render(current, len(lines) - 1 in title))
    return [p for p in found if p.strip()]


def breaks(previous: Line, line: Line, spacing: float) -> bool:
    """Whether a new paragraph starts with ``line``."""
    first = line.words[0]["text"]
    if BULLET.match(first) or CONTACT_HEADING.match(line.text):
        return True
    if KEPT_BULLET.match(first) and stops_short(previous, line):
        return True  # a dash or a number opening a line is an item only after a line ended short
    if not same_size(previous.size, line.size):
        return True
    if _bold(previous.words) != _bold(line.words) and stops_short(previous, line):
        return True  # a bold heading line, or the line after one
    if previous.page != line.page or previous.column != line.column:
        # A paragraph goes on into the next column or page when its last line was full and did not
        # end a sentence.
        return stops_short(previous, line) or previous.text.rstrip("*").endswith(SENTENCE_END)
    if line.bottom - previous.bottom > (spacing + 0.35) * line.size:
        return True
    return stops_short(previous, line) and previous.text.rstrip("*").endswith(SENTENCE_END)


def stops_short(previous: Line, line: Line) -> bool:
    """The line ended before its column's edge though the next line's first word would have fitted."""
    first = line.words[0]
    room = previous.right - previous.x1
    return room > (first["x1"] - first["x0"]) + 0.5 * first["size"]


def _bold(words: list[dict]) -> bool:
    return all(BOLD_FONT.search(w.get("fontname") or "") for w in words)


def render(lines: list[Line], title: bool = False) -> str:
    """A paragraph's lines as Markdown: words joined, hyphenation undone, bold runs marked, a bullet
    written '- ', a line stopped short kept as a line break; the title as ``# Title`` on one line."""
    tokens: list[list] = []  # [text, bold, separator before it]
    for n, line in enumerate(lines):
        for i, word in enumerate(line.words):
            if i:
                separator = " " if word["x0"] - line.words[i - 1]["x1"] > 0.12 * word["size"] else ""
            elif n:
                separator = " " if title or not stops_short(lines[n - 1], line) else "\n"
            else:
                separator = ""
            text = word["text"]
            if i == 0 and n and separator == " " and re.search(r"\w-$", tokens[-1][0]):
                # A word cut at the end of a line: hyphenation undone, a compound's own hyphen kept.
                tokens[-1][0] = (tokens[-1][0][:-1] if text[:1].islower() else tokens[-1][0]) + text
                continue
            tokens.append([text, bool(BOLD_FONT.search(word.get("fontname") or "")), separator])
    if title:
        return "# " + "".join(separator + text for text, _, separator in tokens).strip()
    if tokens and BULLET.match(tokens[0][0]):
        tokens[0] = ["-", False, ""]
    return _marked(tokens)


def _marked(tokens: list[list]) -> str:
    out = ""
    for i, (text, bold, separator) in enumerate(tokens):
        opens = bold and (i == 0 or not tokens[i - 1][1] or separator == "\n")
        closes = bold and (i + 1 == len(tokens) or not tokens[i + 1][1] or tokens[i + 1][2] == "\n")
        out += separator + ("**" if opens else "") + text + ("**" if closes else "")
    return out



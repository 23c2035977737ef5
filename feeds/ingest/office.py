"""Office documents (DOCX, ODT, RTF): pandoc turns them into pandoc Markdown, then read as press-release text.

One converter for the three formats (pandoc, shipped by pypandoc-binary). A Lua filter shapes pandoc's
output as the seed is written: the document's title as a level-1 heading ``# Title`` (from the Title
paragraph style, else the metadata title, else the first Heading 1, which already is one), styles and
anchors unwrapped, tables as one line per row, images dropped. The archive is checked first (entries,
unpacked size), so that a broken file is refused with what is wrong with it rather than pandoc's own words.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import zipfile

from feeds.ingest.base import Context, IngestError, sha256
from feeds.ingest.decoding import clean_block
from feeds.ingest.text import parse_text
from feeds.model import Release

PANDOC_TIMEOUT = 30  # seconds; pandoc reads a press release in about 20 ms
PANDOC_MEMORY = "512m"  # a cap on pandoc's heap (GHC runtime option -M), against hostile documents
MAX_UNPACKED = 64 * 1024 * 1024  # bytes an archive may unpack to: a real release is far below, a zip bomb far above
READERS = {"docx": "docx+styles", "odt": "odt", "rtf": "rtf"}
NAMES = {"docx": "DOCX (Word)", "odt": "ODT (OpenDocument)", "rtf": "RTF"}
# The Markdown the seed is written in: no smart-quote rewriting (« ’ » “ ” stay as they are), line breaks
# as new lines, no raw HTML nor attributes.
WRITER = "markdown-smart-escaped_line_breaks-raw_html-raw_attribute-bracketed_spans-native_spans-native_divs" \
         "-fenced_divs-header_attributes-link_attributes-inline_code_attributes-simple_tables-multiline_tables" \
         "-grid_tables-pipe_tables"

LUA_FILTER = r"""
local title_at = nil  -- where the Title-styled paragraph is, once flattened

local function bare(inlines)
  if #inlines == 1 and (inlines[1].t == "Strong" or inlines[1].t == "Emph") then return inlines[1].content end
  return inlines
end

local function table_rows(tbl, out)
  local parts = {tbl.head.rows}
  for _, body in ipairs(tbl.bodies) do table.insert(parts, body.head) ; table.insert(parts, body.body) end
  table.insert(parts, tbl.foot.rows)
  for _, rows in ipairs(parts) do
    for _, row in ipairs(rows) do
      local cells = pandoc.List()
      for _, cell in ipairs(row.cells) do
        local text = pandoc.utils.stringify(cell.contents)
        if text:match("%S") and not cells:includes(text) then cells:insert(text) end
      end
      if #cells > 0 then out:insert(pandoc.Para({pandoc.Str(table.concat(cells, " - "))})) end
    end
  end
end

-- A paragraph opened by a bullet character (RTF and DOCX lists typed by hand) is a list item.
local function bullet_item(b)
  if b.t ~= "Para" or #b.content < 2 or b.content[1].t ~= "Str" then return nil end
  local first = b.content[1].text
  if not (first == "•" or first == "·" or first == "▪" or first == "■" or first == "–") then return nil end
  local rest = b.content:clone()
  rest:remove(1)
  while #rest > 0 and (rest[1].t == "Space" or rest[1].t == "SoftBreak") do rest:remove(1) end
  return pandoc.Plain(rest)
end

local function flatten(blocks, out)
  for _, b in ipairs(blocks) do
    local item = bullet_item(b)
    if item ~= nil then
      if #out > 0 and out[#out].t == "BulletList" then out[#out].content:insert({item})
      else out:insert(pandoc.BulletList({{item}})) end
    elseif b.t == "Div" and b.attributes["custom-style"] == "Title" and title_at == nil
        and pandoc.utils.stringify(b):match("%S") then
      out:insert(pandoc.Header(1, bare(pandoc.utils.blocks_to_inlines(b.content))))
      title_at = #out
    elseif b.t == "Div" then
      flatten(b.content, out)
    elseif b.t == "Table" then
      table_rows(b, out)
    elseif b.t == "Figure" then
      flatten(b.caption.long, out)
    elseif b.t ~= "RawBlock" and b.t ~= "HorizontalRule" then
      out:insert(b)
    end
  end
  return out
end

-- No Title style: the metadata title (or the ODT Title found by the caller) marks its paragraph, or
-- comes first when the body does not repeat it.
local function title_from_meta(meta, blocks)
  local given = meta["feeds-title"] or meta.title
  if given == nil then return nil end
  local wanted = pandoc.utils.stringify(given)
  if not wanted:match("%S") then return nil end
  for i, b in ipairs(blocks) do
    if (b.t == "Para" or b.t == "Plain" or b.t == "Header") and pandoc.utils.stringify(b) == wanted then
      blocks[i] = pandoc.Header(1, bare(b.content))
      return i
    end
  end
  local inlines = meta.title and pandoc.utils.type(meta.title) == "Inlines" and meta.title or {pandoc.Str(wanted)}
  blocks:insert(1, pandoc.Header(1, inlines))
  return 1
end

function Pandoc(doc)
  local blocks = flatten(doc.blocks, pandoc.List())
  local at = title_at or title_from_meta(doc.meta, blocks)
  for i, b in ipairs(blocks) do
    if b.t == "Header" then
      if at ~= nil and i < at and b.level == 1 then b.level = 2 end
      b.attr = pandoc.Attr()
    end
  end
  return pandoc.Pandoc(blocks, pandoc.Meta({})):walk({
    Span = function(s) return s.content end,
    Image = function() return {} end,
    RawInline = function() return {} end,
    Link = function(l) l.attr = pandoc.Attr() ; return l end,
  })
end
"""

ODT_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
ODT_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"


def parse(data: bytes, name: str, ctx: Context | None = None) -> Release:
    fmt = office_format(data)
    return parse_text(extract_text(data, fmt), name, sha256(data), ctx, fmt)


def office_format(data: bytes) -> str:
    """Which office format the bytes are (the package's detection), or an IngestError for anything else."""
    from feeds.ingest import detect_zip

    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"PK\x03\x04") and (fmt := detect_zip(data)) in READERS:
        return fmt
    raise IngestError("pas un document DOCX, ODT ni RTF")


def extract_text(data: bytes, fmt: str) -> str:
    """The document as pandoc Markdown: ``# Title``, paragraphs, **bold**, *italic*, '- ' lists."""
    metadata: list[str] = []
    if fmt == "rtf":
        check_rtf(data)
    else:
        title = check_archive(data, fmt)
        if title:
            metadata = ["-M", f"feeds-title={title}"]
    text = clean_block(run_pandoc(data, fmt, metadata))
    text = "\n".join(line.rstrip() for line in text.splitlines()).strip()
    if not text:
        raise IngestError(f"le document {NAMES[fmt]} ne contient aucun texte")
    return text + "\n"


def check_rtf(data: bytes) -> None:
    """An RTF file is one group: braces left open mean the file was cut (pandoc would read the part it got)."""
    depth = 0
    for match in re.finditer(rb"\\[\\{}]|[{}]", data):
        token = match.group()
        if token == b"{":
            depth += 1
        elif token == b"}":
            depth -= 1
            if depth < 0:
                raise IngestError("RTF invalide : une accolade fermante « } » de trop")
    if depth > 0:
        raise IngestError(f"RTF tronqué : {depth} groupe(s) ouvert(s) jamais fermé(s), le fichier s'arrête "
                          "au milieu du document (le renvoyer en entier)")


def check_archive(data: bytes, fmt: str) -> str | None:
    """An ODT or DOCX archive that pandoc can read whole and that unpacks to a sane size; the ODT Title's text."""
    main = "content.xml" if fmt == "odt" else "word/document.xml"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = 0
        for info in archive.infolist():
            with archive.open(info) as entry:
                while chunk := entry.read(1 << 20):
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED:
                        raise IngestError(f"archive {NAMES[fmt]} refusée : elle se décompresse en plus de "
                                          f"{MAX_UNPACKED // (1024 * 1024)} Mo (fichier piégé ?)")
        content = archive.read(main)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as exc:
        raise IngestError(f"fichier {NAMES[fmt]} corrompu ou incomplet : archive illisible ({exc})") from None
    except KeyError:
        raise IngestError(f"fichier {NAMES[fmt]} corrompu : l'archive n'a pas de {main}") from None
    return odt_title(content) if fmt == "odt" else None


def odt_title(content: bytes) -> str | None:
    """The text of the first paragraph in the Title style (or a style derived from it); pandoc's ODT
    reader does not keep paragraph styles."""
    from lxml import etree

    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"fichier ODT (OpenDocument) corrompu : content.xml n'est pas du XML valide ({exc})") \
            from None
    titles = {"Title"} | {
        style.get(f"{{{ODT_STYLE}}}name") for style in root.iter(f"{{{ODT_STYLE}}}style")
        if style.get(f"{{{ODT_STYLE}}}parent-style-name") == "Title"}
    for paragraph in root.iter(f"{{{ODT_TEXT}}}p"):
        if paragraph.get(f"{{{ODT_TEXT}}}style-name") in titles:
            text = " ".join("".join(paragraph.itertext()).split())
            if text:
                return text
    return None


def run_pandoc(data: bytes, fmt: str, metadata: list[str]) -> str:
    import pypandoc

    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as lua:
        lua.write(LUA_FILTER)
        lua.flush()
        command = [pypandoc.get_pandoc_path(), "+RTS", f"-M{PANDOC_MEMORY}", "-RTS", "--sandbox",
                   "-f", READERS[fmt], "-t", WRITER, "--wrap=none", f"--lua-filter={lua.name}", *metadata]
        try:
            done = subprocess.run(command, input=data, capture_output=True, timeout=PANDOC_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise IngestError(f"fichier {NAMES[fmt]} refusé : pandoc n'a pas fini de le lire en "
                              f"{PANDOC_TIMEOUT} s") from None
    if done.returncode != 0:
        raise IngestError(f"fichier {NAMES[fmt]} illisible par pandoc : {_summary(done.stderr)}")
    return done.stdout.decode("utf-8", "replace")


def _summary(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    text = " ".join(lines) or "erreur sans message"
    return text if len(text) <= 300 else text[:297] + "…"

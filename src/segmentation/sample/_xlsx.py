"""A fast, deterministic single-sheet xlsx writer.

xlsxwriter spends several microseconds per cell in Python; a 100,000-employee
sample has millions of cells. This writer builds the sheet XML column-wise
with numpy (shared strings via one ``pandas.factorize``), and lays the package
out exactly as xlsxwriter does (same parts, styles and theme, which it takes
from xlsxwriter), with fixed document dates and zip timestamps so identical
input gives identical bytes.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.theme import THEME_XML_2007

ROW_CHUNK = 50_000
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# cell styles (index into cellXfs)
STYLE_DEFAULT, STYLE_TEXT, STYLE_DATE, STYLE_DATETIME = 0, 1, 2, 3
_NUM_FORMATS = {
    STYLE_TEXT: (164, "@"),
    STYLE_DATE: (165, "yyyy-mm-dd"),
    STYLE_DATETIME: (166, "yyyy-mm-dd hh:mm:ss"),
}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPECIAL_XML = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_EDGE_SPACE = re.compile("(?:^|\x00)\\s|\\s(?:\x00|$)")
LARGE_SHEET_CELLS = 2_000_000  # above this, faster (level 1) compression


@dataclass
class Column:
    """One sheet column: ``kind`` is ``text`` (str; None/NaN/"" left empty) or
    ``number`` (float; NaN left empty); ``style`` one of the STYLE_* constants."""

    values: np.ndarray
    kind: str = "text"
    style: int = STYLE_DEFAULT


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _escape_xml(values: np.ndarray) -> np.ndarray:
    """XML-escape strings (object array); a fast path when nothing needs escaping."""
    joined = "\n".join(values.tolist())  # a line break needs no escaping
    if not _SPECIAL_XML.search(joined):
        return values

    def one(text: str) -> str:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)

    return np.array([one(v) for v in values.tolist()], dtype=object)


def _needs_preserve(values: np.ndarray) -> np.ndarray:
    """Strings with leading or trailing whitespace (kept by ``xml:space="preserve"``)."""
    joined = "\x00".join(values.tolist())
    if not _EDGE_SPACE.search(joined):
        return np.zeros(len(values), dtype=bool)
    return np.array([v != v.strip() for v in values.tolist()], dtype=bool)


def _text_array(values) -> np.ndarray:
    """An object array of str; None/NaN become ""."""
    arr = np.asarray(values, dtype=object)
    try:
        "".join(arr.tolist())
        return arr
    except TypeError:
        missing = pd.isna(arr).tolist()
        return np.array(
            ["" if m else str(v) for v, m in zip(arr.tolist(), missing, strict=True)], dtype=object
        )


def _number_text(values: np.ndarray) -> np.ndarray:
    """Shortest text of each number; integral values without a decimal point."""
    v = np.asarray(values, dtype=float)
    integral = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 1e15)
    out = v.astype(str).astype(object)
    out[integral] = v[integral].astype(np.int64).astype(str).astype(object)
    return out


def _shared_strings(header: Sequence[str], columns: Sequence[Column]):
    """The shared strings: header first, then every text cell, in first-seen order.

    Returns each string cell's code, the distinct strings, how many non-empty
    string cells there are and the code of the empty string (-1: none).
    """
    texts = [np.array([str(h) for h in header], dtype=object)]
    texts += [_text_array(col.values) for col in columns if col.kind == "text"]
    allv = np.concatenate(texts) if texts else np.array([], dtype=object)
    codes, uniques = pd.factorize(allv)
    uniques = np.asarray(uniques, dtype=object)
    empty = np.flatnonzero(uniques == "")
    return codes, uniques, int((allv != "").sum()), int(empty[0]) if len(empty) else -1


def _cell_fragments(
    columns: Sequence[Column], codes, n: int, offset: int, empty_code: int, numbers
):
    """Each column's ``<c>`` elements, one per row ('' for an empty cell)."""
    rows = numbers[2 : n + 2]
    fragments = []
    for j, col in enumerate(columns):
        letter = column_letter(j)
        style = f' s="{col.style}"' if col.style else ""
        if col.kind == "text":
            c = codes[offset : offset + n]
            offset += n
            frag = f'<c r="{letter}' + rows + f'"{style} t="s"><v>' + numbers[c] + "</v></c>"
            frag[c == empty_code] = ""
        else:
            v = np.asarray(col.values, dtype=float)
            frag = f'<c r="{letter}' + rows + f'"{style}><v>' + _number_text(v) + "</v></c>"
            frag[np.isnan(v)] = ""
        fragments.append(frag)
    return fragments


def _sheet_head(columns: Sequence[Column], n: int, header_codes) -> str:
    """The sheet's XML up to and including its header row."""
    ncol = len(columns)
    last = f"{column_letter(ncol - 1)}{n + 1}" if ncol else "A1"
    head = (
        _XML_HEAD
        + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><dimension ref="A1:{last}"/>'
        + '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        + '<sheetFormatPr defaultRowHeight="15"/>'
    )
    styled = [(j, col.style) for j, col in enumerate(columns) if col.style == STYLE_TEXT]
    if styled:
        head += (
            "<cols>"
            + "".join(
                f'<col min="{j + 1}" max="{j + 1}" width="9.140625" style="{s}"/>'
                for j, s in styled
            )
            + "</cols>"
        )
    head += "<sheetData>"
    return (
        head
        + '<row r="1">'
        + "".join(
            f'<c r="{column_letter(j)}1" t="s"><v>{header_codes[j]}</v></c>' for j in range(ncol)
        )
        + "</row>"
    )


_SHEET_TAIL = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
    'header="0.3" footer="0.3"/></worksheet>'
)


def _string_items(uniques) -> list[str]:
    """One ``<si>`` per distinct string, spaces kept where they would be lost."""
    escaped = _escape_xml(uniques)
    si = "<si><t>" + escaped + "</t></si>"
    preserve = _needs_preserve(uniques)
    if preserve.any():
        si[preserve] = '<si><t xml:space="preserve">' + escaped[preserve] + "</t></si>"
    return si.tolist()


def _write_part(zf: zipfile.ZipFile, name: str, chunks, compresslevel: int) -> None:
    """One file of the package, dated 1980-01-01 so the bytes depend on the content only."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if hasattr(info, "compress_level"):  # Python 3.13+
        info.compress_level = compresslevel
    else:
        info._compresslevel = compresslevel
    info.external_attr = 0o600 << 16
    with zf.open(info, "w", force_zip64=True) as f:
        for chunk in chunks:
            f.write(chunk.encode("utf-8"))


def _sheet_chunks(head: str, rows, fragments, n: int):
    """The sheet's XML in pieces of ROW_CHUNK rows."""
    rows_open = '<row r="' + rows + '">'
    yield head
    for start in range(0, n, ROW_CHUNK):
        stop = min(start + ROW_CHUNK, n)
        cols = [rows_open[start:stop].tolist()] + [f[start:stop].tolist() for f in fragments]
        yield "</row>".join(map("".join, zip(*cols, strict=True))) + "</row>"
    yield _SHEET_TAIL


def write_sheet(
    path: str | Path,
    sheet_name: str,
    header: Sequence[str],
    columns: Sequence[Column],
    *,
    created: datetime,
    compresslevel: int | None = None,
) -> Path:
    """Write one sheet: a header row of text, then the columns.

    ``compresslevel``: zip deflate level; default 6, or 1 for sheets above
    LARGE_SHEET_CELLS cells (deflate dominates the time of very large sheets).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(columns[0].values) if columns else 0
    if len(header) != len(columns):
        raise ValueError("one header per column")
    codes, uniques, count, empty_code = _shared_strings(header, columns)
    # numbers as text, formatted once: row numbers and shared-string indexes
    numbers = np.arange(max(n + 2, len(uniques))).astype(str).astype(object)
    fragments = _cell_fragments(columns, codes, n, len(header), empty_code, numbers)
    if compresslevel is None:
        compresslevel = 1 if n * len(columns) > LARGE_SHEET_CELLS else 6
    head = _sheet_head(columns, n, codes[: len(header)])
    created_iso = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    strings = [
        _XML_HEAD + f'<sst xmlns="{_MAIN_NS}" count="{count}" uniqueCount="{len(uniques)}">',
        "".join(_string_items(uniques)),
        "</sst>",
    ]
    with zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as zf:
        for name, chunks in (
            ("[Content_Types].xml", [_content_types()]),
            ("_rels/.rels", [_ROOT_RELS]),
            ("xl/_rels/workbook.xml.rels", [_WORKBOOK_RELS]),
            ("xl/worksheets/sheet1.xml", _sheet_chunks(head, numbers[2 : n + 2], fragments, n)),
            ("xl/workbook.xml", [_workbook(sheet_name)]),
            ("xl/sharedStrings.xml", strings),
            ("xl/styles.xml", [_STYLES]),
            ("xl/theme/theme1.xml", [THEME_XML_2007]),
            ("docProps/core.xml", [_core(created_iso)]),
            ("docProps/app.xml", [_app(sheet_name)]),
        ):
            _write_part(zf, name, chunks, compresslevel)
    return path


def _content_types() -> str:
    ct = "application/vnd.openxmlformats-officedocument"
    return (
        _XML_HEAD
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        + '<Default Extension="xml" ContentType="application/xml"/>'
        + f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>'
        + '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        + f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
        + f'<Override PartName="/xl/theme/theme1.xml" ContentType="{ct}.theme+xml"/>'
        + f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
        + f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.spreadsheetml.worksheet+xml"/>'
        + f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.spreadsheetml.sharedStrings+xml"/>'
        + "</Types>"
    )


_ROOT_RELS = (
    _XML_HEAD
    + f'<Relationships xmlns="{_PKG_REL_NS}">'
    + '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    + '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    + '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    + "</Relationships>"
)
_WORKBOOK_RELS = (
    _XML_HEAD
    + f'<Relationships xmlns="{_PKG_REL_NS}">'
    + f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    + f'<Relationship Id="rId2" Type="{_REL_NS}/theme" Target="theme/theme1.xml"/>'
    + f'<Relationship Id="rId3" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    + f'<Relationship Id="rId4" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    + "</Relationships>"
)


def _xml_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _workbook(sheet_name: str) -> str:
    return (
        _XML_HEAD
        + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        + '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>'
        + '<workbookPr defaultThemeVersion="124226"/>'
        + '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
        + f'<sheets><sheet name="{_xml_attr(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>'
        + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def _styles() -> str:
    fmts = "".join(
        f'<numFmt numFmtId="{i}" formatCode="{_xml_attr(code)}"/>'
        for i, code in _NUM_FORMATS.values()
    )
    xfs = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' + "".join(
        f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for i, _ in _NUM_FORMATS.values()
    )
    return (
        _XML_HEAD
        + f'<styleSheet xmlns="{_MAIN_NS}"><numFmts count="{len(_NUM_FORMATS)}">{fmts}</numFmts>'
        + '<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
        + '<scheme val="minor"/></font></fonts>'
        + '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        + f'<cellXfs count="{len(_NUM_FORMATS) + 1}">{xfs}</cellXfs>'
        + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        + '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
        + "</styleSheet>"
    )


_STYLES = _styles()


def _core(created_iso: str) -> str:
    return (
        _XML_HEAD
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        + 'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        + 'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + "<dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy>"
        + f'<dcterms:created xsi:type="dcterms:W3CDTF">{created_iso}</dcterms:created>'
        + f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created_iso}</dcterms:modified>'
        + "</cp:coreProperties>"
    )


def _app(sheet_name: str) -> str:
    return (
        _XML_HEAD
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        + 'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        + "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        + '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>'
        + "<vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>"
        + f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>{_xml_attr(sheet_name)}</vt:lpstr></vt:vector></TitlesOfParts>'
        + "<Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        + "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>"
    )

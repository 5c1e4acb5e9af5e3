"""Every figure the kit quotes from a paper (a2vlib/papers/*) is found in that paper's text, and each table cell sits
in its row and column there. The texts live outside the repository: set ``A2V_PAPERS`` to their folder;
without them the tests that read them skip, the self-checks of the matcher still run."""
from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from a2vlib.core.paths import repo_root
from a2vlib.papers import Quote, chen2017, liu_v2ra, quotes, wan2019

PAPERS: dict[str, ModuleType] = {"wan2019": wan2019, "chen2017": chen2017, "liu_v2ra": liu_v2ra}


def papers_dir() -> Path:
    """Where the paper texts are: ``A2V_PAPERS`` (unset: nowhere, and the tests that read them skip)."""
    return Path(os.environ.get("A2V_PAPERS") or repo_root() / "papers")


# ---- the matcher -------------------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """The text as the matcher reads it: LaTeX math and markdown escapes undone (``$2.45 \\pm 0.48$`` -> ``2.45 ±
    0.48``, ``64\\*64`` -> ``64*64``), thousands separators dropped (``10,701`` -> ``10701``), whitespace collapsed."""
    text = text.replace("\u2212", "-").replace("\u00a0", " ").replace("$", "")
    text = re.sub(r"\\(pm|times)(?![A-Za-z])", lambda m: {"pm": "±", "times": "×"}[m[1]], text)
    text = re.sub(r"\\([*_%])", r"\1", text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # only a comma between digits with three after it
    text = re.sub(r"\s+", " ", text)
    return re.sub(r" ?± ?", " ± ", text)


def _number(value: float) -> str:
    """A regex for ``value`` as a paper may print it: trailing zeros allowed (2.7 finds "2.70"), and bounded, so that
    2.16 is not found inside 12.16, 2.165, -2.16 or 2.16.5."""
    s = format(Decimal(str(value)), "f")
    sign, s = ("-", s[1:]) if s.startswith("-") else ("", s)
    whole, _, frac = s.partition(".")
    frac = frac.rstrip("0")
    body = re.escape(whole) + (r"\." + frac + "0*" if frac else r"(?:\.0+)?")
    left = r"(?<![\w.])" if sign else r"(?<![\w.\-])"  # a positive number is not the tail of a negative one
    return left + re.escape(sign) + body + r"(?!\d)(?!\.\d)"


def _text(text: str) -> str:
    """A regex for a quote's ``text``: literal (after :func:`normalise`), bounded where it starts or ends with a
    digit or a letter, so that "78%" is not found inside "178%" nor "ten folds" inside "often folds"."""
    t = normalise(text).strip()
    pattern = re.escape(t)
    if t[0].isdigit():
        pattern = r"(?<![\w.\-])" + pattern
    elif t[0] == "-" or t[0].isalpha():
        pattern = r"(?<![\w.])" + pattern
    if t[-1].isdigit():
        pattern += r"(?!\d)(?!\.\d)"
    elif t[-1].isalnum():
        pattern += r"(?!\w)"
    return pattern


def pattern(q: Quote) -> str:
    """What the paper must show for ``q``: its ``text`` if given, else the value (and `` ± spread``)."""
    if q.text is not None:
        return _text(q.text)
    return _number(q.value) + ("" if q.spread is None else " ± " + _number(q.spread))


def found(q: Quote, text: str) -> bool:
    """Whether ``q`` occurs in ``text`` (already normalised)."""
    return re.search(pattern(q), text) is not None


_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "twelve": 12, "twenty": 20}


def _numbers_in(text: str) -> list[float]:
    """The numbers a quote's ``text`` spells, in digits or (small) words."""
    t = normalise(text)
    nums = [float(n) for n in re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?", t)]  # "10-30" gives 10 and 30
    return nums + [float(v) for w, v in _WORDS.items() if re.search(rf"\b{w}\b", t, re.IGNORECASE)]


def _agrees(value: float, nums: list[float]) -> bool:
    """``value`` is one of ``nums``, or a share printed as a percentage."""
    return any(math.isclose(value, n, rel_tol=1e-9, abs_tol=1e-12)
               or (abs(value) <= 1 and math.isclose(100 * value, n, rel_tol=1e-9)) for n in nums)


# ---- the paper texts and their tables ----------------------------------------------------------------------------

def _tables(raw: str) -> list[list[list[str]]]:
    """The tab-separated tables of a paper's markdown: runs of lines holding a tab, each line a row of normalised
    cells (trailing empty cells dropped)."""
    blocks: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in raw.splitlines():
        if "\t" in line:
            cells = [normalise(c).strip() for c in line.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            current.append(cells)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


class Paper:
    """One paper's text, normalised, and its tables."""

    def __init__(self, raw: str) -> None:
        self.text = normalise(raw)
        self.tables = _tables(raw)

    def after(self, label: str) -> str:
        """The cell right of the one cell that reads ``label`` (Wan's Table 1 pairs "Plane 2803 Speedboat 900")."""
        hits = [row[i + 1] for t in self.tables for row in t for i, c in enumerate(row[:-1]) if c == label]
        assert len(hits) == 1, f"{label!r}: {len(hits)} cells read so, expected one"
        return hits[0]

    def cell(self, row: str, col: str, header: str | None = None) -> str:
        """The cell at (row ``row``, column ``col``) of the one table whose header holds ``col`` (and ``header``,
        where two tables share row and column names) and that has a row whose first cell reads ``row``."""
        hits = [r[t[0].index(col)] for t in self.tables if col in t[0] and (header is None or header in t[0])
                for r in t[1:] if r and r[0] == row]
        assert len(hits) == 1, f"({row!r}, {col!r}): {len(hits)} cells, expected one"
        return hits[0]

    def row_cell(self, anchor: str, offset: int, col: int) -> str:
        """Column ``col`` of the row ``offset`` rows below the one row that starts with ``anchor`` (for tables whose
        row names repeat, like Liu's layer lists)."""
        hits = [t[i + offset] for t in self.tables for i, r in enumerate(t) if r and r[0] == anchor]
        assert len(hits) == 1, f"{anchor!r}: {len(hits)} rows, expected one"
        return hits[0][col]


@pytest.fixture(scope="session")
def papers() -> dict[str, Paper]:
    folder = papers_dir()
    missing = [m.TEXT_FILE for m in PAPERS.values() if not (folder / m.TEXT_FILE).is_file()]
    if missing:
        pytest.skip(f"paper texts not found in {folder} ({', '.join(missing)}); set A2V_PAPERS to their folder")
    return {name: Paper((folder / m.TEXT_FILE).read_text(encoding="utf-8")) for name, m in PAPERS.items()}


# ---- every quote is in its paper ---------------------------------------------------------------------------------

ALL_QUOTES: list[tuple[str, str, Quote]] = [(name, path, q) for name, m in PAPERS.items()
                                            for path, q in quotes(m).items()]


def test_quotes_are_collected() -> None:
    counts = {name: sum(1 for n, _, _ in ALL_QUOTES if n == name) for name in PAPERS}
    assert all(c >= 20 for c in counts.values()), counts
    assert "TABLE2.spectrogram" in quotes(wan2019) and "TABLE8.dog.peak_match.osg" in quotes(liu_v2ra)


@pytest.mark.parametrize(("paper", "path", "q"), ALL_QUOTES, ids=[f"{n}:{p}" for n, p, _ in ALL_QUOTES])
def test_quote_is_in_its_paper(papers: dict[str, Paper], paper: str, path: str, q: Quote) -> None:
    assert found(q, papers[paper].text), f"{paper}.{path} = {q!r}: /{pattern(q)}/ is not in the paper's text"


@pytest.mark.parametrize(("paper", "path", "q"), [c for c in ALL_QUOTES if c[2].text is not None],
                         ids=[f"{n}:{p}" for n, p, q in ALL_QUOTES if q.text is not None])
def test_quote_text_spells_its_value(paper: str, path: str, q: Quote) -> None:
    """A ``text`` must show the value it stands for (or its percentage), so a wrong value cannot hide behind it."""
    assert q.text is not None
    nums = _numbers_in(q.text)
    assert _agrees(q.value, nums), f"{paper}.{path}: value {q.value} not in {q.text!r}"
    assert q.spread is None or _agrees(q.spread, nums), f"{paper}.{path}: spread {q.spread} not in {q.text!r}"


# ---- each table cell is in its row and column --------------------------------------------------------------------

Locator = tuple[object, ...]  # ("after", label) | ("cell", row, col) | ("row", anchor, offset, col)


def _cases() -> Iterator[tuple[str, str, Quote, Locator]]:
    """(paper, path, quote, where its cell is) for the cells of every numeric table."""
    w, c, lv = wan2019, chen2017, liu_v2ra
    for k, q in w.TABLE1.items():
        yield "wan2019", f"TABLE1.{k}", q, ("after", k.title())
    for k, q in w.TABLE2.items():
        yield "wan2019", f"TABLE2.{k}", q, ("after", w.TABLE2_FEATURES[k])
    for k, q in w.TABLE4.items():
        yield "wan2019", f"TABLE4.{k}", q, ("after", f"({k}) {w.TABLE4_MODELS[k]}")
    for k, q in w.TABLE5_HUMAN.items():
        yield "wan2019", f"TABLE5_HUMAN.{k}", q, ("after", w.TABLE5_MODELS[k])
    for k, q in w.TABLE6.items():
        yield "wan2019", f"TABLE6.{k}", q, ("cell", "Percentage (%)", k.title())

    for rep, by_layers in c.TABLE1.items():
        for n, q in by_layers.items():
            yield "chen2017", f"TABLE1.{rep}.{n}", q, ("cell", f"{n} layers", rep)
    split_rows = {"train": "Training set", "test": "Testing Set"}  # Table 2 prints "Testing Set"
    for k, row in c.TABLE2.items():
        for split, q in row.items():
            yield "chen2017", f"TABLE2.{k}.{split}", q, ("cell", split_rows[split], c.TABLE2_INSTRUMENTS[k], "Cello")
    inis_rows = {"songs": "Complete songs", "train": "Training set", "test": "Testing set"}
    for k, row in c.TABLE3.items():
        for split, q in row.items():
            yield "chen2017", f"TABLE3.{k}.{split}", q, ("cell", inis_rows[split], c.TABLE3_INSTRUMENTS[k], "Piano")
    for model, row in c.TABLE5.items():
        for split, q in row.items():
            yield "chen2017", f"TABLE5.{model}.{split}", q, ("cell", {"train": "Training Set",
                                                                       "test": "Testing Set"}[split], model)

    columns = {"stride": 0, "kernel": 1, "length": 2}
    for name, table, anchor in (("TABLE1_GENERATOR", lv.TABLE1_GENERATOR, "Input V Uniform(-1,1)"),
                                ("TABLE2_DISCRIMINATOR", lv.TABLE2_DISCRIMINATOR, "Input X and G(V)")):
        for i, (layer, row) in enumerate(table.items()):  # the dict keeps the printed row order
            for col, q in row.items():
                yield "liu_v2ra", f"{name}.{layer}.{col}", q, ("row", anchor, i, columns[col])
    for k, q in lv.TABLE3.items():
        yield "liu_v2ra", f"TABLE3.{k}", q, ("after", lv.TABLE3_ROWS[k])
    for k, q in lv.TABLE5_OSG.items():
        yield "liu_v2ra", f"TABLE5_OSG.{k}", q, ("after", lv.TABLE5_ROWS[k])
    for name, table, rows in (("TABLE6", lv.TABLE6, lv.TABLE6_ROWS), ("TABLE7", lv.TABLE7, lv.TABLE7_ROWS)):
        for k, row in table.items():
            for m, q in row.items():
                yield "liu_v2ra", f"{name}.{k}.{m}", q, ("cell", rows[k], lv.METRIC_LABELS[m])
    for i, (k, row) in enumerate(lv.TABLE9.items()):
        for j, (col, q) in enumerate(row.items(), start=1):
            yield "liu_v2ra", f"TABLE9.{k}.{col}", q, ("row", "[12]", i, j)


CASES = list(_cases())


def _locate(paper: Paper, where: Locator) -> str:
    kind, *args = where
    return {"after": paper.after, "cell": paper.cell, "row": paper.row_cell}[kind](*args)


@pytest.mark.parametrize(("paper", "path", "q", "where"), CASES, ids=[f"{n}:{p}" for n, p, _, _ in CASES])
def test_table_cell(papers: dict[str, Paper], paper: str, path: str, q: Quote, where: Locator) -> None:
    cell = _locate(papers[paper], where)
    assert re.fullmatch(pattern(q), cell), f"{paper}.{path} = {q!r}, but the cell at {where} reads {cell!r}"


def test_liu_table9_row_names(papers: dict[str, Paper]) -> None:
    names = [papers["liu_v2ra"].row_cell("[12]", i, 0) for i in range(len(liu_v2ra.TABLE9))]
    assert names == list(liu_v2ra.TABLE9_ROWS.values())


@pytest.mark.parametrize("category", list(liu_v2ra.TABLE8))
def test_liu_table8_cells(papers: dict[str, Paper], category: str) -> None:
    """Table 8 prints each cell as "ODG / OSG"."""
    for stage, q in liu_v2ra.TABLE8[category].items():
        cell = papers["liu_v2ra"].cell(category.title(), liu_v2ra.STAGE_LABELS[stage])
        assert re.fullmatch(pattern(q["odg"]) + " / " + pattern(q["osg"]), cell), (category, stage, cell)


# ---- the matcher can fail ----------------------------------------------------------------------------------------

def test_a_wrong_quote_is_not_found(papers: dict[str, Paper]) -> None:
    text = papers["wan2019"].text
    assert found(wan2019.TABLE2["spectrogram"], text)
    assert not found(Quote(2.20, "Table 2"), text)  # the kit once quoted 2.20 for the spectrogram
    assert not found(Quote(2.16, "Table 2", spread=0.30), text)  # right mean, wrong spread
    assert not found(Quote(0.77, "§3", text="77%"), text)


def test_a_swapped_cell_is_caught(papers: dict[str, Paper]) -> None:
    """Chen's Table 5 prints S2I-C, S2I-A, S2I-N: S2I-N's training accuracy is 12.62 %, not 10.63 %."""
    cell = papers["chen2017"].cell("Training Set", "S2I-N")
    assert re.fullmatch(pattern(chen2017.TABLE5["S2I-N"]["train"]), cell)
    assert not re.fullmatch(pattern(chen2017.TABLE5["S2I-A"]["train"]), cell)


def test_boundaries() -> None:
    q = Quote(2.16, "Table 2")
    for text in ("12.16", "2.165", "-2.16", "2.16.5", "x2.16"):
        assert not found(q, normalise(text)), text
    for text in ("2.16", "is 2.16.", "(2.16)", "2.160"):
        assert found(q, normalise(text)), text
    assert found(Quote(2.45, "T", spread=0.48), normalise(r"$2.45 \pm 0.48$"))
    assert not found(Quote(2.45, "T", spread=0.48), normalise(r"$2.45 \pm 0.485$"))
    assert found(Quote(10701, "§3"), normalise("10,701 pairs")) and found(Quote(10701, "§3"), normalise("10701"))
    assert not found(Quote(701, "§3"), normalise("10,701"))
    assert found(Quote(-0.2124, "T"), normalise("\t-0.2124\t")) and not found(Quote(0.2124, "T"), normalise("-0.2124"))
    assert not found(Quote(0.78, "§3", text="78%"), normalise("178%"))
    assert not found(Quote(10, "§5", text="ten folds"), normalise("often folds"))
    assert not _agrees(0.8744, _numbers_in("84.12 %")) and _agrees(0.8412, _numbers_in("84.12 %"))


# ---- sums and arithmetic the papers imply ------------------------------------------------------------------------

def test_wan_table1_sums_to_the_training_pairs() -> None:
    assert sum(q.value for q in wan2019.TABLE1.values()) == wan2019.TRAIN_PAIRS.value
    assert set(wan2019.TABLE4) == set(wan2019.TABLE4_MODELS) == set("abcdefg")
    assert set(wan2019.TABLE5_HUMAN) == set(wan2019.TABLE5_MODELS) <= set(wan2019.TABLE4)


def test_chen_table2_does_not_sum_to_the_text() -> None:
    """Table 2's cells sum to 80,145 pairs, 660 short of the 80,805 in the text; both are quoted as printed."""
    assert chen2017.TABLE2_SUMS == {"train": 71230, "test": 8915}
    assert sum(chen2017.TABLE2_SUMS.values()) == chen2017.TOTAL_PAIRS.value - 660
    assert sum(r["songs"].value for r in chen2017.TABLE3.values()) == chen2017.INIS_SOLO_PERFORMANCES.value


def test_liu_generator_lengths_follow_the_strides() -> None:
    """Table 1's encoder: each strided convolution divides the length by its stride (44100 -> 1). Its decoder's
    lengths mirror the encoder's (1 -> 44100), but the printed decoder strides (7, 5, 5, 4, 3, 3, 3; product 18900)
    do not give them: mirroring needs 7, 7, 5, 5, 4, 3, 3. Both are quoted as printed (a misprint in the paper)."""
    g = liu_v2ra.TABLE1_GENERATOR
    length = g["input"]["length"].value
    for k in range(1, 8):
        length /= g[f"conv{k}"]["stride"].value
        assert g[f"conv{k}"]["length"].value == length, k
    assert [g[f"tconv{k}"]["length"].value for k in range(1, 8)] == [g[f"conv{7 - k}"]["length"].value
                                                                   for k in range(1, 7)] + [44100]
    assert math.prod(g[f"tconv{k}"]["stride"].value for k in range(1, 8)) == 18900
    assert g["tanh"]["length"].value == g["filter"]["length"].value == 44100


def test_liu_osg_is_eq12_of_its_parts() -> None:
    """OSG = 0.57 MMS + 0.52 MSF + 0.45 RMS (eq. 12) holds for the rows of Tables 6 and 7 up to rounding, except the
    rows listed in OSG_NOT_EQ12 (misprints in the paper), which must really be off. Rounding: each printed cell is
    within 0.00005 of its value, so eq. 12 of printed parts is within 0.00005 x (1 + 0.57 + 0.52 + 0.45) of the
    printed OSG."""
    r = {k: q.value for k, q in liu_v2ra.OSG_WEIGHTS.items()}
    rounding = 0.00005 * (1 + sum(r.values()))
    for name in ("TABLE6", "TABLE7"):
        for k, row in getattr(liu_v2ra, name).items():
            osg = r["mms"] * row["mms"].value + r["msf"] * row["msf"].value + r["rms"] * row["rms"].value
            off = abs(osg - row["osg"].value) > rounding
            assert off == (f"{name}.{k}" in liu_v2ra.OSG_NOT_EQ12), (name, k, round(osg, 4), row["osg"].value)


def test_wan_readings_quote_the_paper(papers) -> None:
    """The phrases the ladder's readings table quotes from Wan et al. (between single quotes) are in its text."""
    import re

    from a2vlib.studies.wan2019.rungs import READINGS

    text = " ".join(papers["wan2019"].text.split())
    quoted = [q for r in READINGS.values() for q in re.findall(r"'([^']{12,})'", r["paper"])]
    assert len(quoted) >= 3
    for q in quoted:
        assert " ".join(q.split()) in text, q

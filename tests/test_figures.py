"""Figures a journal accepts (certify.scheduling.plots): the files are read back.

* PDFs embed TrueType/Type 42 fonts, never Type 3 (journal checkers such as
  IEEE PDF eXpress and Elsevier's reject Type 3 bitmaps/procedures);
* every plotted line of a figure has its own (line style, marker, colour), so
  curves stay apart in greyscale;
* axis labels say their units (docs/model.md: W is a time, in mean service
  times when E[S] = 1; Theta is baseline output per unit time);
* scan heatmaps name their axes (not raw keys) and print cell text that
  contrasts with the cell.
"""

import re
from pathlib import Path

import matplotlib
import matplotlib.text
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from certify.cli import main
from certify.report.results import write_json
from certify.scheduling import plots
from certify.scheduling import scan as scans

TYPE3 = re.compile(rb"/Subtype\s*/Type3|/FontType\s+3\b")
EMBEDDED = re.compile(rb"/Subtype\s*/(?:Type0|TrueType|CIDFontType2)")


@pytest.fixture
def saved_figures(monkeypatch):
    """Every Figure saved during the test, in order (the files are written as usual)."""
    figures = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return figures


def run(arguments):
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def assert_no_type3(path):
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF")
    assert not TYPE3.search(data), f"{path} embeds a Type 3 font"
    assert EMBEDDED.search(data), "the PDF embeds no TrueType font at all"


def assert_distinct_lines(figure):
    lines = [line for axes in figure.axes for line in axes.get_lines() if isinstance(line, Line2D)]
    assert len(lines) >= 3
    triples = [(str(line.get_linestyle()), str(line.get_marker()), matplotlib.colors.to_hex(line.get_color()))
               for line in lines]
    assert len(set(triples)) == len(triples), triples


def assert_readable_in_a_column(figure):
    """At most a column wide, and every piece of text between 5 and 9 pt at that size."""
    assert figure.get_figwidth() <= plots.COLUMN_WIDTH
    sizes = {text.get_fontsize() for text in figure.findobj(matplotlib.text.Text)
             if text.get_visible() and text.get_text().strip()}
    assert sizes and min(sizes) >= 5 and max(sizes) <= 9, sorted(sizes)


def labels(figure):
    return [(axes.get_xlabel(), axes.get_ylabel()) for axes in figure.axes]


def test_frontier_pdf_type42_distinct_lines_units(tmp_path, saved_figures):
    pdf = tmp_path / "f.pdf"
    run(["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--plot", str(pdf)])
    assert_no_type3(pdf)
    (figure,) = saved_figures
    assert_distinct_lines(figure)
    assert_readable_in_a_column(figure)
    text = " ".join(x + " " + y for x, y in labels(figure))
    assert "W$ (in mean service times)" in text  # E[S] = 1 in the bundled model
    assert r"$\Theta$ (T per unit time)" in text
    assert "% of classical" in text


def test_several_loads_still_distinct(tmp_path, saved_figures):
    pdf = tmp_path / "loads.pdf"
    run(["pareto", "--points", "3", "--level", "none", "--jobs", "1", "--arrival-rate", "0.01,0.1,0.5",
         "--plot", str(pdf)])
    assert_no_type3(pdf)
    assert_distinct_lines(saved_figures[0])


def test_noisy_pdf_type42_distinct_lines_units(tmp_path, saved_figures):
    pdf = tmp_path / "noisy.pdf"
    run(["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--visibility", "0.8,0.9,1", "--plot", str(pdf)])
    assert_no_type3(pdf)
    (figure,) = saved_figures
    assert_distinct_lines(figure)
    assert_readable_in_a_column(figure)
    x_labels = [x for x, _ in labels(figure)]
    assert any("split probability" in x for x in x_labels) and any("visibility" in x for x in x_labels)
    assert all("% of classical" in y for _, y in labels(figure))


def test_eleven_visibilities_all_distinct(tmp_path, saved_figures):
    """docs/noisy.png's eleven curves: more than matplotlib's ten-colour default cycle."""
    values = ",".join(f"{v / 100:g}" for v in range(80, 101, 2))
    run(["pareto", "--points", "3", "--level", "none", "--jobs", "1", "--visibility", values,
         "--plot", str(tmp_path / "noisy.png")])
    (figure,) = saved_figures
    assert len(figure.axes[0].get_lines()) == 11
    assert_distinct_lines(figure)


def test_style_is_local_to_the_figure(tmp_path):
    """The paper rc settings do not leak into the caller's matplotlib session."""
    before = matplotlib.rcParams["pdf.fonttype"], matplotlib.rcParams["font.size"]
    with plots.paper_style():
        assert matplotlib.rcParams["pdf.fonttype"] == 42 and matplotlib.rcParams["ps.fonttype"] == 42
    assert (matplotlib.rcParams["pdf.fonttype"], matplotlib.rcParams["font.size"]) == before


def test_line_style_cycle_is_longer_than_any_figure():
    """Eleven visibilities (docs/noisy.png) and more: all triples distinct, and the
    (line style, marker) pairs, all that greyscale keeps, distinct for 20 curves."""
    styles = plots.line_styles(140)
    assert len(set(styles)) == 140
    assert len({(ls, marker) for _, ls, marker in styles[:20]}) == 20


@pytest.mark.parametrize("rgba, expected", [((1.0, 1.0, 0.0, 1.0), "black"),   # yellow (viridis' top)
                                            ((0.27, 0.0, 0.33, 1.0), "white"),  # dark purple (its bottom)
                                            ((1.0, 1.0, 1.0, 1.0), "black"), ((0.0, 0.0, 0.0, 1.0), "white")])
def test_text_colour_by_luminance(rgba, expected):
    assert plots.text_colour(rgba) == expected


def test_scan_heatmap_names_axes_and_contrasts(tmp_path, saved_figures):
    """A 2 x 2 scan, its cells computed in this process (no cluster), then its heatmap."""
    source = tmp_path / "tiny.toml"
    source.write_text('name = "tiny"\nproblem = "dual_work"\n[options]\npoints = 3\nlevel = "none"\n'
                      "[axes]\narrival_rate = [0.1, 0.5]\nthresholds = [[0.5], [1.0]]\n", encoding="utf-8")
    scan = scans.load_scan(source)
    out = tmp_path / "out"
    (out / "cells").mkdir(parents=True)
    write_json(scan.to_json(), out / "scan.json")
    for cell in scan.cells:
        outcome = scans.run_cell(cell.to_json())
        assert outcome["status"] == "done", outcome
        write_json(outcome["document"], scans.cell_path(out, cell.id))
    pdf = tmp_path / "heat.pdf"
    scans.heatmap(out, "arrival_rate", "thresholds", pdf)
    assert_no_type3(pdf)
    (figure,) = saved_figures
    assert_readable_in_a_column(figure)
    panels = [axes for axes in figure.axes if axes.get_images()]
    assert len(panels) >= 2
    for axes in panels:
        assert axes.get_xlabel() == "arrival rate λ (pairs per unit time)"
        assert axes.get_ylabel() == "size thresholds w (time units)"
        image = axes.get_images()[0]
        data = image.get_array()
        assert axes.texts
        for text in axes.texts:
            j, i = (int(round(c)) for c in text.get_position())
            cell = image.cmap(image.norm(data[i, j]))
            contrast = plots.text_colour(cell)
            assert matplotlib.colors.to_hex(text.get_color()) == matplotlib.colors.to_hex(contrast)
            # and the chosen colour is the better of the two by WCAG contrast ratio
            lum = plots.relative_luminance(cell)
            ratio_black, ratio_white = (lum + 0.05) / 0.05, 1.05 / (lum + 0.05)
            assert (contrast == "black") == (ratio_black >= ratio_white)

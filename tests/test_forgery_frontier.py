"""Forgeries of frontier documents (certify pareto with noise, supply, a link, several loads), each
built from genuine documents (parts of two genuine runs spliced together), and the headline of a
noisy frontier read from its JSON.

Every forgery must make `certify verify` exit 1 with one line naming the key that fails.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.proofs.frontier import IDEAL_MEANING, comparison_statement
from certify.proofs.verify import verify_document

ROOT = Path(__file__).resolve().parent.parent
MODEL = (ROOT / "problems" / "dual_work.toml").read_text().split("[expected]")[0]
LINK = '[link]\nrate = 0.5\nt2 = 20.0\ncutoff = 10.0\npolicy = "freshest"\n'
SMALL = ["--points", "3", "--level", "1", "--jobs", "1"]


def _run(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (args, result.output)
    return result


def _document(folder, name, args):
    path = folder / f"{name}.json"
    _run(args + ["--json", str(path)])
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Genuine documents: a link frontier and the same operating point with the average split rule,
    Werner pairs at full and half supply, two loads, and another model at the second load."""
    folder = tmp_path_factory.mktemp("frontiers")
    link = folder / "link.toml"
    link.write_text(MODEL + LINK)
    other = folder / "other.toml"
    other.write_text(MODEL.replace("thresholds = [1.0]", "thresholds = [2.0]"))
    docs = {"link": _document(folder, "link", ["pareto", str(link), "--link"] + SMALL)}
    operating = docs["link"]["options"]["link"]
    docs["average"] = _document(folder, "average", ["pareto", str(link), "--supply", operating["supply"],
                                                    "--visibility", operating["mean_visibility"]] + SMALL)
    docs["full"] = _document(folder, "full", ["pareto", "--visibility", "0.9"] + SMALL)
    docs["half"] = _document(folder, "half", ["pareto", "--visibility", "0.9", "--supply", "1/2"] + SMALL)
    loads = ["--points", "3", "--level", "none", "--jobs", "1"]
    docs["loads"] = _document(folder, "loads", ["pareto", "--arrival-rate", "0.1,0.5"] + loads)
    docs["other"] = _document(folder, "other", ["pareto", str(other), "--arrival-rate", "0.5"] + loads)
    return docs


def _verify(tmp_path, document):
    path = tmp_path / "document.json"
    path.write_text(json.dumps(document))
    return CliRunner().invoke(main, ["verify", str(path)])


def _rejected(tmp_path, document, key, first=None):
    """verify exits 1 with one line (no traceback), naming ``first`` (default ``key``) as the first
    failing key; and ``key`` is among the problems verify finds (the check that catches the forgery
    itself, even when another check of the same forgery reports first)."""
    result = _verify(tmp_path, document)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("certify: ") and "failed" in line]
    assert len(lines) == 1, result.output
    assert f"failed: {first or key}" in lines[0], lines[0]
    problems = [problem for item in verify_document(document) for problem in item.problems]
    assert any(problem.startswith(key) for problem in problems), problems


def _exact_advantages(document, upper_key):
    """Per split, classical W - W of the witness under ``upper_key`` (a key, or a function of the row),
    from the certificates alone: exact rationals."""
    out = []
    for row, point in zip(document["points"], document["certificate"]["points"]):
        key = upper_key(row) if callable(upper_key) else upper_key
        out.append(Fraction(point["classical"]["exact"]) - Fraction(point[key]["certificate"]["value"]))
    return out


# ---------------------------------------------------------------------------
# The headline is the noisy frontier's


@pytest.mark.parametrize("name", ["link", "full"])
def test_headline_is_the_noise_settings(documents, tmp_path, name):
    """With --link or --visibility the top-level value, advantage_certified and summary are those of
    the noise setting: the largest (classical W - W of the explicit Werner-pair strategy) over the
    grid, recomputed here from the certificates, and not the ideal pairs' (larger) advantage; verify
    accepts the genuine document and rejects it with the ideal headline swapped back."""
    document = documents[name]
    noisy = max([Fraction(0)] + _exact_advantages(document, lambda row: row["noise"][0]["upper_result"]))
    ideal = max([Fraction(0)] + _exact_advantages(document, "quantum_upper"))
    assert noisy > 0 and ideal > noisy  # noisy or rationed pairs help less than ideal ones
    value = document["value"]
    assert Fraction(value) <= noisy and noisy - Fraction(value) < Fraction(1, 10**15)  # rounded down
    summary = document["summary"]
    [setting] = summary["noise"]
    assert value == setting["value"] == summary["absolute_waiting_reduction"]["value"]
    assert document["advantage_certified"] is setting["advantage_certified"] is True
    assert summary["waiting_reduction"] == setting["waiting_reduction"]
    assert summary["certified_splits"] == setting["certified_splits"]
    assert "refinement" not in summary  # the ideal pairs' search is not this headline
    assert document["value_meaning"] != IDEAL_MEANING and setting["visibility_exact"] in document["value_meaning"]
    assert _verify(tmp_path, document).exit_code == 0

    swapped = copy.deepcopy(document)
    swapped["value"] = float(ideal) - 1e-17  # the ideal headline, rounded down
    _rejected(tmp_path, swapped, "value")
    swapped = copy.deepcopy(document)
    swapped["value_meaning"] = IDEAL_MEANING
    _rejected(tmp_path, swapped, "value_meaning")


def test_several_settings_have_one_headline_each(tmp_path):
    """Two visibilities: no single value (null), one headline per setting in summary.noise, each the
    largest advantage at its visibility recomputed from the certificates; a single value is rejected."""
    path = tmp_path / "two.json"
    _run(["pareto", "--visibility", "0.8,0.9"] + SMALL + ["--json", str(path)])
    document = json.loads(path.read_text())
    assert document["value"] is None
    for index, setting in enumerate(document["summary"]["noise"]):
        best = max([Fraction(0)] + _exact_advantages(document, lambda row: row["noise"][index]["upper_result"]))
        assert Fraction(setting["value"]) <= best and best - Fraction(setting["value"]) < Fraction(1, 10**15)
        assert setting["advantage_certified"] is (best > 0)
    # at v = 0.8 and lambda = 0.1 no split beats classical (the advantage vanishes above v = 0.8)
    assert [s["advantage_certified"] for s in document["summary"]["noise"]] == [False, True]
    assert document["advantage_certified"] is True
    assert "waiting_reduction" not in document["summary"]
    assert _verify(tmp_path, document).exit_code == 0
    forged = copy.deepcopy(document)
    forged["value"] = document["summary"]["noise"][1]["value"]
    _rejected(tmp_path, forged, "value")


# ---------------------------------------------------------------------------
# A row's two sides come from one setting


def test_werner_row_with_a_half_supply_dual_beside_a_full_supply_witness(documents, tmp_path):
    """The lower bound of the supply-1/2 run beside the full-supply witness: the bound lies above
    the witness (fewer pairs wait more), so the row claims nothing true; verify names the supply."""
    forged = copy.deepcopy(documents["full"])
    key = "werner_lower v=9/10"
    half = documents["half"]["certificate"]["points"][1][key]
    forged["certificate"]["points"][1][key] = copy.deepcopy(half)
    upper = Fraction(forged["certificate"]["points"][1]["werner_upper v=9/10"]["certificate"]["value"])
    assert Fraction(half["bound"]) > upper  # the reported forgery: lower above upper
    entry = forged["points"][1]["noise"][0]
    entry["lower"] = documents["half"]["points"][1]["noise"][0]["lower"]
    entry["gap"] = abs(entry["upper"] - entry["lower"])
    _rejected(tmp_path, forged, "points[1].noise[0].supply", first="options")  # options.supply says 1, a side 1/2
    del forged["options"]["supply"]  # (a scan cell's options need not state it)
    _rejected(tmp_path, forged, "points[1].noise[0].supply", first="value")  # no one setting: no headline
    # with the supply stated as the dual's, the two sides still disagree
    entry["supply"], entry["supply_exact"] = 0.5, "1/2"
    _rejected(tmp_path, forged, "points[1].noise[0].supply", first="value")
    _rejected(tmp_path, forged, "points[1].noise[0].lower", first="value")  # and the bound lies above the witness
    # the row's supply label dropped (it was optional): the row must state its setting
    del entry["supply"], entry["supply_exact"]
    _rejected(tmp_path, forged, "points[1].noise[0].supply", first="value")


def test_link_row_with_an_average_split_witness_beside_a_same_split_dual(documents, tmp_path):
    """The link's same-split dual beside the average-split witness of the same supply and visibility:
    the witness lies below the bound; verify names the split rule."""
    forged = copy.deepcopy(documents["link"])
    entry = forged["points"][1]["noise"][0]
    key = entry["upper_result"]
    witness = documents["average"]["certificate"]["points"][1][key]
    forged["certificate"]["points"][1][key] = copy.deepcopy(witness)
    bound = Fraction(forged["certificate"]["points"][1][entry["lower_result"]]["bound"])
    assert Fraction(witness["certificate"]["value"]) < bound  # the reported forgery: lower above upper
    entry["upper"] = documents["average"]["points"][1]["noise"][0]["upper"]
    _rejected(tmp_path, forged, "points[1].noise[0].same_split", first="value")  # no one setting: no headline
    _rejected(tmp_path, forged, "points[1].noise[0].lower", first="value")  # the bound lies above the witness


def test_link_rows_restated_as_average_split(documents, tmp_path):
    """Every row of the link frontier relabelled as the average split rule: the certificates say
    same split."""
    forged = copy.deepcopy(documents["link"])
    for row in forged["points"]:
        row["noise"][0]["same_split"] = False
    forged["summary"]["noise"][0]["same_split"] = False
    _rejected(tmp_path, forged, "points[0].noise[0].same_split", first="options")  # options.link is set
    forged["options"]["link"] = None
    _rejected(tmp_path, forged, "points[0].noise[0].same_split")


@pytest.mark.parametrize("how", ["removed", "ideal"])
def test_supply_label_stripped(documents, tmp_path, how):
    """A half-supply frontier whose rows (and options, and summary) read as ideal supply."""
    forged = copy.deepcopy(documents["half"])
    for entries in [row["noise"] for row in forged["points"]] + [forged["summary"]["noise"]]:
        for entry in entries:
            if how == "removed":
                del entry["supply"], entry["supply_exact"]
            else:
                entry["supply"], entry["supply_exact"] = 1.0, "1"
    forged["options"]["supply"] = "1"
    _rejected(tmp_path, forged, "options")  # the Werner certificates are for supply 1/2
    del forged["options"]["supply"]
    _rejected(tmp_path, forged, "points[0].noise[0].supply")


# ---------------------------------------------------------------------------
# Several loads


def _restate(document):
    """The comparison rows and sentence rebuilt from the loads, as the producer writes them."""
    rows = [{
        "arrival_rate": load["arrival_rate"], "load": load["summary"]["load"], "waiting_model": load["waiting_model"],
        "relative_reduction": load["summary"]["waiting_reduction"],
        "absolute_reduction": load["summary"]["absolute_waiting_reduction"],
        "throughput_gain": load["summary"]["throughput_gain"],
    } for load in document["loads"]]
    document["comparison"] = {"loads": rows, "statement": comparison_statement(rows)}
    document["arrival_rate"] = [load["arrival_rate"] for load in document["loads"]]
    document["advantage_certified"] = any(load["advantage_certified"] for load in document["loads"])
    models = {load["waiting_model"] for load in document["loads"]}
    document["waiting_model"] = models.pop() if len(models) == 1 else None
    return document


def test_loads_genuine_and_restated_verify(documents, tmp_path):
    """The genuine two-load document verifies, and so does its comparison restated by _restate
    (so the forgeries below differ from a genuine document only where they say)."""
    assert _verify(tmp_path, documents["loads"]).exit_code == 0
    assert _verify(tmp_path, _restate(copy.deepcopy(documents["loads"]))).exit_code == 0


def test_loads_of_different_models(documents, tmp_path):
    """The second load's frontier taken from another model (threshold 2 instead of 1) at that load."""
    forged = copy.deepcopy(documents["loads"])
    forged["loads"][1] = copy.deepcopy(documents["other"])
    assert _verify(tmp_path, documents["other"]).exit_code == 0
    _rejected(tmp_path, _restate(forged), "loads: the frontiers are of different models")


def test_loads_with_the_same_frontier_twice(documents, tmp_path):
    """"From lambda = 0.1 to 0.1": the first load's frontier twice."""
    forged = copy.deepcopy(documents["loads"])
    forged["loads"][1] = copy.deepcopy(forged["loads"][0])
    forged = _restate(forged)
    assert forged["comparison"]["statement"].startswith("From lambda = 0.1 to 0.1 ")
    _rejected(tmp_path, forged, "loads: arrival rates")


def test_loads_empty(documents, tmp_path):
    """No load at all (and one alone, which is a plain frontier document) is not a comparison."""
    forged = copy.deepcopy(documents["loads"])
    forged["loads"] = []
    _rejected(tmp_path, _restate(forged), "loads")
    forged = copy.deepcopy(documents["loads"])
    forged["loads"] = forged["loads"][:1]
    _rejected(tmp_path, _restate(forged), "loads")


@pytest.mark.parametrize("value", [3, "x", None, [], {"visibility_exact": "1"}])
@pytest.mark.parametrize("where", ["row", "entry", "first row"])
def test_malformed_noise_rows_fail_in_one_line(documents, tmp_path, where, value):
    """A noise list or entry of the wrong shape: exit 1 with one line, never a traceback."""
    forged = copy.deepcopy(documents["half"])
    if where == "entry":
        forged["points"][1]["noise"][0] = value
    else:
        forged["points"][0 if where == "first row" else 1]["noise"] = value
    result = _verify(tmp_path, forged)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert len([line for line in result.output.splitlines() if "failed" in line]) == 1, result.output
    assert "malformed (" not in result.output, result.output  # a key is named, not an exception


@pytest.mark.parametrize("loads", [[{}, {}], [{"summary": 3}, {"summary": {"waiting_reduction": 3}}], [3, "y"]])
def test_malformed_loads_fail_in_one_line(documents, tmp_path, loads):
    forged = copy.deepcopy(documents["loads"])
    forged["loads"] = loads
    result = _verify(tmp_path, forged)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "malformed (" not in result.output, result.output


def test_link_without_advantage_has_no_headline_advantage(tmp_path):
    """A weak link (pairs at rate 0.2 decaying with T2 = 2: mean visibility 3/8, below any advantage):
    the table says no certified advantage at any split, and so must the JSON (value 0,
    advantage_certified false), though the ideal pairs beat classical at p = 1/2; the ideal headline
    swapped back is rejected."""
    problem = tmp_path / "weak.toml"
    problem.write_text(MODEL + '[link]\nrate = 0.2\nt2 = 2.0\npolicy = "freshest"\n')
    path = tmp_path / "weak.json"
    result = _run(["pareto", str(problem), "--link"] + SMALL + ["--json", str(path)])
    assert "no certified advantage" in result.output
    document = json.loads(path.read_text())
    assert document["value"] == 0.0 and document["advantage_certified"] is False
    assert document["summary"]["certified_splits"] == [] and document["summary"]["waiting_reduction"]["split"] is None
    ideal = max(_exact_advantages(document, "quantum_upper"))
    assert ideal > 0
    assert _verify(tmp_path, document).exit_code == 0
    swapped = copy.deepcopy(document)
    swapped["advantage_certified"] = True
    _rejected(tmp_path, swapped, "advantage_certified")
    swapped["value"] = float(ideal) - 1e-17
    _rejected(tmp_path, swapped, "value", first="advantage_certified")


@pytest.mark.parametrize("link", [False, True])
def test_scan_cell_options_do_not_decide_the_split_rule(documents, tmp_path, link):
    """A scan cell's options carry "link" as a flag: the rows' split rule (checked against the
    certificates) is what counts, so a genuine half-supply document with such options verifies."""
    document = copy.deepcopy(documents["half"])
    document["options"]["link"] = link
    assert _verify(tmp_path, document).exit_code == 0

"""Hostile documents for `certify verify`, and numbers taken as written.

verify applies the commands' work limits (certify.games.limits) before any exact
arithmetic: each hostile document below is refused with exit status 2 and one line
naming the limit (or what the file is), in a forked child held to 10 s and 2 GB of
address space (tests/test_hostile.py's run_limited). The reported costs before these
limits: NPA level 8 on I3322, 35-54 s and 4.7 GB; a dimension-200 see-saw witness,
39 s; 400 distinct 4000-digit denominators (0.8 MB), 40 s and 1.4 GB; a 60 MB JSON
list, 38 s and 2.4 GB; a FIFO, forever; a scan manifest, "certificate failed".

Numbers: a bare decimal of a problem file (TOML or JSON) is the rational its digits
denote, never the double it rounds to (0.2500000000000000001 is not 1/4), and a
decimal whose exact value is too long (2.5e-99999) or whose double is infinite (1e400)
or zero (1e-400) is refused in one line.
"""

from __future__ import annotations

import json
import os
import random
from fractions import Fraction

import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.games.game import load_game
from test_hostile import assert_refused, run_limited

CHSH_SPLIT_TOML = """name = "CHSH-split"
inputs = [2, 2]
outputs = [2, 2]
sense = "max"
[objective]
distribution = "uniform"
payoff = "(a ^ b) == (x & y)"
[[constraints]]
name = "split"
expression = "a != b"
relation = "=="
value = VALUE
"""


def _document(tmp_path, args):
    path = tmp_path / "genuine.json"
    result = CliRunner().invoke(main, [*args, "--json", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _verify_limited(tmp_path, path):
    result = run_limited("verify", path, cwd=tmp_path)
    return result.returncode, result.stderr


# ---------------------------------------------------------------------------
# Work limits before exact arithmetic


def test_npa_level_8_on_i3322_is_refused_by_the_moment_matrix_limit(tmp_path):
    document = _document(tmp_path, ["quantum", "i3322", "--level", "1"])
    document["certificate"]["level"] = document["level"] = "8"
    path = _write(tmp_path, "npa8.json", document)
    code, stderr = _verify_limited(tmp_path, path)
    assert_refused(code, stderr, "certificate.level", "moment matrix", "CERTIFY_MAX_MOMENT_MATRIX")


def test_a_dimension_200_seesaw_witness_is_refused_by_the_dimension_limit(tmp_path):
    document = _document(tmp_path, ["seesaw", "chsh", "--restarts", "1", "--dim", "2"])
    component = document["certificate"]["components"][0]
    d = 200
    zero = [["0"] * d for _ in range(d)]
    component["state"] = {"re": ["0"] * (d * d), "im": ["0"] * (d * d)}
    for player in ("A", "B"):
        component[player] = [[{"re": zero, "im": zero} for _ in range(2)] for _ in range(2)]
    path = _write(tmp_path, "dim200.json", document)
    code, stderr = _verify_limited(tmp_path, path)
    assert_refused(code, stderr, "certificate.components[0]", "CERTIFY_MAX_DIM")


def _denominators(count=400, digits=4000):
    rng = random.Random(24)
    return [rng.randrange(10 ** (digits - 1), 10**digits) for _ in range(count)]


def test_400_distinct_4000_digit_denominators_in_a_document_are_refused(tmp_path):
    """A classical mixture of 400 weights with distinct 4000-digit denominators: the check
    would add them up to a 1.6-million-digit denominator."""
    document = _document(tmp_path, ["classical", "chsh"])
    entry = document["certificate"]["mixture"][0]
    document["certificate"]["mixture"] = [dict(entry, weight=f"1/{d}") for d in _denominators()]
    path = _write(tmp_path, "denominators.json", document)
    assert path.stat().st_size > 1_500_000
    code, stderr = _verify_limited(tmp_path, path)
    assert_refused(code, stderr, "certificate.mixture[].weight", "CERTIFY_MAX_TABLE_DIGITS")


def test_400_distinct_4000_digit_denominators_in_a_problem_file_are_refused(tmp_path):
    dens = iter(_denominators())
    coefficients = [[[[f"1/{next(dens)}" for _ in range(10)] for _ in range(10)] for _ in range(2)] for _ in range(2)]
    problem = {"name": "big", "inputs": [10, 10], "outputs": [2, 2], "sense": "max",
               "objective": {"coefficients": coefficients}}
    path = _write(tmp_path, "denominators-game.json", problem)
    result = run_limited("classical", path, cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, "objective.coefficients", "CERTIFY_MAX_TABLE_DIGITS")


def test_a_few_long_denominators_still_verify(tmp_path, monkeypatch):
    """The limit is on the common denominator, not on long numbers: three distinct
    1000-digit denominators in a game's coefficients are certified and verified, once the
    game's own budget (CERTIFY_MAX_GAME_DIGITS, 300 by default) is raised to hold them."""
    monkeypatch.setenv("CERTIFY_MAX_GAME_DIGITS", "3100")
    rng = random.Random(7)
    dens = _denominators(3, 1000)
    coefficients = [[[[f"{rng.randrange(1, 10**900)}/{rng.choice(dens)}" for _ in range(3)] for _ in range(3)]
                     for _ in range(2)] for _ in range(2)]
    problem = _write(tmp_path, "long.json", {"name": "long", "inputs": [3, 3], "outputs": [2, 2], "sense": "max",
                                             "objective": {"coefficients": coefficients}})
    document = tmp_path / "long-result.json"
    made = CliRunner().invoke(main, ["classical", str(problem), "--json", str(document)])
    assert made.exit_code == 0, made.output
    checked = CliRunner().invoke(main, ["verify", str(document)])
    assert checked.exit_code == 0, checked.output


def test_a_60_mb_json_list_is_refused_before_parsing(tmp_path):
    path = tmp_path / "list.json"
    with open(path, "w") as stream:
        stream.write("[" + ",".join(["0"] * (30 * 2**20)) + "]")
    assert path.stat().st_size > 60 * 10**6
    code, stderr = _verify_limited(tmp_path, path)
    assert_refused(code, stderr, "CERTIFY_MAX_VALUES")


def test_a_fifo_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    code, stderr = _verify_limited(tmp_path, path)  # opening it for reading would wait for a writer forever
    assert_refused(code, stderr, "FIFO", "not a regular file")


def test_a_scan_manifest_is_not_a_result_document(tmp_path):
    from certify.scheduling.scan import load_scan

    manifest = load_scan(os.path.join(os.path.dirname(__file__), "..", "docs", "scans", "advantage-reduced.toml"))
    path = _write(tmp_path, "scan.json", manifest.to_json())
    code, stderr = _verify_limited(tmp_path, path)
    assert_refused(code, stderr, "not a result document", "a scan manifest", "certify verify on each cell file")


def test_a_verify_report_is_not_a_result_document(tmp_path):
    document = _document(tmp_path, ["classical", "chsh"])
    source = _write(tmp_path, "result.json", document)
    report = tmp_path / "report.json"
    assert CliRunner().invoke(main, ["verify", str(source), "--json", str(report)]).exit_code == 0
    code, stderr = _verify_limited(tmp_path, report)
    assert_refused(code, stderr, "not a result document", "certify verify --json")


def test_a_huge_factor_exponent_is_refused(tmp_path):
    """An NPA factor over 2^(10^9) would make every entry a 300-million-digit integer."""
    document = _document(tmp_path, ["quantum", "chsh", "--level", "1"])
    document["certificate"]["factor"]["bits"] = 10**9
    path = _write(tmp_path, "bits.json", document)
    code, stderr = _verify_limited(tmp_path, path)
    assert_refused(code, stderr, "certificate.factor.bits", "CERTIFY_MAX_DIGITS")


# ---------------------------------------------------------------------------
# Numbers as written


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_bare_decimal_constraint_value_is_taken_as_written(tmp_path, suffix):
    """0.2500000000000000001 as a bare number (TOML float, JSON number) is the rational its
    digits denote; through a double it was certified as 1/4."""
    path = tmp_path / f"split{suffix}"
    if suffix == ".toml":
        path.write_text(CHSH_SPLIT_TOML.replace("VALUE", "0.2500000000000000001"))
    else:
        text = json.dumps(load_game("chsh_split").canonical()).replace('"value": "1/4"', '"value": 0.2500000000000000001')
        assert "0.2500000000000000001" in text
        path.write_text(text)
    assert load_game(str(path)).fixed == {"split": str(Fraction("0.2500000000000000001"))}
    out = tmp_path / "result.json"
    result = CliRunner().invoke(main, ["classical", str(path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["fixed"] == {"split": "2500000000000000001/10000000000000000000"}
    assert CliRunner().invoke(main, ["verify", str(out)]).exit_code == 0


@pytest.mark.parametrize("suffix", [".toml", ".json"])
@pytest.mark.parametrize("literal, words", [
    ("2.5e-99999", ("would need 100002 digits", "CERTIFY_MAX_DIGITS")),
    ("1e400", ("not a finite number",)),
    ("1e-400", ("below the smallest double",)),
])
def test_a_decimal_that_no_double_holds_is_refused_in_one_line(tmp_path, suffix, literal, words):
    path = tmp_path / f"split{suffix}"
    if suffix == ".toml":
        path.write_text(CHSH_SPLIT_TOML.replace("VALUE", literal))
    else:
        path.write_text(json.dumps(load_game("chsh_split").canonical()).replace('"value": "1/4"', f'"value": {literal}'))
    result = CliRunner().invoke(main, ["classical", str(path)])
    assert_refused(result.exit_code, result.stderr, str(path), "constraints[0].value", literal, *words)


def test_a_huge_integer_in_a_problem_file_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(CHSH_SPLIT_TOML.replace("VALUE", "1" + "0" * 4100))
    result = CliRunner().invoke(main, ["classical", str(path)])
    assert_refused(result.exit_code, result.stderr, "CERTIFY_MAX_DIGITS")


def test_an_underflowing_float_in_a_result_document_is_refused(tmp_path):
    document = _document(tmp_path, ["classical", "chsh"])
    text = json.dumps(document).replace('"value": 0.75', '"value": 1e-400', 1)
    path = _write(tmp_path, "tiny.json", text)
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert_refused(result.exit_code, result.stderr, "1e-400", "below the smallest double")


def test_a_decimal_literal_in_an_expression_is_taken_as_written(tmp_path):
    """The payoff 0.2500000000000000001 [CHSH wins]: the classical value is 3/4 of that
    decimal exactly (CHSH's classical value is 3/4), not 3/16 through a double."""
    path = tmp_path / "scaled.toml"
    path.write_text(CHSH_SPLIT_TOML.split("[[constraints]]")[0].replace(
        'payoff = "(a ^ b) == (x & y)"', 'payoff = "0.2500000000000000001 * ((a ^ b) == (x & y))"'))
    out = tmp_path / "scaled.json"
    result = CliRunner().invoke(main, ["classical", str(path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert Fraction(json.loads(out.read_text())["exact"]) == Fraction(3, 4) * Fraction("0.2500000000000000001")
    path.write_text(path.read_text().replace("0.2500000000000000001", "2.5e-99999"))
    refused = CliRunner().invoke(main, ["classical", str(path)])
    assert_refused(refused.exit_code, refused.stderr, "2.5e-99999", "CERTIFY_MAX_DIGITS")


@pytest.mark.parametrize("where", ["key", "name"])
def test_a_lone_surrogate_in_a_document_is_refused_in_one_line(tmp_path, where):
    """A JSON escape \\ud800 with no partner is no character: printing it in verify's line
    raised UnicodeEncodeError (a traceback); it is refused as bad input naming the key."""
    text = json.dumps(_document(tmp_path, ["classical", "chsh"]))
    if where == "key":
        text = text.replace('"tool"', '"\\ud800tool"', 1)
    else:
        text = text.replace('"CHSH"', '"CH\\ud800SH"', 1)
    path = _write(tmp_path, "surrogate.json", text)
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert_refused(result.exit_code, result.stderr, "lone surrogate U+D800", "game.name" if where == "name" else "tool")


def test_a_float_with_more_digits_than_a_double_is_refused_in_a_document(tmp_path):
    """"value": 0.75000000000000000001 was read as the double 0.75 and accepted as CHSH's
    exact 3/4: a float in a result document is a double, which 17 significant digits name."""
    text = json.dumps(_document(tmp_path, ["classical", "chsh"]))
    assert '"value": 0.75' in text
    path = _write(tmp_path, "long-float.json", text.replace('"value": 0.75', '"value": 0.75000000000000000001', 1))
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert_refused(result.exit_code, result.stderr, "0.75000000000000000001", "significant digits")
    path.write_text(text.replace('"value": 0.75', '"value": 7.5e-1', 1))  # another spelling of the same double
    assert CliRunner().invoke(main, ["verify", str(path)]).exit_code == 0


def test_werner_bounds_with_too_many_measurement_patterns_are_refused(tmp_path, monkeypatch):
    """A Werner-pair bound is checked pattern by pattern, 2^(iA + iB) exact PSD blocks (a
    2.2 kB document on a many-question game took over a minute). The dual-work frontier at
    visibility 0.9 has 2 x 2 size classes, 16 patterns: refused below that limit, checked at it."""
    document = _document(tmp_path, ["pareto", "--points", "3", "--level", "none", "--jobs", "1", "--visibility", "0.9"])
    path = _write(tmp_path, "werner.json", document)
    monkeypatch.setenv("CERTIFY_MAX_PATTERNS", "8")
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert_refused(result.exit_code, result.stderr, "2^4 measurement patterns", "CERTIFY_MAX_PATTERNS")
    monkeypatch.setenv("CERTIFY_MAX_PATTERNS", "16")
    assert CliRunner().invoke(main, ["verify", str(path)]).exit_code == 0


def test_a_problem_file_is_not_a_result_document_but_a_result_missing_its_certificate_fails(tmp_path):
    problem = _write(tmp_path, "game.json", load_game("chsh").canonical())
    code, stderr = _verify_limited(tmp_path, problem)
    assert_refused(code, stderr, "not a result document", "a problem file")
    document = _document(tmp_path, ["simulate", "--split", "1/2", "--pairs", "2000"])  # it has a "model" block
    del document["certificate"]
    result = CliRunner().invoke(main, ["verify", str(_write(tmp_path, "no-certificate.json", document))])
    assert result.exit_code == 1 and "not a result document" not in result.stderr, result.stderr


def test_a_no_signalling_check_beyond_the_lp_limit_is_refused(tmp_path, monkeypatch):
    """The no-signalling check spans every no-signalling row and behaviour entry, as the LP
    does: I3322's 45 x 36 table is refused under a limit of 100 entries, checked at 1620."""
    path = _write(tmp_path, "ns.json", _document(tmp_path, ["nosignal", "i3322"]))
    monkeypatch.setenv("CERTIFY_MAX_LP_ENTRIES", "100")
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert_refused(result.exit_code, result.stderr, "45 x 36", "CERTIFY_MAX_LP_ENTRIES")
    monkeypatch.setenv("CERTIFY_MAX_LP_ENTRIES", "1620")
    assert CliRunner().invoke(main, ["verify", str(path)]).exit_code == 0


def test_a_witness_of_too_many_components_is_refused(tmp_path):
    """A CHSH witness copied into 5000 components (about 3 ms each to check exactly, 15 s in
    all; certify's own witnesses mix a few) is refused before the check."""
    document = _document(tmp_path, ["seesaw", "chsh", "--restarts", "1", "--dim", "2"])
    component = document["certificate"]["components"][0]
    document["certificate"]["components"] = [dict(component, weight="1/5000") for _ in range(5000)]
    code, stderr = _verify_limited(tmp_path, _write(tmp_path, "components.json", document))
    assert_refused(code, stderr, "certificate.components", "CERTIFY_MAX_COMPONENTS")

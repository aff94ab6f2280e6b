"""Certified gaps, and `certify verify` on their JSON.

CHSH: classical 3/4 (Clauser et al. 1969), quantum cos^2(pi/8) (Cirel'son,
Lett. Math. Phys. 4, 93 (1980)), so the advantage is cos^2(pi/8) - 3/4.
Dual-work at p = 0.8: the quantum W is more than 15% below the
classical W (docs/model.md).
"""

import copy
import json
import math
from fractions import Fraction

import pytest
from click.testing import CliRunner

from certify.proofs.verify import verify_document
from certify.cli import main
from certify.games.game import load_game
from certify.bounds.gap import certified_gap

ADVANTAGE_CHSH = math.cos(math.pi / 8) ** 2 - 0.75


@pytest.fixture(scope="module")
def chsh_gap_json():
    return certified_gap(load_game("chsh")).to_json({})


def test_chsh_gap_is_certified_and_tight(chsh_gap_json):
    """Each side against the literature, never the heuristic against the bound: the
    certified advantage can never exceed the true one (a theorem); that the see-saw
    reaches it to 1e-9 is a one-sided check of the heuristic (its closed-form
    two-outcome steps stop at 1e-13 per sweep, so 1e-9 leaves room for any BLAS);
    the NPA bound is proved at or above Tsirelson's value and lies within 1e-7 of it
    (the solver's 1e-8 tolerance plus the certificate's shift)."""
    data = chsh_gap_json
    tsirelson = math.cos(math.pi / 8) ** 2
    assert data["certified"] is True
    assert data["classical"]["exact"] == "3/4"
    assert Fraction(data["gap_exact"]) <= Fraction(tsirelson) - Fraction(3, 4) + Fraction(1, 10**15)  # theorem
    assert data["gap"] >= ADVANTAGE_CHSH - 1e-9  # the heuristic, one-sided
    assert data["quantum_lower"]["command"] == "seesaw" and data["quantum_upper"]["command"] == "quantum"
    assert tsirelson - 1e-15 <= data["quantum_upper"]["value"] <= tsirelson + 1e-7
    assert data["npa_slack"] >= 0  # the two bounds enclose one number
    assert "Entanglement beats every classical strategy" in data["statement"]


def test_verify_accepts_the_gap_document(chsh_gap_json):
    items = verify_document(json.loads(json.dumps(chsh_gap_json)))
    assert [item.path for item in items] == ["classical", "quantum_lower", "quantum_upper", "gap"]
    assert all(item.ok for item in items)


def _tampered(data, where):
    data = copy.deepcopy(data)
    if where == "classical weight":
        data["classical"]["certificate"]["mixture"][0]["weight"] = "1/2"
    elif where == "classical dual":
        data["classical"]["certificate"]["dual"]["constant"] = "7/10"
    elif where == "see-saw amplitude":
        state = data["quantum_lower"]["certificate"]["components"][0]["state"]
        state["re"][1] = str(float(state["re"][1]) + 1e-6)
    elif where == "NPA bound":
        bound = Fraction(data["quantum_upper"]["certificate"]["bound"])
        data["quantum_upper"]["certificate"]["bound"] = str(bound - Fraction(1, 10**6))
    elif where == "gap":
        data["gap_exact"] = str(Fraction(data["gap_exact"]) + Fraction(1, 10**9))
    return data


@pytest.mark.parametrize("where", ["classical weight", "classical dual", "see-saw amplitude", "NPA bound", "gap"])
def test_verify_rejects_any_tampered_number(chsh_gap_json, where, tmp_path):
    path = tmp_path / "gap.json"
    path.write_text(json.dumps(_tampered(chsh_gap_json, where)))
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 1
    assert "certificates failed" in result.stderr


def test_min_game_gap_dual_work_at_four_fifths():
    """A "min" game: NPA bounds W from below, the see-saw witness from above.

    The see-saw is a heuristic: how close it lands to the NPA bound depends on the
    solver's path (4.1e-6 away with some releases, under 1e-6 with others), so only
    the one-sided facts are asserted: the two bounds enclose one number, and the
    witness beats the classical optimum by the margin docs/model.md reports."""
    gap = certified_gap(load_game("dual_work", {"split": Fraction(4, 5)}), restarts=10)
    assert gap.certified
    assert gap.lower.command == "quantum" and gap.upper.command == "seesaw"
    assert Fraction(gap.lower.details["bound"]) <= Fraction(gap.upper.details["achieved"])
    assert gap.advantage > 0
    # exact waiting at lambda = 0.1: 7.66% (the light-traffic limit would say 19.2%)
    assert gap.advantage / gap.classical.value > 0.07


def test_no_advantage_found_says_what_the_npa_bound_still_allows():
    """A witness that does not beat the classical optimum (CHSH with one-dimensional, hence
    classical, strategies) while NPA leaves room: the statement says how much room (Tsirelson's
    cos^2(pi/8) - 3/4 = 0.10355..., rounded up) and what to try, and verify rebuilds it."""
    gap = certified_gap(load_game("chsh"), level="1", dim=1, restarts=0)
    assert gap.certified and gap.advantage == 0
    statement = gap.statement()
    room = float(statement.split("advantage of up to ")[1].split(":")[0])
    assert math.cos(math.pi / 8) ** 2 - 0.75 <= room <= math.cos(math.pi / 8) ** 2 - 0.75 + 1e-8
    assert "more --restarts or another --dim" in statement
    items = verify_document(json.loads(json.dumps(gap.to_json({"level": "1", "dim": 1, "restarts": 0}))))
    assert all(item.ok for item in items), [item.problems for item in items]

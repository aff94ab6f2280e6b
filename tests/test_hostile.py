"""Hostile input is refused in one line, before any exact arithmetic or solver work.

One test per class of hostile input (docs/limits.md): exit status 2, one line on
stderr naming the limit or the option, no traceback, nothing written. Inputs that
used to hang in C (a billion-digit Fraction) or exhaust memory run in a
forked child of the test process (its modules already loaded, so no interpreter
start-up per case) with a 10 s timeout and 2 GB of address space beyond the test
process's own; the others run in-process.
"""

import json
import os
import resource
import select
import signal
import subprocess
import time
import traceback
from fractions import Fraction

import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.games.numbers import bounded_fraction, load_json, load_toml
from certify.errors import BadInput

GIGABYTES = 2**30

CHSH_SPLIT = {
    "name": "CHSH-split", "inputs": [2, 2], "outputs": [2, 2], "sense": "max",
    "objective": {"distribution": "uniform", "payoff": "(a ^ b) == (x & y)"},
    "constraints": [{"name": "split", "expression": "a != b", "relation": "==", "value": "1/4"}],
}


def _address_space():
    """This process's virtual memory size in bytes (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def run_limited(*args, cwd, timeout=30):
    """certify's command line in a forked child of this process, in cwd: at most timeout seconds
    (else TimeoutExpired fails the test) and 2 GB of address space beyond this process's. The
    timeout is a guard against the hangs these inputs caused (35 s to forever), not a speed
    target (those live in benchmarks/): the refusals take 0.3 to 2 s here, and a loaded CI
    machine must not turn a correct refusal into a failure. The
    child answers as a process would (exit status, stdout, stderr with any traceback) and exits
    without returning into pytest."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.chdir(cwd)
            ceiling = _address_space() + 2 * GIGABYTES
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
            result = CliRunner().invoke(main, [str(a) for a in args])
            stderr = result.stderr
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                stderr += "".join(traceback.format_exception(result.exception))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(json.dumps([result.exit_code, result.stdout, stderr]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        with os.fdopen(read_end, "rb") as pipe:
            while True:
                if not select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))[0]:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(["certify", *map(str, args)], timeout)
                chunk = os.read(pipe.fileno(), 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.waitpid(pid, 0)
    if not chunks:
        raise AssertionError(f"certify {' '.join(map(str, args))}: the child process died without answering")
    code, stdout, stderr = json.loads(b"".join(chunks))
    return subprocess.CompletedProcess(["certify", *map(str, args)], code, stdout, stderr)


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stderr


def assert_refused(code, stderr, *words):
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("certify: "), stderr
    assert "Traceback" not in stderr
    for word in words:
        assert word in stderr, stderr


def problem(tmp_path, name="game.json", **changes):
    data = json.loads(json.dumps(CHSH_SPLIT))
    for key, value in changes.items():
        if key == "expression":
            data["constraints"][0]["expression"] = value
        elif key == "value":
            data["constraints"][0]["value"] = value
        else:
            data[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


# ---------------------------------------------------------------------------
# Numbers: 1e999999999 (Fraction would build a billion-digit integer) and 5000 digits


def test_huge_exponent_in_a_problem_file(tmp_path):
    out = tmp_path / "out.json"
    done = run_limited("classical", problem(tmp_path, value="1e999999999"), "--json", out, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "constraints[0].value", "1e999999999", "CERTIFY_MAX_DIGITS")
    assert not out.exists()


def test_huge_exponent_in_fix(tmp_path):
    out = tmp_path / "out.json"
    done = run_limited("classical", "chsh_split", "--fix", "split=1e999999999", "--json", out, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "--fix", "CERTIFY_MAX_DIGITS")
    assert not out.exists()


def test_huge_exponent_in_a_result_document(tmp_path):
    document = tmp_path / "result.json"
    code, stderr = run("classical", "chsh", "--json", document)
    assert code == 0, stderr
    data = json.loads(document.read_text())
    data["certificate"]["dual"]["constant"] = "1e999999999"
    document.write_text(json.dumps(data))
    done = run_limited("verify", document, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "1e999999999", "CERTIFY_MAX_DIGITS")


def test_float_overflowing_to_infinity_in_a_result_document(tmp_path):
    document = tmp_path / "result.json"
    run("classical", "chsh", "--json", document)
    document.write_text(document.read_text().replace('"value": 0.75', '"value": 1e999999999'))
    assert_refused(*run("verify", document), "not a finite number")


@pytest.mark.parametrize("where", ["toml integer", "json integer", "string"])
def test_five_thousand_digit_numbers(tmp_path, where):
    digits = "7" * 5000
    if where == "toml integer":
        path = tmp_path / "game.toml"
        path.write_text(f'inputs = [2, 2]\noutputs = [2, 2]\n[objective]\ndistribution = "uniform"\npayoff = "1"\n'
                        f'[[constraints]]\nname = "split"\nexpression = "a != b"\nvalue = {digits}\n')
    elif where == "json integer":
        path = problem(tmp_path)
        path.write_text(path.read_text().replace('"1/4"', digits))
    else:
        path = problem(tmp_path, value=f"{digits}/3")
    out = tmp_path / "out.json"
    assert_refused(*run("classical", path, "--json", out), "CERTIFY_MAX_DIGITS")
    assert not out.exists()


def test_bounded_fraction_reads_what_fraction_reads():
    for text in ["1/2", " -3/4 ", "0.1", "5.", ".5", "-2.5e-3", "+1E+2", "0.8535533905932737622004221810524245196424"]:
        assert bounded_fraction(text) == Fraction(text)
    for text in ["abc", "1 / 2", "1_000", "nan", "1e", "--1", "\u0661"]:
        with pytest.raises(BadInput):
            bounded_fraction(text)


# ---------------------------------------------------------------------------
# Expressions: nested powers, 10^5 unary minuses, a 10^5-term sum


def test_nested_powers(tmp_path):
    out = tmp_path / "out.json"
    done = run_limited("classical", problem(tmp_path, expression="(a != b) * ((9**999)**999)**999"), "--json", out,
                       cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "constraints[0].expression", "power", "CERTIFY_MAX_DIGITS")
    assert not out.exists()


@pytest.mark.parametrize("count", [100000, 3000])
def test_unary_minus_chains(tmp_path, count):
    """10^5 minuses exceed the length limit; 3000 fit it but nest too deeply."""
    out = tmp_path / "out.json"
    code, stderr = run("classical", problem(tmp_path, expression="-" * count + "(a != b)"), "--json", out)
    assert_refused(code, stderr, "constraints[0].expression",
                   "CERTIFY_MAX_EXPRESSION" if count > 10000 else "CERTIFY_MAX_DEPTH")
    assert not out.exists()


@pytest.mark.parametrize("terms", [100000, 2000])
def test_long_sums(tmp_path, terms):
    out = tmp_path / "out.json"
    code, stderr = run("classical", problem(tmp_path, expression="(a != b)" + "+0" * terms), "--json", out)
    assert_refused(code, stderr, "constraints[0].expression",
                   "CERTIFY_MAX_EXPRESSION" if terms > 5000 else "CERTIFY_MAX_DEPTH")
    assert not out.exists()


# ---------------------------------------------------------------------------
# Nesting: 10^5-deep JSON and TOML (the parsers recurse)


def test_deep_json_problem_and_result(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"name": "x", "inputs": ' + "[" * 100000 + "]" * 100000 + "}")
    out = tmp_path / "out.json"
    assert_refused(*run("classical", path, "--json", out), "nest", "CERTIFY_MAX_DEPTH")
    assert_refused(*run("verify", path), "nest", "CERTIFY_MAX_DEPTH")
    assert not out.exists()


@pytest.mark.parametrize("text", [
    "inputs = " + "[" * 100000 + "]" * 100000,
    "inputs = " + "{a = " * 5000 + "1" + "}" * 5000,
    "a" + ".a" * 5000 + " = 1",  # dotted keys nest tables without brackets
])
def test_deep_toml(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text + "\n")
    assert_refused(*run("classical", path), "nest", "CERTIFY_MAX_DEPTH")


def test_brackets_inside_strings_and_comments_do_not_count():
    assert load_json('{"a": "[[[[[[[[[[" , "b": [1, [2]]}', "x") == {"a": "[[[[[[[[[[", "b": [1, [2]]}
    text = 'a = "[[[[[[" # [[[[[[[[\nb = \'\'\'{{{{{{\'\'\'\n[[c]]\nd = 1\n'
    assert load_toml(text, "x") == {"a": "[[[[[[", "b": "{{{{{{", "c": [{"d": 1}]}


# ---------------------------------------------------------------------------
# Work: games too large to enumerate, NPA levels too high, too many pairs or points


def test_fifty_by_fifty_question_five_answer_game(tmp_path):
    path = problem(tmp_path, inputs=[50, 50], outputs=[5, 5], constraints=[])
    out = tmp_path / "out.json"
    done = run_limited("classical", path, "--json", out, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "62500 coefficients", "CERTIFY_MAX_GAME_SIZE")
    assert_refused(*run("quantum", path, "--json", out), "62500 coefficients", "CERTIFY_MAX_GAME_SIZE")
    assert not out.exists()


def test_too_many_deterministic_strategies(tmp_path):
    """30 questions, 2 answers each: 2^30 ~ 1.1e9 strategies per player to enumerate."""
    path = problem(tmp_path, inputs=[30, 30], constraints=[])
    done = run_limited("classical", path, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "2^30 = 1073741824", "CERTIFY_MAX_STRATEGIES")
    for command in ("seesaw", "gap"):  # both start from the classical optimum
        assert_refused(*run(command, path), "2^30 = 1073741824", "CERTIFY_MAX_STRATEGIES")


def test_verify_refuses_a_document_whose_game_is_too_large_to_check(tmp_path):
    """A classical certificate is checked by best response over every deterministic
    strategy: a forged document on a 30 x 30-question game would make verify list 2^30."""
    from certify.games.game import game_from_mapping

    document = tmp_path / "result.json"
    run("classical", "chsh", "--json", document)
    data = json.loads(document.read_text())
    zeros = [[[["0"] * 30 for _ in range(30)] for _ in range(2)] for _ in range(2)]
    game = game_from_mapping({"name": "big", "inputs": [30, 30], "outputs": [2, 2],
                              "objective": {"coefficients": zeros}}, "test")
    data["game"].update(definition=game.canonical(), sha256=game.sha256, inputs=[30, 30])
    document.write_text(json.dumps(data))
    done = run_limited("verify", document, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "2^30 = 1073741824", "CERTIFY_MAX_STRATEGIES")


def test_npa_level_eight_on_i3322(tmp_path):
    out = tmp_path / "out.json"
    done = run_limited("quantum", "i3322", "--level", "8", "--json", out, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "--level", "8452 rows", "CERTIFY_MAX_MOMENT_MATRIX")
    assert not out.exists()


def test_simulate_ten_billion_pairs(tmp_path):
    out = tmp_path / "out.json"
    done = run_limited("simulate", "--split", "0.5", "--pairs", "10000000000", "--json", out, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "--pairs", "CERTIFY_MAX_PAIRS")
    assert_refused(*run("simulate", "--split", "0.5", "--pairs", "1e10", "--json", out), "--pairs")
    assert not out.exists()


def test_see_saw_dimension_and_frontier_points(tmp_path):
    assert_refused(*run("seesaw", "chsh", "--dim", "100000"), "--dim", "CERTIFY_MAX_DIM")
    assert_refused(*run("seesaw", "chsh", "--restarts", "100000000"), "--restarts", "CERTIFY_MAX_RESTARTS")
    assert_refused(*run("pareto", "--points", "1000000000", "--level", "none"), "--points", "CERTIFY_MAX_POINTS")


def test_a_limit_is_raised_by_its_environment_variable(monkeypatch):
    monkeypatch.setenv("CERTIFY_MAX_MOMENT_MATRIX", "40")
    assert_refused(*run("quantum", "chsh", "--level", "4"), "41 rows", "above the limit of 40")
    monkeypatch.setenv("CERTIFY_MAX_MOMENT_MATRIX", "lots")
    assert_refused(*run("quantum", "chsh", "--level", "1"), "CERTIFY_MAX_MOMENT_MATRIX", "whole number")


# ---------------------------------------------------------------------------
# Output paths are checked before any computation


@pytest.mark.parametrize("command", [["classical", "chsh", "--json"], ["pareto", "--points", "2", "--level", "none", "--plot"]])
def test_output_into_a_missing_folder_or_onto_a_folder(tmp_path, command):
    option = command[-1]
    missing = tmp_path / "no" / "such" / ("out.png" if option == "--plot" else "out.json")
    assert_refused(*run(*command, missing), option, "does not exist")
    assert_refused(*run(*command, tmp_path), option, "is a folder")
    assert list(tmp_path.iterdir()) == []


def test_json_files_get_normal_permissions(tmp_path):
    out = tmp_path / "out.json"
    old = os.umask(0o022)
    try:
        code, stderr = run("classical", "chsh", "--json", out)
    finally:
        os.umask(old)
    assert code == 0, stderr
    assert out.stat().st_mode & 0o777 == 0o644
    out.chmod(0o640)
    run("classical", "chsh", "--json", out)  # replacing a file keeps its permissions
    assert out.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------------------
# Infeasible constraint values state the feasible interval


def test_infeasible_fix_is_bad_input_with_the_interval(tmp_path):
    """P(a != b), questions uniform, lies in [0, 1] for every behaviour; the classical
    commands use the classical range, the quantum ones the no-signalling range."""
    out = tmp_path / "out.json"
    for command in ("classical", "nosignal", "quantum", "seesaw", "gap"):
        assert_refused(*run(command, "chsh_split", "--fix", "split=2", "--json", out), "split", "[0, 1]")
    assert not out.exists()


def test_jointly_infeasible_constraints_are_bad_input(tmp_path):
    """Each of P(a != b) = 1 and P(a = b) = 1/2 can hold, not both (they sum to 1)."""
    path = problem(tmp_path, constraints=[
        {"name": "split", "expression": "a != b", "value": "1"},
        {"name": "same", "expression": "a == b", "value": "1/2"},
    ])
    assert_refused(*run("classical", path), "together")


# ---------------------------------------------------------------------------
# OSError, RecursionError and MemoryError never reach the user as tracebacks


@pytest.mark.parametrize("error, words", [
    (MemoryError(), "out of memory"),
    (RecursionError(), "nests too deeply"),
    (OSError(28, "No space left on device", "out.json"), "No space left on device"),
])
def test_resource_errors_are_one_line(monkeypatch, error, words):
    import certify.bounds.classical as classical

    def fail(game):
        raise error

    monkeypatch.setattr(classical, "classical_value", fail)
    assert_refused(*run("classical", "chsh"), words)


def test_model_file_with_thousands_of_thresholds(tmp_path):
    """2000 size thresholds used to build a 4 x 2001^2 game until memory ran out:
    now refused by game size, naming the key, before the game is generated."""
    path = tmp_path / "many.toml"
    thresholds = ", ".join(str(k) for k in range(1, 2001))
    path.write_text(f'name = "many"\n[model]\nkind = "dual-work"\narrival_rate = 0.1\nthresholds = [{thresholds}]\n')
    completed = run_limited("classical", path, cwd=tmp_path)
    assert_refused(completed.returncode, completed.stderr, "model.thresholds", "CERTIFY_MAX_GAME_SIZE")
    path.write_text('name = "thirty"\n[model]\nkind = "dual-work"\narrival_rate = 0.1\nthresholds = ['
                    + ", ".join(str(k / 10) for k in range(1, 31)) + "]\n")
    assert_refused(*run("classical", path), "CERTIFY_MAX_STRATEGIES")

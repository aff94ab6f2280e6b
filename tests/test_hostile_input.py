"""Hostile problem files and output paths on the command line, one test per class.

The companion of tests/test_hostile.py (numbers, nesting, work limits), with its helpers:
every refusal is one line on stderr, exit status 2, no traceback and nothing written;
inputs that used to take tens of seconds or gigabytes run in a forked child with a 10 s
timeout and 2 GB of address space (run_limited). Text from a file is data: it is printed
literally, never as rich markup, and its control characters are shown escaped. Output
paths that exist and are not regular files (a symlink, /dev/full, a FIFO) are written
through, never replaced by a regular file.
"""

import json
import os
import stat
import threading

import pytest
from click.testing import CliRunner

from certify.cli import main
from test_hostile import CHSH_SPLIT, assert_refused, problem, run, run_limited


def named(tmp_path, name):
    """CHSH with a split constraint under the game name ``name``, as a JSON problem file."""
    path = tmp_path / "game.json"
    path.write_text(json.dumps({**CHSH_SPLIT, "name": name}))  # a lone surrogate as "\ud800"
    return path


def invoke(*args):
    """The command line in-process; an exception other than SystemExit fails the test with
    its traceback (as a user would see it)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------------------
# Names from files print as text: rich markup, newlines, ANSI escapes, lone surrogates

NAMES = [
    ("[bold red]x[/]", "[bold red]x[/]"),  # markup would be applied (and vanish)
    ("[/]", "[/]"),  # rich raises MarkupError: closing tag has nothing to close
    ("CHSH\ncertified yes", "CHSH\\ncertified yes"),  # a fake line of output
    ("\x1b[31mred", "\\x1b[31mred"),  # restyles the terminal
    # JSON "\ud800" (a lone surrogate) cannot be encoded to UTF-8 at all: refused when the
    # file is read (test_a_lone_surrogate_in_a_name_is_refused_in_one_line)
]


def test_a_lone_surrogate_in_a_name_is_refused_in_one_line(tmp_path):
    done = invoke("classical", named(tmp_path, "\ud800"))
    assert done.exit_code == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "name" in done.stderr and "lone surrogate U+D800" in done.stderr


@pytest.mark.parametrize("name, shown", NAMES)
def test_a_name_prints_literally_in_classical_and_verify(tmp_path, name, shown):
    path = named(tmp_path, name)
    document = tmp_path / "result.json"
    done = invoke("classical", path, "--json", document)
    assert done.exit_code == 0, done.stderr
    assert shown in done.stdout
    assert "\x1b" not in done.stdout and "certified yes\n" not in done.stdout
    checked = invoke("verify", document)
    assert checked.exit_code == 0, checked.stderr
    assert f"game {shown}\n" in checked.stdout  # one line: the name cannot fake the sha256 line after it
    assert checked.stdout.count("\nsha256 ") == 1 and "\x1b" not in checked.stdout


def test_a_name_prints_literally_in_a_failed_verify(tmp_path):
    """A forged document carrying a hostile name: the failure is reported (exit 1), the name
    still printed as text in the table and on stderr."""
    document = tmp_path / "result.json"
    assert invoke("classical", named(tmp_path, "[/]\x1b[2J"), "--json", document).exit_code == 0
    data = json.loads(document.read_text())
    data["exact"] = "1"
    document.write_text(json.dumps(data))
    checked = invoke("verify", document)
    assert checked.exit_code == 1, checked.stderr
    assert "game [/]\\x1b[2J\n" in checked.stdout
    assert "\x1b" not in checked.stdout + checked.stderr
    assert checked.stderr.count("\n") == 1 and "Traceback" not in checked.stderr


def test_text_quoted_in_an_error_is_escaped(tmp_path):
    """An unknown key is quoted in the error line: its newline and escape code stay on it."""
    path = problem(tmp_path)
    data = json.loads(path.read_text())
    data["x\n\x1b[31mcertify: ok"] = 1
    path.write_text(json.dumps(data))
    code, stderr = run("classical", path)
    assert_refused(code, stderr, "x\\n\\x1b[31mcertify: ok: unknown key")


# ---------------------------------------------------------------------------
# Output paths: symlinks, devices and FIFOs are written through, never replaced


def _restore_dev_full():
    """Put /dev/full back (character device 1, 7) if a failing run replaced it by a regular
    file, which it can as root: the machine keeps its device whatever the test finds."""
    if not stat.S_ISCHR(os.lstat("/dev/full").st_mode) and os.geteuid() == 0:
        os.remove("/dev/full")
        os.mknod("/dev/full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        os.chmod("/dev/full", 0o666)


def test_json_onto_dev_full_is_one_line_and_keeps_the_device(tmp_path):
    try:
        code, stderr = run("classical", "chsh", "--json", "/dev/full")
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    finally:
        _restore_dev_full()
    assert_refused(code, stderr, "certify: cannot write /dev/full: No space left on device")


@pytest.mark.parametrize("option, name", [("--plot", "full.png"), ("--table", "full.csv"), ("--json", "full.json")])
def test_every_pareto_output_writes_through_a_symlink_to_dev_full(tmp_path, option, name):
    link = tmp_path / name
    link.symlink_to("/dev/full")
    try:
        code, stderr = run("pareto", "--points", "2", "--level", "none", option, link)
    finally:
        _restore_dev_full()
    assert_refused(code, stderr, f"cannot write {link}: No space left on device")
    assert link.is_symlink() and os.readlink(link) == "/dev/full"
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left behind


def test_gap_table_writes_through_a_symlink(tmp_path):
    target = tmp_path / "target.md"
    target.write_text("old\n")
    link = tmp_path / "link.md"
    link.symlink_to(target.name)
    code, stderr = run("gap", "chsh", "--restarts", "1", "--table", link)
    assert code == 0, stderr
    assert link.is_symlink() and "| quantum advantage |" in target.read_text()


def test_json_through_a_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "target.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    code, stderr = run("classical", "chsh", "--json", link)
    assert code == 0, stderr
    assert link.is_symlink() and json.loads(target.read_text())["exact"] == "3/4"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to("new.json")  # followed: the file it names is created
    assert run("classical", "chsh", "--json", dangling)[0] == 0
    assert dangling.is_symlink() and json.loads((tmp_path / "new.json").read_text())["exact"] == "3/4"


def test_json_into_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    code, stderr = run("classical", "chsh", "--json", fifo)
    reader.join(10)
    assert code == 0, stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["exact"] == "3/4"


def test_regular_files_are_still_replaced_atomically(tmp_path):
    """A regular file is replaced by a rename: a reader holding the old file keeps it whole."""
    out = tmp_path / "out.json"
    out.write_text("old\n")
    with open(out) as held:
        assert run("classical", "chsh", "--json", out)[0] == 0
        assert held.read() == "old\n"
    assert json.loads(out.read_text())["exact"] == "3/4"


# ---------------------------------------------------------------------------
# One-output games: both players with a single answer have no NPA moment to bound


def test_one_answer_per_player_in_quantum_and_gap(tmp_path):
    """outputs [1, 1]: the only behaviour is p(0,0|x,y) = 1, so CHSH's payoff 'a == b' scores 1
    for every strategy (classical proves it); quantum and gap refuse instead of a traceback."""
    path = problem(tmp_path, outputs=[1, 1], constraints=[], objective={"distribution": "uniform", "payoff": "a == b"})
    out = tmp_path / "out.json"
    for command in ("quantum", "gap"):
        code, stderr = run(command, path, "--json", out)
        assert_refused(code, stderr, "outputs", "single answer", "exactly 1", "certify classical")
    assert not out.exists()
    assert run("classical", path, "--json", out)[0] == 0
    assert json.loads(out.read_text())["exact"] == "1"


def test_one_answer_for_one_player_is_computed(tmp_path):
    """outputs [1, 2]: B, who sees only y, must answer x AND y; A's answer is fixed, so the
    behaviour is B's alone, p(b|y), and every kind of strategy reaches the same optimum:
    answer 0, right always for y = 0 and for half the x when y = 1, value 3/4."""
    path = problem(tmp_path, outputs=[1, 2], constraints=[],
                   objective={"distribution": "uniform", "payoff": "b == (x & y)"})
    done = invoke("gap", path, "--restarts", "2", "--json", tmp_path / "gap.json")
    assert done.exit_code == 0, done.stderr
    data = json.loads((tmp_path / "gap.json").read_text())
    assert data["classical"]["exact"] == "3/4" and data["quantum_lower"]["exact"] in (None, "3/4")
    assert 0.75 <= data["quantum_upper"]["value"] < 0.75 + 1e-6  # NPA's tolerance, rounded up


# ---------------------------------------------------------------------------
# Sizes of a game's numbers: huge denominators and integers, digit budgets, many constraints


def test_a_distribution_with_a_four_thousand_digit_denominator(tmp_path):
    """Within CERTIFY_MAX_DIGITS, but no float holds the game: quantum and gap ended in
    OverflowError. Refused by the game's digit budget, naming the distribution."""
    d = 10**3990
    path = problem(tmp_path, objective={"distribution": [[f"1/{d}", "1/2"], ["1/4", f"{d // 4 - 1}/{d}"]],
                                        "payoff": "(a ^ b) == (x & y)"})
    out = tmp_path / "out.json"
    for command in ("classical", "quantum", "gap"):
        assert_refused(*run(command, path, "--json", out), "objective.distribution", "3991 digits",
                       "CERTIFY_MAX_GAME_DIGITS")
    assert not out.exists()


@pytest.mark.parametrize("notation", ["coefficients", "collins_gisin"])
def test_huge_integers_in_factor_rows(tmp_path, notation):
    big = int("9" * 3999)  # 3999 digits, inside CERTIFY_MAX_DIGITS: OverflowError as a float
    if notation == "coefficients":
        table = [[[[big, 1], [1, 1]], [[1, 1], [1, 1]]], [[[1, 1], [1, 1]], [[1, 1], [1, -big]]]]
    else:
        table = [[0, 1, 1], [1, big, 1], [1, 1, -1]]
    path = problem(tmp_path, constraints=[], objective={notation: table})
    for command in ("classical", "seesaw", "quantum"):
        assert_refused(*run(command, path), f"objective.{notation}", "3999 digits", "CERTIFY_MAX_GAME_DIGITS")


def test_four_hundred_distinct_four_thousand_digit_denominators(tmp_path):
    """0.8 MB of numbers, each within CERTIFY_MAX_DIGITS: summing the 20 x 20 distribution
    exactly took 40 s and 1.4 GB; the digit budget stops at the first denominator, in a
    problem file and in a document's definition alike."""
    denominators = [10**3999 + 2 * k + 1 for k in range(400)]
    rows = [[f"1/{denominators[20 * x + y]}" for y in range(20)] for x in range(20)]
    path = problem(tmp_path, inputs=[20, 20], constraints=[], objective={"distribution": rows, "payoff": "a == b"})
    done = run_limited("classical", path, cwd=tmp_path)
    # the first digit limit met refuses it: one table's common denominator (CERTIFY_MAX_TABLE_DIGITS)
    assert_refused(done.returncode, done.stderr, "objective.distribution", "CERTIFY_MAX_TABLE_DIGITS")
    document = tmp_path / "result.json"
    assert run("classical", "chsh", "--json", document)[0] == 0
    data = json.loads(document.read_text())
    coefficients = [[[[rows[x][y] for y in range(20)] for x in range(20)] for _ in range(2)] for _ in range(2)]
    data["game"]["definition"].update(inputs=[20, 20], objective={"coefficients": coefficients})
    document.write_text(json.dumps(data))
    done = run_limited("verify", document, cwd=tmp_path)
    # a limit met in the document's game is refused as the commands refuse it: exit 2, one line
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "game.definition" in done.stderr and "CERTIFY_MAX_TABLE_DIGITS" in done.stderr, done.stderr


def test_the_game_digit_budget_covers_fix_and_is_raised_by_its_variable(tmp_path, monkeypatch):
    """1/3^700 (334 digits) is a fine --fix number but beyond the game's budget; raising
    CERTIFY_MAX_GAME_DIGITS lets the same game through to the exact check."""
    tiny = f"split=1/{3**700}"
    assert_refused(*run("classical", "chsh_split", "--fix", tiny), "--fix", "334 digits", "CERTIFY_MAX_GAME_DIGITS")
    monkeypatch.setenv("CERTIFY_MAX_GAME_DIGITS", "400")
    code, stderr = run("classical", "chsh_split", "--fix", tiny)
    assert "CERTIFY_MAX_GAME_DIGITS" not in stderr and code != 2, stderr


def test_ten_thousand_constraints(tmp_path):
    """Loading alone took 13 s (a quadratic check for repeated names); refused by count first."""
    constraints = [{"name": f"c{k}", "expression": "a != b", "relation": "<=", "value": "1"} for k in range(10000)]
    path = problem(tmp_path, constraints=constraints)
    done = run_limited("classical", path, cwd=tmp_path)
    assert_refused(done.returncode, done.stderr, "constraints", "10000 constraints", "CERTIFY_MAX_CONSTRAINTS")


def test_a_json_number_overflowing_to_infinity_in_a_problem_file(tmp_path):
    """1e400 parses to infinity: refused, never computed with (the constraint value here)."""
    path = problem(tmp_path)
    path.write_text(path.read_text().replace('"1/4"', "1e400"))
    out = tmp_path / "out.json"
    for command in ("classical", "quantum"):
        assert_refused(*run(command, path, "--json", out), str(path), "1e400", "not a finite number")
    assert not out.exists()


# ---------------------------------------------------------------------------
# Other hostile input: options and files


@pytest.mark.parametrize("args, words", [
    (["quantum", "chsh", "--solver", "nosuch"], ["--solver", "unknown solver 'nosuch'"]),
    (["quantum", "chsh", "--level", "0"], ["--level", "got '0'"]),
    (["gap", "chsh", "--level", "abc"], ["--level", "got 'abc'"]),
    (["seesaw", "chsh", "--seed", "-1"], ["--seed", "-1"]),  # numpy's ValueError traceback
    (["gap", "chsh", "--seed", "-1"], ["--seed", "-1"]),
    (["simulate", "--split", "0.5", "--seed", "-5"], ["--seed", "-5"]),
    (["simulate", "--split", "0.5", "--pairs", "1000", "--arrival-rate", "1e400"], ["floating point"]),
])
def test_bad_options(args, words):
    assert_refused(*run(*args), *words)


def test_hostile_game_files(tmp_path):
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "empty.toml").write_text("")
    (tmp_path / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo.toml")  # never opened: not a regular file
    (tmp_path / "nan.json").write_text(json.dumps(CHSH_SPLIT).replace('"1/4"', "NaN"))
    cases = [("empty.json", "invalid JSON"), ("empty.toml", "inputs: missing"), ("binary.toml", "not a UTF-8"),
             ("folder", "neither a file"), ("fifo.toml", "neither a file"), ("nan.json", "not a finite number")]
    for name, words in cases:
        assert_refused(*run("classical", tmp_path / name), words)


# ---------------------------------------------------------------------------
# Expressions: decimals are the rationals they spell, powers stay exact or are refused


def test_decimal_literals_in_a_payoff_are_exact_as_written(tmp_path):
    """0.1000000000000000000001 and 9e-400 used to pass through a double (1/10 and 0)."""
    path = problem(tmp_path, constraints=[],
                   objective={"distribution": "uniform", "payoff": "(a == b) * 0.1000000000000000000001"})
    out = tmp_path / "out.json"
    assert run("classical", path, "--json", out)[0] == 0
    assert json.loads(out.read_text())["exact"] == "1000000000000000000001/10000000000000000000000"
    path = problem(tmp_path, constraints=[], objective={"distribution": "uniform", "payoff": "(a == b) * 9e-400"})
    assert_refused(*run("classical", path), "401 digits", "CERTIFY_MAX_GAME_DIGITS")


@pytest.mark.parametrize("payoff, exact", [("(a == b) * 4 ** 0.5", "2"), ("(a == b) * (9/4) ** 1.5", "27/8"),
                                           ("(a == b) * (-8) ** (1/3)", "0")])
def test_exact_fractional_powers(tmp_path, payoff, exact):
    path = problem(tmp_path, constraints=[], objective={"distribution": "uniform", "payoff": payoff})
    out = tmp_path / "out.json"
    assert run("classical", path, "--json", out)[0] == 0
    assert json.loads(out.read_text())["exact"] == exact  # -2 on a == b: the best is never to agree


def test_an_irrational_power_is_refused(tmp_path):
    """2 ** 0.5 was the double 6369051672525773/4503599627370496, certified as if written."""
    path = problem(tmp_path, constraints=[], objective={"distribution": "uniform", "payoff": "(a == b) * 2 ** 0.5"})
    assert_refused(*run("classical", path), "objective.payoff", "(2) ** (1/2) is irrational")


@pytest.mark.parametrize("command, suffix", [("gap", "tex"), ("pareto", "tex"), ("pareto", "md")])
def test_a_name_cannot_escape_the_comment_of_a_table_for_a_paper(tmp_path, command, suffix):
    """Tables for papers name the game in a TeX % comment or a Markdown caption: a newline in
    the name ended the comment and the rest of the name ran as TeX (here \\input{secret})."""
    table = tmp_path / f"table.{suffix}"
    name = "x\n\\input{secret}"
    if command == "gap":
        code, stderr = run("gap", named(tmp_path, name), "--restarts", "1", "--table", table)
    else:
        model = tmp_path / "model.json"
        model.write_text(json.dumps({"name": name, "model": {"kind": "dual-work", "arrival_rate": 0.1}}))
        code, stderr = run("pareto", model, "--points", "2", "--level", "none", "--table", table)
    assert code == 0, stderr
    assert not any(line.startswith("\\input") for line in table.read_text().splitlines())
    assert "x\\n\\input{secret}" in table.read_text()


def test_a_json_problem_with_a_key_given_twice(tmp_path):
    """JSON keeps the last of two equal keys: the file showed one objective (a == b, value 1)
    and was computed with the other (CHSH, 3/4)."""
    path = tmp_path / "twice.json"
    path.write_text('{"name": "twice", "inputs": [2, 2], "outputs": [2, 2], '
                    '"objective": {"distribution": "uniform", "payoff": "a == b"}, '
                    '"objective": {"distribution": "uniform", "payoff": "(a ^ b) == (x & y)"}}')
    assert_refused(*run("classical", path), str(path), "objective: given twice")


def test_json_onto_a_symlink_loop(tmp_path):
    (tmp_path / "one").symlink_to("two")
    (tmp_path / "two").symlink_to("one")
    assert_refused(*run("classical", "chsh", "--json", tmp_path / "one"), "cannot write", "symbolic links")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"] and (tmp_path / "one").is_symlink()


def test_a_ten_megabyte_name(tmp_path):
    """5 million words in the name: rich wrapped them into the table's title for over a
    minute. Tables show the start and the length; the JSON keeps the name whole."""
    path = named(tmp_path, "N " * 5000000)
    out = tmp_path / "out.json"
    done = run_limited("classical", path, "--json", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(10000000 characters)" in done.stdout
    assert json.loads(out.read_text())["game"]["name"] == "N " * 5000000


def test_json_to_dev_stdout_through_a_pipe():
    """--json /dev/stdout writes through the pipe (it used to be replaced by a new file in
    /dev as root): the table comes first, then the whole document."""
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-m", "certify", "classical", "chsh", "--json", "/dev/stdout"],
                              capture_output=True, text=True, timeout=60)
        assert os.path.islink("/dev/stdout")
    finally:  # as root a failing run replaces the link by a file: put it back
        if not os.path.islink("/dev/stdout") and os.geteuid() == 0:
            os.remove("/dev/stdout")
            os.symlink("/proc/self/fd/1", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    table, document = done.stdout.split("\n{\n", 1)
    assert "Classical value: CHSH" in table
    assert json.loads("{\n" + document)["exact"] == "3/4"


@pytest.mark.parametrize("extra", [[], ["--visibility", "0.9"]])
def test_a_name_or_throughput_with_dollar_signs_in_a_plot(tmp_path, extra):
    """matplotlib reads $...$ in a title as mathtext: a model named '$x^$' or a throughput
    carrying one in a comment made savefig raise ValueError (a traceback)."""
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"name": "$x^$", "model": {"kind": "dual-work", "arrival_rate": 0.1}}))
    plot = tmp_path / "plot.png"
    code, stderr = run("pareto", model, "--points", "2", "--level", "none", "--plot", plot, *extra)
    assert code == 0, stderr
    assert plot.read_bytes().startswith(b"\x89PNG")
    code, stderr = run("pareto", "--points", "2", "--level", "none", "--throughput", "t**2 # $x^$", "--plot", plot)
    assert code == 0, stderr


def test_fix_given_twice_for_one_constraint():
    """The last --fix used to win silently."""
    assert_refused(*run("classical", "chsh_split", "--fix", "split=1/4", "--fix", "split=1/2"),
                   "--fix", "'split' is given twice")

"""The command line: parse options, call one method, render its Result.

No mathematics here (docs/architecture.md). Exit status: 0 done, 1 a
certificate failed or a regression drifted, 2 bad input or usage.
"""

from __future__ import annotations

import functools
import inspect
import sys

import click

from . import __version__
from .errors import BadInput, CannotWrite, CertificateFailed, CertifyError, SolverFailed, printable
from .games.game import bundled_problems, load_game, parse_fix

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def solver_names(npa_only: bool = True) -> str:
    """The solvers of the one registry (certify.bounds.solvers.SOLVERS), in its order: the
    --solver help texts are made from it, so a solver added there is listed everywhere.
    With ``npa_only=False`` only those that take any SDP (a cvxpy name): the NPA-only ones
    (ssnal) cannot solve a see-saw step or a correlator bound."""
    from .bounds.solvers import SOLVERS

    return ", ".join(name for name, (cvxpy_name, _, _) in SOLVERS.items() if npa_only or cvxpy_name is not None)


class RegistryHelp(click.Option):
    """An option whose help text is made from the solver registry only when help is shown:
    importing certify.bounds for it would load the search code into every command, `certify
    verify` included, whose checker must run without it."""

    def __init__(self, *args, help_from=None, **kwargs):
        self.help_from = help_from
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx):
        if self.help_from is not None:
            self.help = self.help_from()
        return super().get_help_record(ctx)


def solver_option(text: str, npa_only: bool = True):
    """The --solver option, its help ``text`` with "{names}" filled from the registry when shown."""
    return click.option("--solver", default=None, metavar="NAME", cls=RegistryHelp,
                        help_from=lambda: text.format(names=solver_names(npa_only)))
def warn(text: str) -> None:
    """One line on stderr, with every unprintable character escaped: messages quote text
    from files and documents, whose newlines or terminal escapes must not fake or restyle
    the output, and whose lone surrogates could not be written at all."""
    click.echo(printable(text), err=True)


class FixType(click.ParamType):
    """NAME=VALUE with VALUE a number or a rational p/q."""

    name = "NAME=VALUE"

    def convert(self, value, param, ctx):
        try:
            return parse_fix(value)
        except BadInput as error:
            self.fail(error.message, param, ctx)


def _fixed(pairs):
    """--fix NAME=VALUE pairs as a dictionary; a name given twice is refused (the last
    would silently win)."""
    fixed = {}
    for name, value in pairs:
        if name in fixed:
            raise BadInput(None, "--fix", f"'{name}' is given twice ({fixed[name]} and {value})")
        fixed[name] = value
    return fixed


def reports_errors(command):
    """Turn certify's own errors into one line on stderr and the right exit status."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CannotWrite as error:
            warn(f"certify: {error}")
            sys.exit(EXIT_BAD_INPUT)
        except BadInput as error:
            warn(f"certify: error: {error}")
            sys.exit(EXIT_BAD_INPUT)
        except SolverFailed as error:
            warn(f"certify: solver trouble: {error}")
            sys.exit(EXIT_FAILED)
        except CertificateFailed as error:
            warn(f"certify: certificate failed: {error}")
            sys.exit(EXIT_FAILED)
        except CertifyError as error:  # pragma: no cover - every family is listed above
            warn(f"certify: error: {error}")
            sys.exit(EXIT_FAILED)

    return wrapper


GAME_FORMAT = ('GAME is a problem file, TOML or JSON (its format: README.md, section "Games"), '
               "or the name of a bundled problem (listed by certify --help).")
BOUNDS_FORMAT = ('BOUNDS.toml lists [[bound]] entries: problem, command, options, fix, expected, tolerance, '
                 'source (the format and each command\'s options: README.md, section "Bounds files"). '
                 "Problem paths are relative to the bounds file's folder.")


def game_argument(command):
    """The GAME argument, and a line in the command's help saying where its format is described."""
    command.__doc__ = inspect.cleandoc(command.__doc__ or "") + "\n\n" + GAME_FORMAT
    return click.argument("game", metavar="GAME")(command)


def fix_option(command):
    return click.option(
        "--fix", "fix", type=FixType(), multiple=True,
        help="Set a constraint's value, e.g. --fix split=3/10 (repeatable).",
    )(command)


def writable_path(ctx, param, value):
    """An output path (--json, --plot, --table), checked before any computation: its
    folder exists and can be written into, and the path is not a folder ('-' is stdout).
    A path that exists and is not a regular file (a symlink, /dev/null, /dev/stdout, a
    FIFO) is written through, so only it need be writable (certify.report.exports)."""
    import os
    import stat
    from pathlib import Path

    if value is None or value == "-":
        return value
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise click.BadParameter(f"'{value}' is a folder, not a file")
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        if path.exists() and not os.access(path, os.W_OK):
            raise click.BadParameter(f"'{value}' cannot be written (permission denied)")
        return value
    if not folder.is_dir():
        raise click.BadParameter(f"the folder '{folder}' does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.BadParameter(f"'{value}' cannot be written (permission denied)")
    return value


def json_option(command):
    return click.option(
        "--json", "json_path", metavar="PATH|-", default=None, callback=writable_path,
        help="Write the result as JSON to PATH, or only JSON to stdout with '-'.",
    )(command)


def emit(result_json, table, json_path):
    """Print the table (unless stdout is reserved for JSON), then write JSON."""
    from .report.tables import console

    if json_path != "-":
        console().print(table)
    if json_path:
        from .report.exports import write_json_output

        write_json_output(result_json, json_path)


def finish(result, options, json_path):
    """Render a single Result and exit 1 when it is not certified."""
    from .report.tables import result_table

    emit(result.to_json(options), result_table(result, json_path), json_path)
    if not result.certified:
        warn("certify: the certificate did not pass its exact check: " + "; ".join(result.problems))
        sys.exit(EXIT_FAILED)


class CertifyGroup(click.Group):
    """A click group whose usage errors are one line on stderr, exit status 2.

    OSError, RecursionError and MemoryError (and Python's own int/str digit
    limit, and floats overflowing) never reach the user as tracebacks: one line, exit
    status 2; an arithmetic error inside a numerical solver is solver trouble, exit 1.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            command = f" {error.ctx.command_path.split(' ', 1)[1]}" if error.ctx and " " in error.ctx.command_path else ""
            warn(f"certify: usage error: {error.format_message()} (see certify{command} --help)")
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as error:
            warn(f"certify: error: {error.format_message()}")
            sys.exit(EXIT_BAD_INPUT)
        except click.Abort:
            warn("certify: aborted")
            sys.exit(EXIT_FAILED)
        except OSError as error:
            where = f" '{error.filename}'" if error.filename else ""
            warn(f"certify: error: cannot use{where}: {error.strerror or error}")
            sys.exit(EXIT_BAD_INPUT)
        except RecursionError:
            warn("certify: error: the input nests too deeply for Python (see CERTIFY_MAX_DEPTH in docs/limits.md)")
            sys.exit(EXIT_BAD_INPUT)
        except MemoryError:
            warn("certify: error: out of memory; ask for less work (smaller --level, --dim, --pairs, --points; "
                       "docs/limits.md lists the limits)")
            sys.exit(EXIT_BAD_INPUT)
        except OverflowError:
            warn("certify: error: a number is beyond floating point's range (about 1e308); give smaller numbers "
                 "or rescale the game")
            sys.exit(EXIT_BAD_INPUT)
        except ArithmeticError as error:
            # raised inside a numerical library (cvxopt's "ArithmeticError: 11" on a singular
            # system): the solve failed, as SolverFailed reports it
            warn(f"certify: solver trouble: a numerical solver failed ({type(error).__name__}: {error}); "
                 "badly scaled coefficients are the usual cause: rescale the game, or try another --solver")
            sys.exit(EXIT_FAILED)
        except ValueError as error:
            if "integer string conversion" not in str(error):
                raise
            warn("certify: error: a number has more digits than Python converts "
                       "(see CERTIFY_MAX_DIGITS in docs/limits.md)")
            sys.exit(EXIT_BAD_INPUT)
        if not standalone_mode:
            return outcome
        sys.exit(outcome if isinstance(outcome, int) else EXIT_OK)


@click.group(cls=CertifyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="certify")
def main():
    """Certified bounds for two-player non-local games."""


main.help = "\n\n".join([
    inspect.cleandoc(main.help), GAME_FORMAT, "Bundled problems: " + ", ".join(bundled_problems()) + ".",
    BOUNDS_FORMAT,
])


@main.command()
@game_argument
@fix_option
@json_option
@reports_errors
def classical(game, fix, json_path):
    """Exact classical value, with a rational mixture and dual certificate."""
    from .bounds.classical import classical_value

    loaded = load_game(game, _fixed(fix))
    result = classical_value(loaded)
    finish(result, {"game": game, "fix": loaded.fixed}, json_path)


@main.command()
@game_argument
@fix_option
@json_option
@reports_errors
def nosignal(game, fix, json_path):
    """Exact no-signalling value, with a rational behaviour and dual certificate."""
    from .bounds.classical import nosignalling_value

    loaded = load_game(game, _fixed(fix))
    result = nosignalling_value(loaded)
    finish(result, {"game": game, "fix": loaded.fixed}, json_path)


@main.command()
@click.argument("result_file", metavar="RESULT.json")
@json_option
@reports_errors
def verify(result_file, json_path):
    """Re-check every certificate in a JSON result, without any solver."""
    from .proofs.document import read_document
    from .proofs.verify import bundled_name_problem, checked_game, first_problem, verify_document
    from .report.results import verification_json
    from .report.tables import console, verify_header, verify_table

    items = verify_document(read_document(result_file), result_file)
    game = checked_game(items)
    note = bundled_name_problem(game) if game is not None else None
    if json_path != "-":
        console().print(verify_header(game, note))
    emit(verification_json(result_file, items, game, note), verify_table(result_file, items), json_path)
    if note:
        warn(f"certify: note: {note}")
    failed = [item for item in items if not item.ok]
    if failed:
        more = sum(len(item.problems) for item in failed) - 1
        warn(f"certify: {len(failed)} of {len(items)} certificates failed: {first_problem(items)}"
                   + (f" (and {more} more)" if more > 0 else ""))
        sys.exit(EXIT_FAILED)


@main.command(epilog=BOUNDS_FORMAT)
@click.argument("bounds_file", metavar="BOUNDS.toml")
@json_option
@reports_errors
def regress(bounds_file, json_path):
    """Recompute every recorded bound; exit 1 on any drift beyond its tolerance."""
    import time

    from .bounds.regress import load_bounds, recompute, regress_json
    from .report.tables import progress, regress_table

    start = time.perf_counter()
    entries = load_bounds(bounds_file)
    drifts = []
    with progress() as bar:
        task = bar.add_task("recomputing bounds", total=len(entries))
        for entry in entries:
            drifts.append(recompute(entry))
            bar.advance(task)
    data = regress_json(bounds_file, drifts, time.perf_counter() - start)
    emit(data, regress_table(bounds_file, drifts), json_path)
    failed = [d for d in drifts if not d.ok]
    if failed:
        warn(f"certify: {len(failed)} of {len(drifts)} bounds drifted: "
                   + ", ".join(d.entry.label for d in failed))
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("kind", type=click.Choice(["problem", "result"]))
def schema(kind):
    """Print the JSON Schema (draft 2020-12) of problem files or of result documents."""
    from .report.schema import schema_text

    click.echo(schema_text(kind), nl=False)


# ---------------------------------------------------------------------------
# See-saw (quantum lower bound by an explicit strategy)


def visibility_option(command):
    return click.option("--visibility", "visibility", metavar="V", default=None,
                        help="Also evaluate the witness with its state under white noise, v rho + (1 - v) I/d, "
                             "and give the exact visibility at which it stops beating the classical value.")(command)


def _witness_visibility(text):
    from .bounds.noise import visibility_value

    return None if text is None else visibility_value(text)


def _print_after(noisy, json_path):
    """Run the render step, then (tables only) the white-noise lines of a noisy-witness Result."""
    from .report.tables import console, noisy_witness_lines

    def run(render):
        render()
        if noisy is not None and json_path != "-":
            console().print(noisy_witness_lines(noisy))

    return run


@main.command()
@game_argument
@click.option("--dim", type=click.IntRange(min=1), default=None, help="Local dimension of each player (default: try 2 up to the largest number of outputs and keep the best).")
@click.option("--restarts", type=click.IntRange(min=0), default=20, show_default=True, help="Seeded random starts (the best deterministic start is always added).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random starts.")
@click.option("--projective", is_flag=True, help="Projective measurements only (two-outcome steps are projective anyway).")
@solver_option("SDP solver of the measurement steps with more than two outcomes: {names} (default: the registry's choice).",
               npa_only=False)
@visibility_option
@fix_option
@json_option
@reports_errors
def seesaw(game, dim, restarts, seed, projective, solver, visibility, fix, json_path):
    """Quantum lower bound (upper for min games) by see-saw, with the strategy as witness."""
    from .bounds.seesaw import seesaw_best

    loaded = load_game(game, _fixed(fix))
    v = _witness_visibility(visibility)
    result = seesaw_best(loaded, dim=dim, restarts=restarts, seed=seed, projective=projective, solver=solver)
    options = {"game": game, "dim": dim or "auto", "restarts": restarts, "seed": seed, "projective": projective, "fix": loaded.fixed}
    noisy = None
    if v is not None:
        from .bounds.classical import classical_value
        from .bounds.noise import noisy_witness

        noisy = noisy_witness(result.game, result.certificate, v, classical_value(result.game).exact)
        result.details["white_noise"] = noisy.to_json({"visibility": str(v)})
        options["visibility"] = str(v)
    _print_after(noisy, json_path)(lambda: finish(result, options, json_path))


# ---------------------------------------------------------------------------
# Dual-work scheduling: Pareto frontiers and event simulation


@main.command()
@click.argument("problem", metavar="[PROBLEM]", required=False, default="dual_work")
@click.option("--throughput", "throughput", metavar="EXPR", default=None, help="Baseline value T(t): an expression such as 't**1.8', or power:ALPHA, exponential:BETA, linear (overrides the file).")
@click.option("--arrival-rate", "arrival_rate", metavar="L[,L...]", default=None, help="Load(s) lambda, pairs per unit time: one frontier per value (default: the file's).")
@click.option("--waiting", type=click.Choice(["exact", "light-traffic"]), default=None, help="Waiting model: exact M^X/G/1 waiting at lambda (default) or its light-traffic limit.")
@click.option("--points", type=click.IntRange(min=2), default=21, show_default=True, help="Splits on the grid i/(N-1), i = 0..N-1.")
@click.option("--level", default="2", show_default=True, help="NPA level of a second certified lower bound on W ('none' to skip).")
@click.option("--plot", "plot_path", metavar="FILE", default=None, callback=writable_path, help="Draw the frontiers and the reduction per load to a .pdf, .png or .svg file.")
@click.option("--table", "table_path", metavar="FILE", default=None, callback=writable_path, help="Write the frontier table for a paper: .csv (exact rationals), .tex or .md.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Local worker processes (default: one, or more when the grid is large enough to pay for their start-up and cores are idle; the JSON says which and why).")
@click.option("--seesaw", "with_seesaw", is_flag=True, help="Also run the generic see-saw (dimension 2) at each split as a cross-check.")
@solver_option("SDP solver of the correlator and NPA bounds: {names} (default: the registry's choice).", npa_only=False)
@click.option("--visibility", "visibility", metavar="V[,V...]", default=None, help="Werner pairs of these visibilities: certified W bounds and explicit strategies.")
@click.option("--fidelity", "fidelity", metavar="F[,F...]", default=None, help="Werner pairs of these fidelities, F = (1 + 3V)/4.")
@click.option("--critical-visibility", "critical", is_flag=True, help="Per split, a certified interval for the least visibility that beats classical.")
@click.option("--supply", "supply", metavar="F", default=None, help="Share of request pairs that find a fresh heralded pair (the rest play classically).")
@click.option("--link", "link", is_flag=True, help="Supply and visibility from the problem file's [link] table (analytic link model).")
@json_option
@reports_errors
def pareto(problem, throughput, arrival_rate, waiting, points, level, plot_path, table_path, jobs, with_seesaw,
           solver, visibility, fidelity, critical, supply, link, json_path):
    """Throughput-waiting frontiers of the dual-work model: classical (exact) and quantum (certified)."""
    if visibility is not None or fidelity is not None or critical or supply is not None or link:
        if table_path is not None:
            raise BadInput(None, "--table", "not available with --visibility, --fidelity, --critical-visibility, "
                                            "--supply or --link yet")
        rate = None
        if arrival_rate is not None:
            from .scheduling.frontier import parse_arrival_rates

            rates = parse_arrival_rates(arrival_rate)
            if len(rates) != 1:
                raise BadInput(None, "--arrival-rate", "one load at a time with the noise options")
            rate = rates[0]
        return _noisy_pareto(problem, throughput, points, level, plot_path, jobs, with_seesaw, solver, visibility,
                             fidelity, critical, supply, json_path, link, rate, waiting)
    from .report.exports import check_table_path, write_frontier_table
    from .report.tables import console, loads_table, pareto_summary, pareto_table, progress
    from .scheduling.frontier import frontiers, frontiers_json, load_comparison, parse_arrival_rates
    from .scheduling.plots import check_plot_path, plot_frontiers
    from .scheduling.workers import choose_jobs

    check_plot_path(plot_path)
    check_table_path(table_path)
    rates = parse_arrival_rates(arrival_rate) if arrival_rate is not None else None
    level = None if str(level).strip().lower() == "none" else level
    jobs, jobs_reason = choose_jobs(points, jobs, level, with_seesaw)
    with progress() as bar:
        task = bar.add_task("frontier points", total=points * len(rates or [None]))
        results = frontiers(problem, rates, throughput=throughput, points=points, level=level, jobs=jobs,
                            progress=lambda: bar.advance(task), seesaw=with_seesaw, waiting=waiting, solver=solver)
    options = {"problem": problem, "throughput": results[0].model.throughput.text, "points": points,
               "arrival_rate": [r.model.arrival_rate for r in results] if rates else None,
               "waiting": results[0].model.waiting, "level": level, "jobs": jobs, "jobs_reason": jobs_reason,
               "plot": plot_path, "table": table_path, "seesaw": with_seesaw, "solver": solver}
    data = frontiers_json(results, options)
    if plot_path:
        from .report.exports import output_path

        with output_path(plot_path) as where:
            plot_frontiers(results, where)
    if table_path:
        write_frontier_table(results, table_path)
    if json_path != "-":
        for result in results:
            console().print(pareto_table(result))
            console().print(pareto_summary(result))
        if len(results) > 1:
            comparison = load_comparison(results)
            console().print(loads_table(results, comparison))
            console().print(comparison["statement"])
    if json_path:
        from .report.exports import write_json_output

        write_json_output(data, json_path)
    if not data["certified"]:
        warn("certify: some frontier certificates did not pass their exact checks")
        sys.exit(EXIT_FAILED)


def _noisy_pareto(problem, throughput, points, level, plot_path, jobs, with_seesaw, solver, visibility, fidelity,
                  critical, supply, json_path, link=False, arrival_rate=None, waiting=None):
    """pareto with Werner pairs (--visibility / --fidelity) and critical visibilities."""
    from .bounds.noise import fidelity_to_visibility, supply_value, visibility_value
    from .report.tables import console, critical_table, noise_summary, noise_table, progress
    from .scheduling.noise import noisy_frontier, noisy_frontier_json, plot_noisy_frontier
    from .scheduling.workers import choose_jobs

    if plot_path is not None and not plot_path.lower().endswith((".png", ".svg", ".pdf")):
        raise BadInput(None, "--plot", f"expected a .pdf, .png or .svg file, got '{plot_path}'")
    values = [visibility_value(t.strip()) for t in (visibility or "").split(",") if t.strip()]
    values += [fidelity_to_visibility(t.strip()) for t in (fidelity or "").split(",") if t.strip()]
    if (visibility is not None or fidelity is not None) and not values:
        raise BadInput(None, "--visibility" if visibility is not None else "--fidelity", "expected one value or a comma list")
    share = supply_value(supply) if supply is not None else 1
    link_info = None
    if link:
        from .scheduling.noise import link_operating_point

        if supply is not None or values:
            raise BadInput(None, "--link", "the link gives the supply and visibility; drop --supply/--visibility/--fidelity")
        found, share, v_link = link_operating_point(problem, throughput, arrival_rate, waiting)
        values = [v_link]
        link_info = {**found.to_json(), "supply": str(share), "mean_visibility": str(v_link)}
    if supply is not None and not values:
        values = [visibility_value("1")]
    level = None if str(level).strip().lower() == "none" else level
    jobs, jobs_reason = choose_jobs(points, jobs, level, with_seesaw, noisy=True)
    with progress() as bar:
        task = bar.add_task("frontier points", total=points)
        result = noisy_frontier(problem, throughput, points, level, jobs, progress=lambda: bar.advance(task),
                                seesaw=with_seesaw, visibilities=values, critical=critical, solver=solver,
                                supply=share, same_split=link, arrival_rate=arrival_rate, waiting=waiting)
    options = {"problem": problem, "throughput": result.model.throughput.text, "points": points,
               "level": level, "jobs": jobs, "jobs_reason": jobs_reason, "plot": plot_path, "seesaw": with_seesaw,
               "solver": solver, "visibilities": [str(v) for v in values], "critical_visibility": critical,
               "supply": str(share), "link": link_info, "arrival_rate": result.model.arrival_rate,
               "waiting": result.model.waiting}
    data = noisy_frontier_json(result, options)
    if plot_path:
        from .report.exports import output_path

        with output_path(plot_path) as where:
            plot_noisy_frontier(result, where)
    emit(data, noise_table(result), json_path)
    if json_path != "-":
        if critical:
            console().print(critical_table(result))
        console().print(noise_summary(result))
    if not data["certified"]:
        warn("certify: some frontier certificates did not pass their exact checks")
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("problem", metavar="[PROBLEM]", required=False, default="dual_work")
@click.option("--split", "split", required=True, metavar="P", help="Split probability p, a number or rational p/q.")
@click.option("--strategy", type=click.Choice(["classical", "quantum", "link"]), default="classical", show_default=True,
              help="Route by the exact classical optimum, the explicit quantum strategy at p, or pairs from the file's [link].")
@click.option("--pairs", type=click.IntRange(min=2), default=10**6, show_default=True, help="Request pairs to simulate.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed (results are reproducible).")
@click.option("--batches", type=click.IntRange(min=2), default=20, show_default=True, help="Batches for the batch-means confidence intervals.")
@click.option("--arrival-rate", "arrival_rate", metavar="L", default=None, help="Override lambda, pairs per unit time.")
@click.option("--waiting", type=click.Choice(["exact", "light-traffic"]), default=None, help="Model W to compare with: exact (default) or the light-traffic limit.")
@click.option("--throughput", "throughput", metavar="EXPR", default=None, help="Baseline value T(t): an expression, or power:ALPHA, exponential:BETA, linear (overrides the file).")
@json_option
@reports_errors
def simulate(problem, split, strategy, pairs, seed, batches, arrival_rate, waiting, throughput, json_path):
    """Event simulation of the two queues: W and Theta with 95% intervals beside the model."""
    from .games.game import parse_number
    from .report.tables import simulation_table
    from .scheduling.simulate import simulate as run, simulation_json

    p = parse_number(split, None, "--split")
    rate = parse_number(arrival_rate, None, "--arrival-rate") if arrival_rate is not None else None
    sim = run(problem, p, strategy, pairs, seed, batches, throughput, rate, waiting)
    options = {"problem": problem, "split": str(p), "strategy": strategy, "pairs": pairs, "seed": seed,
               "batches": batches, "arrival_rate": sim.model.arrival_rate, "waiting": sim.model.waiting,
               "throughput": sim.model.throughput.text}
    emit(simulation_json(sim, options), simulation_table(sim), json_path)


# ---------------------------------------------------------------------------
# Quantum upper bound (NPA hierarchy)


class LevelType(click.ParamType):
    """An NPA level: 1, 2, 3, ..., plus word families such as '1+AB' or '2+AAB' (case and spaces ignored)."""

    name = "LEVEL"

    def convert(self, value, param, ctx):
        from .proofs.npa import parse_level

        try:
            return parse_level(value)
        except BadInput as error:
            self.fail(error.message, param, ctx)


class LevelsType(click.ParamType):
    """One NPA level or several separated by commas: '3', '1,2,3', '2,2+AAB+ABB'."""

    name = "LEVEL[,LEVEL...]"

    def convert(self, value, param, ctx):
        from .proofs.npa import parse_level

        if isinstance(value, tuple):
            return value
        try:
            levels = tuple(parse_level(part) for part in str(value).split(","))
        except BadInput as error:
            self.fail(error.message, param, ctx)
        return tuple(dict.fromkeys(levels))  # repeated levels once, in the order given


class SolveStatus:
    """The quantum command's feedback on stderr: the relaxation's size and memory before
    solving, a live status line (elapsed, iterations where the solver exposes them) during a
    solve longer than a second when stderr is a terminal, and one line per solver that ran
    longer than a second or did not end optimal."""

    def __init__(self):
        import threading

        self.stream = sys.stderr
        self.live = self.stream.isatty()
        self.lock = threading.Lock()
        self.solver, self.iteration, self.started, self.shown = None, None, None, False
        self.stop = threading.Event()
        self.thread = None

    def __call__(self, event):
        import time

        kind = event["event"]
        if kind == "size":
            need = event["memory"].get(event["fits"][0]) if event["fits"] else None
            memory = f"about {need / 2**20:.0f} MB with {event['fits'][0]}" if need else "too large"
            moments = ("" if event["moments_exact"] else "up to ") + str(event["moments"])
            self._line(f"certify: NPA level {event['level']}: moment matrix {event['size']}x{event['size']}, "
                       f"{moments} moments, {event['constraints']} constraints; memory {memory} "
                       f"({event['available'] / 2**30:.0f} GB available)")
        elif kind == "start":
            with self.lock:
                self.solver, self.iteration, self.started = event["solver"], None, time.perf_counter()
            if self.live and self.thread is None:
                import threading

                self.thread = threading.Thread(target=self._run, daemon=True)
                self.thread.start()
        elif kind == "iteration":
            with self.lock:
                self.iteration = event["iteration"]
        elif kind == "done":
            with self.lock:
                self.solver = None
            if event["seconds"] > 1 or event["status"] != "optimal":
                bound = event.get("certified_bound")
                bound = f", certified {bound:.10g}" if bound is not None else ", no certificate"
                steps = f" after {event['iterations']} iterations" if event.get("iterations") else ""
                self._line(f"certify: {event['name']} {event['status']}{steps}, {event['seconds']:.1f} s{bound}")

    def _run(self):
        import time

        while not self.stop.wait(0.25):
            with self.lock:
                if self.solver is None:
                    continue
                elapsed = time.perf_counter() - self.started
                if elapsed < 1:
                    continue
                steps = f", iteration {self.iteration}" if self.iteration else ""
                self.stream.write(f"\r\x1b[K  solving with {self.solver}: {elapsed:.0f} s{steps}")
                self.stream.flush()
                self.shown = True

    def _line(self, text):
        with self.lock:
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.shown = False
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self):
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _has_moments(loaded, game):
    """``loaded``, unless both players have a single answer: then p(0,0|x,y) = 1 is the
    only behaviour, the NPA moment matrix is the 1 x 1 identity with no moment to bound,
    and some SDP solvers fail on the empty problem. The value is the constant sum of the
    coefficients, which `certify classical` proves; refused in one line here."""
    if tuple(loaded.outputs) != (1, 1):
        return loaded
    from fractions import Fraction

    value = sum(loaded.objective_exact.flat, Fraction(0))
    raise BadInput(game, "outputs", f"each player has a single answer, so every strategy scores exactly {value} "
                                    "and there is no quantum bound to compute (certify classical proves the value)")


@main.command()
@game_argument
@click.option("--level", type=LevelsType(), default="2", show_default=True,
              help="NPA level: 1, 2, 3, ..., or with word families: 1+AB, 2+AAB+ABB; several as 1,2,3 "
                   "(the best certified bound is reported).")
@solver_option("SDP solver: {names} (default: by size, with fallbacks).")
@fix_option
@json_option
@reports_errors
def quantum(game, level, solver, fix, json_path):
    """Certified quantum bound from the NPA hierarchy (exact dual certificate)."""
    from .bounds.npa import npa_bound, npa_levels

    loaded = _has_moments(load_game(game, _fixed(fix)), game)
    status = SolveStatus()
    try:
        if len(level) == 1:
            result = npa_bound(loaded, level=level[0], solver=solver, progress=status)
        else:
            result = npa_levels(loaded, level, solver=solver, progress=status)
    except KeyboardInterrupt:
        status.close()
        warn("certify: interrupted; nothing written")
        sys.exit(130)
    finally:
        status.close()
    names = ",".join(item.name for item in level)
    options = {"game": game, "level": names, "solver": result.solver.get("name"), "fix": loaded.fixed}
    finish(result, options, json_path)


@main.command()
@game_argument
@click.option("--level", type=LevelType(), default="2", show_default=True, help="NPA level of the upper bound.")
@solver_option("SDP solver of the NPA bound: {names} (default: by size, with fallbacks).")
@click.option("--dim", type=click.IntRange(min=1), default=None, help="Local dimension of the see-saw (default: try 2 up to the largest number of outputs and keep the best).")
@click.option("--restarts", type=click.IntRange(min=0), default=20, show_default=True, help="See-saw random starts.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="See-saw seed.")
@visibility_option
@click.option("--table", "table_path", metavar="FILE", default=None, callback=writable_path, help="Write the table for a paper: .csv (exact rationals), .tex or .md.")
@fix_option
@json_option
@reports_errors
def gap(game, level, solver, dim, restarts, seed, visibility, table_path, fix, json_path):
    """Classical exact, see-saw and NPA bounds, and the quantum advantage they prove."""
    from .bounds.gap import certified_gap
    from .report.exports import check_table_path, write_gap_table
    from .report.tables import gap_table

    check_table_path(table_path)
    loaded = _has_moments(load_game(game, _fixed(fix)), game)
    v = _witness_visibility(visibility)
    result = certified_gap(loaded, level=level, dim=dim, restarts=restarts, seed=seed, solver=solver)
    options = {"game": game, "level": level.name, "dim": dim or "auto", "restarts": restarts, "seed": seed, "fix": loaded.fixed}
    data = result.to_json(options)
    noisy = None
    if v is not None:
        from .bounds.noise import noisy_witness

        noisy = noisy_witness(result.game, result.seesaw.certificate, v, result.classical.exact)
        data["witness_white_noise"] = noisy.to_json({"visibility": str(v)})
        data["options"]["visibility"] = str(v)
    _print_after(noisy, json_path)(lambda: emit(data, gap_table(result), json_path))
    if table_path:
        write_gap_table(result, table_path)
    if not result.certified:
        warn("certify: not certified: " + "; ".join(result.problems or ["a certificate failed"]))
        sys.exit(EXIT_FAILED)


# ---------------------------------------------------------------------------
# Scans over model parameters, on Dask (certify.scheduling.scan)


class AxisPairType(click.ParamType):
    """X,Y: two axes of a scan (or one, for a single-row map)."""

    name = "X,Y"

    def convert(self, value, param, ctx):
        parts = [part.strip() for part in value.split(",")]
        if not 1 <= len(parts) <= 2 or not all(parts):
            self.fail(f"expected X,Y (two axis names), got '{value}'", param, ctx)
        return (parts[0], parts[1] if len(parts) == 2 else None)


@main.command()
@click.argument("scan_file", metavar="[SCAN.toml]", required=False)
@click.option("--out", "out_dir", metavar="DIR", default=None, help="Folder for cells/ and results.csv (default: scan-NAME).")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="A running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes of the local cluster (default: one per core).")
@click.option("--retries", type=click.IntRange(min=0), default=1, show_default=True, help="Dask retries of a cell whose task raised.")
@click.option("--report", "report_dir", metavar="DIR", default=None, help="Report a scan folder: table by advantage and heatmaps (runs nothing).")
@click.option("--heatmap", "heatmaps", type=AxisPairType(), multiple=True, help="Axes X,Y of a heatmap (repeatable; default: the first two).")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf", "parquet"]), multiple=True, default=["png"], show_default=True, help="Heatmap file format (png, pdf); parquet also writes DIR/results.parquet, exact rationals as strings beside the floats (needs certify[parquet]). Repeatable.")
@click.option("--top", type=click.IntRange(min=0), default=30, show_default=True, help="Rows of the report table (0: all).")
@reports_errors
def scan(scan_file, out_dir, scheduler, workers, retries, report_dir, heatmaps, fmt, top):
    """Frontiers over a grid of model parameters, one cell per Dask task; resumable."""
    from .report.tables import console
    from .scheduling import scan as scans

    if (scan_file is None) == (report_dir is None):
        raise BadInput(None, "SCAN.toml", "give a scan file to run, or --report DIR to report one (not both)")
    if "parquet" in fmt:
        scans.parquet_available()
    if report_dir is not None:
        files = scans.report(report_dir, heatmaps, [f for f in fmt if f != "parquet"] or ["png"])
        console().print(scans.report_table(report_dir, top))
        for path in files:
            click.echo(printable(f"heatmap: {path}"))
        if "parquet" in fmt:
            click.echo(printable(f"table: {scans.write_parquet(report_dir)}"))
        return
    if scheduler and workers:
        raise BadInput(None, "--workers", "sizes the local cluster; with --scheduler the cluster has its own workers")
    loaded = scans.load_scan(scan_file)
    directory = out_dir or f"scan-{loaded.name}"
    with scans.progress_bar() as update:
        outcome = scans.run_scan(loaded, directory, scheduler, workers, retries, progress=update)
    console().print(scans.outcome_text(outcome, directory, loaded))
    if "parquet" in fmt:
        click.echo(printable(f"table: {scans.write_parquet(directory, loaded)}"))
    for cell, message in outcome.failed:
        warn(f"certify: cell {cell.id} ({scans.describe(cell.parameters, cell.parameters)}) failed: {message}")
    if outcome.failed or outcome.uncertified:
        sys.exit(EXIT_FAILED)


# ---------------------------------------------------------------------------
# Notations and citation


@main.command()
@game_argument
@click.option("--to", "notation", type=click.Choice(["collins-gisin", "correlators", "coefficients"]), required=True,
              help="Notation of the objective: the Collins-Gisin table, the correlator table F (two-outcome games; "
                   "F[x+1][y+1] weighs <A_x B_y>, row and column 0 the identity, A_x = P(a=0|x) - P(a=1|x)), "
                   "or the dense c[a][b][x][y].")
@fix_option
@json_option
@reports_errors
def convert(game: str, notation: str, fix: tuple, json_path: str | None) -> None:
    """Print the game as a problem file in another notation (TOML; JSON with --json), exact rationals as "p/q"."""
    from .games.notations import convert as run, converted_mapping

    loaded = load_game(game, _fixed(fix))
    text, digest = run(loaded, notation, "toml", source=game)
    if json_path:
        from .report.exports import write_json_output

        write_json_output(converted_mapping(loaded, notation), json_path)
    else:
        click.echo(text, nl=False)
    if digest != loaded.sha256:
        warn(f"certify: note: the {notation} table fixes {loaded.name} on no-signalling behaviours only; "
             f"loaded back it is the game with the same classical, quantum and no-signalling values and "
             f"sha256 {digest[:12]}... (the source's: {loaded.sha256[:12]}...)")


@main.command()
def cite() -> None:
    """Print BibTeX for certify and for the paper of its dual-work model (arXiv:2602.04588)."""
    from .api import cite as entries

    click.echo(entries(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()

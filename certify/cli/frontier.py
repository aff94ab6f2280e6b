"""Commands of the dual-work scheduling model: pareto (certified throughput-waiting
frontiers, with or without noisy pairs) and simulate (the two queues, event by event)."""

from __future__ import annotations

from typing import Any

import click

from ..errors import BadInput
from .exits import Failed
from .options import json_option, noise_visibilities, one_arrival_rate, solver_option, supply_share, writable_path
from .output import emit


@click.command()
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
def pareto(problem: str, throughput: str | None, arrival_rate: str | None, waiting: str | None, points: int,
           level: str, plot_path: str | None, table_path: str | None, jobs: int | None, with_seesaw: bool,
           solver: str | None, visibility: str | None, fidelity: str | None, critical: bool, supply: str | None,
           link: bool, json_path: str | None) -> None:
    """Throughput-waiting frontiers of the dual-work model: classical (exact) and quantum (certified)."""
    if visibility is not None or fidelity is not None or critical or supply is not None or link:
        if table_path is not None:
            raise BadInput(None, "--table", "not available with --visibility, --fidelity, --critical-visibility, "
                                            "--supply or --link yet")
        rate = one_arrival_rate(arrival_rate)
        return _noisy_pareto(problem, throughput, points, level, plot_path, jobs, with_seesaw, solver, visibility,
                             fidelity, critical, supply, json_path, link, rate, waiting)
    from ..report.exports import check_table_path, write_frontier_table
    from ..report.tables import console, loads_table, pareto_summary, pareto_table, progress
    from ..scheduling.frontier import frontiers, frontiers_json, load_comparison, parse_arrival_rates
    from ..scheduling.plots import check_plot_path, plot_frontiers
    from ..scheduling.workers import choose_jobs

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
        from ..report.exports import output_path

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
        from ..report.exports import write_json_output

        write_json_output(data, json_path)
    if not data["certified"]:
        raise Failed("certify: some frontier certificates did not pass their exact checks")


def _noisy_pareto(problem: str, throughput: str | None, points: int, level: str, plot_path: str | None,
                  jobs: int | None, with_seesaw: bool, solver: str | None, visibility: str | None,
                  fidelity: str | None, critical: bool, supply: str | None, json_path: str | None,
                  link: bool = False, arrival_rate: Any = None, waiting: str | None = None) -> None:
    """pareto with Werner pairs (--visibility / --fidelity) and critical visibilities."""
    from ..report.tables import console, critical_table, noise_summary, noise_table, progress
    from ..scheduling.noise import noisy_frontier, noisy_frontier_json, plot_noisy_frontier
    from ..scheduling.plots import check_plot_path
    from ..scheduling.workers import choose_jobs

    check_plot_path(plot_path)
    values = noise_visibilities(visibility, fidelity)
    share = supply_share(supply)
    link_info = None
    if link:
        from ..scheduling.noise import link_operating_point

        if supply is not None or values:
            raise BadInput(None, "--link", "the link gives the supply and visibility; drop --supply/--visibility/--fidelity")
        found, share, v_link = link_operating_point(problem, throughput, arrival_rate, waiting)
        values = [v_link]
        link_info = {**found.to_json(), "supply": str(share), "mean_visibility": str(v_link)}
    if supply is not None and not values:
        values = noise_visibilities("1", None)  # rationed perfect pairs
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
        from ..report.exports import output_path

        with output_path(plot_path) as where:
            plot_noisy_frontier(result, where)
    emit(data, noise_table(result), json_path)
    if json_path != "-":
        if critical:
            console().print(critical_table(result))
        console().print(noise_summary(result))
    if not data["certified"]:
        raise Failed("certify: some frontier certificates did not pass their exact checks")


@click.command()
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
def simulate(problem: str, split: str, strategy: str, pairs: int, seed: int, batches: int, arrival_rate: str | None,
             waiting: str | None, throughput: str | None, json_path: str | None) -> None:
    """Event simulation of the two queues: W and Theta with 95% intervals beside the model."""
    from ..games.game import parse_number
    from ..report.tables import simulation_table
    from ..scheduling.simulate import simulate as run, simulation_json

    p = parse_number(split, None, "--split")
    rate = parse_number(arrival_rate, None, "--arrival-rate") if arrival_rate is not None else None
    sim = run(problem, p, strategy, pairs, seed, batches, throughput, rate, waiting)
    options = {"problem": problem, "split": str(p), "strategy": strategy, "pairs": pairs, "seed": seed,
               "batches": batches, "arrival_rate": sim.model.arrival_rate, "waiting": sim.model.waiting,
               "throughput": sim.model.throughput.text}
    emit(simulation_json(sim, options), simulation_table(sim), json_path)



"""The ``method`` and ``realisation`` texts of a result, as templates: certify's producers
write them with these functions and verify rebuilds them from the checked quantities and
compares byte for byte, so descriptive text cannot carry a claim no check reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .document import Node, short_text
from .noise import werner_method


# The method texts certify writes, per certificate kind. ``method`` describes how a number
# was found, so it is free to say so, but never to claim anything: it must be exactly one
# of these texts, with every {slot} that names a checked quantity (a level, a size, a
# dimension, a rank, a visibility, a strategy count) filled with the checked value and the
# search parameters (restarts, seed, rounds, strategies tried) plain whole numbers; {x_s}
# is "s" unless {x} is 1. verify rebuilds the text from those values and compares it byte
# for byte, so "the exact quantum value (proved optimal)" is no method of any certificate.
METHOD_TEMPLATES = {
    "classical": ("enumeration", "LP over all {strategies} deterministic strategies",
                  "LP by column generation ({used} of {strategies} strategies)"),
    "nosignalling": ("LP over no-signalling behaviours",),
    "npa": ("NPA level {level} (moment matrix {size}x{size}, {moments} moments), rigorous dual bound",),
    "seesaw": ("see-saw, dimension {dimension}, {restarts} restart{restarts_s} + deterministic start, seed {seed}",
               "see-saw column generation ({rounds} round{rounds_s}, {pool} strategies), dimension {dimension}, "
               "{restarts} restart{restarts_s}, seed {seed}"),
    "correlation-strategy": ("Tsirelson vectors of rank {rank}, rounded to exact unit vectors",),
    "correlation-dual": ("Tsirelson SDP dual (NPA level 1 on +-1 observables), shift {shift} x {observables}",),
}
NPA_LEVELS_PREFIX = "best of NPA levels {levels}: "
SEESAW_MET_SUFFIX = ("; no mixture found meets the requested constraint levels exactly, so the witness is "
                     "certified at the levels it meets ({levels})")
SEESAW_DIMENSIONS_SUFFIX = "; best of dimensions {first} to {last}"
SEESAW_ZEROS_SUFFIX = ("; constraint{names_s} {names} force{verb_s} probabilities to 0, met exactly by exact projectors "
                       "and a state orthogonal to the forbidden outcomes")


def plural(count: int) -> str:
    """The plural ending of a noun counted ``count`` times ("" for one, "s" otherwise)."""
    return "" if count == 1 else "s"


def seesaw_method_text(dimension: int, restarts: int, seed: int, rounds: int | None = None, pool: int | None = None,
                       zero_names: list[str] | tuple[str, ...] = (), missed: dict | None = None) -> str:
    """The ``method`` text of a see-saw result, written by certify.bounds.seesaw and rebuilt
    by the checker (_seesaw_method) from the same templates: the plain search, or column
    generation over ``rounds`` rounds and ``pool`` strategies when constraints other than
    forced zeros remain; then the constraints that force probabilities to 0 (``zero_names``,
    met by every strategy itself) and the requested levels the witness misses (``missed``)."""
    if rounds is None:
        text = METHOD_TEMPLATES["seesaw"][0].format(dimension=dimension, restarts=restarts,
                                                    restarts_s=plural(restarts), seed=seed)
    else:
        text = METHOD_TEMPLATES["seesaw"][1].format(rounds=rounds, rounds_s=plural(rounds), pool=pool,
                                                    dimension=dimension, restarts=restarts,
                                                    restarts_s=plural(restarts), seed=seed)
    if zero_names:
        text += SEESAW_ZEROS_SUFFIX.format(names_s=plural(len(zero_names)), names=", ".join(zero_names),
                                           verb_s="" if len(zero_names) > 1 else "s")
    if missed:
        text += SEESAW_MET_SUFFIX.format(levels=", ".join(f"{name} = {value} requested" for name, value in missed.items()))
    return text
# How a correlation strategy is realised (certificate "realisation"): rebuilt from its rank.
CORRELATION_REALISATION = ("maximally entangled state of local dimension {dimension}; "
                           "A_x = u_x . Gamma, B_y = v_y . Gamma^T (Gamma: Pauli matrices for r <= 3); "
                           "flip both answers with a shared fair coin")
WERNER_REALISATION = ("Werner pair rho_v = v |Phi+><Phi+| + (1 - v) I/4; A_x = u_x . sigma, B_y = w_y . sigma^T "
                      "for Bloch vectors, a fixed answer for '+1'/'-1'; flip both answers with a shared fair coin")

_SLOT = re.compile(r"\{(\w+)\}")
_SEARCHED = r"(?:0|[1-9][0-9]{0,11})"  # a search parameter: a plain whole number


def fill_template(template: str, checked: dict, text: str) -> dict | None:
    """The search parameters of ``text`` when it is ``template`` with the ``checked`` slots
    filled (and None when it is not): the text is rebuilt from the slots and compared
    byte for byte, so nothing but the template's own words and whole numbers gets in."""
    parts = _SLOT.split(template)
    pattern, named = [], set()
    for index, part in enumerate(parts):
        if index % 2 == 0:
            pattern.append(re.escape(part))
        elif part in checked:
            pattern.append(re.escape(str(checked[part])))
        elif part.endswith("_s"):
            pattern.append("s?")
        elif part in named:
            pattern.append(f"(?P={part})")
        else:
            named.add(part)
            pattern.append(f"(?P<{part}>{_SEARCHED})")
    match = re.fullmatch("".join(pattern), text)
    if match is None:
        return None
    values = {key: str(value) for key, value in checked.items()} | match.groupdict()
    for slot in _SLOT.findall(template):
        if slot.endswith("_s") and slot not in checked:
            values[slot] = "" if values.get(slot[:-2]) == "1" else "s"
    return match.groupdict() if template.format(**values) == text else None


def method_problem(text: object, templates: tuple[str, ...], checked: dict) -> str | None:
    """Why ``text`` is not one of ``templates`` filled with ``checked`` (None when it is)."""
    if not isinstance(text, str):
        return "expected a string"
    for template in templates:
        found = fill_template(template, checked, text)
        if found is not None:
            return None
    shown = _SLOT.sub(lambda m: str(checked.get(m.group(1), "N" if not m.group(1).endswith("_s") else "(s)")),
                      templates[0])
    return (f"{short_text(text)} is not the text certify writes for this certificate "
            f"(for example {short_text(shown, 160)}): method may describe the search, not claim")


def check_werner_method(node: Node, kind: str, certificate: dict) -> None:
    """``method`` (optional) of a Werner-pair result must be the text its certificate alone
    determines (certify.proofs.noise.werner_method, which the producer writes too), or for a
    werner-dual without supply the critical-visibility wording "no advantage for any visibility
    <= v" (the hull at v contains the hull at every lower visibility, so the bound at v covers them)."""
    if not node.has("method"):
        node.descriptive("method")
        return
    allowed = [werner_method(kind, certificate)]
    if kind == "werner-dual" and certificate.get("supply") is None:
        allowed.append(f"no advantage for any visibility <= {certificate.get('visibility')}")
    text = node.get("method")
    if text not in allowed:
        node.fail("method", f"{short_text(text)} is not the text certify writes for this certificate "
                            f"(for example {short_text(allowed[0], 120)!r}): method may describe the search, not claim")


def check_method(node: Node, templates: tuple[str, ...], checked: dict, prefix: str = "", suffix: str = "",
                 numbers: Callable[[dict], bool] | None = None) -> None:
    """``method`` (optional: a document may leave it out) must be one of ``templates``
    with the checked slots filled, between a rebuilt ``prefix`` and ``suffix``; ``numbers``
    (search parameters -> bool) may reject impossible search parameters."""
    if not node.has("method"):
        node.descriptive("method")
        return
    text = node.get("method")
    if isinstance(text, str) and prefix and text.startswith(prefix):
        text = text[len(prefix):]
    elif prefix:
        node.fail("method", f"{short_text(text)} does not start with the rebuilt {short_text(prefix, 120)}")
        return
    if isinstance(text, str) and suffix:
        if not text.endswith(suffix):
            node.fail("method", f"{short_text(text)} does not end with the rebuilt {short_text(suffix, 120)}")
            return
        text = text[: len(text) - len(suffix)]
    problem = method_problem(text, templates, checked)
    if problem is None and numbers is not None:
        found = next(filter(None, (fill_template(t, checked, text) for t in templates)), {})
        if not numbers(found):
            problem = f"{short_text(text)} states search figures that cannot be ({short_text(found)})"
    if problem:
        node.fail("method", problem)

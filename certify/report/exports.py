"""Tables for papers: --table FILE.csv|.tex|.md for `certify pareto` and `certify gap`.

* CSV keeps every certified number as an exact rational string ("p/q"),
  beside a float column for convenience; nothing is rounded.
* TeX (a booktabs tabular) and Markdown show decimals by the rule every output
  of certify follows (terminal tables, JSON floats, TeX, Markdown, plots): a
  bound is rounded on its safe side, an upper bound up and a lower bound or a
  "beats by at least" down, and an exact value (the classical optimum) to the
  nearest, since it is a value and not a bound (the advantage is computed
  exactly and rounded down on its own, so nothing read off the table is
  overstated). For a frontier (W minimised): the quantum lower bound and the
  reductions down, the explicit strategy's W (an upper bound on the quantum
  optimum) up, the exact classical minimum to the nearest. For a gap: the
  lower bound down, the upper bound up, the advantage down, the classical
  optimum to the nearest. Theta is a model value (exact formula, float
  quadrature) and is rounded to the nearest.

The numbers come from the results as computed (the same ones the JSON
holds); nothing is recomputed here.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

from ..errors import BadInput, CannotWrite, printable
from .results import dumps, replacement_mode, write_json, write_text


FORMATS = ("csv", "tex", "md")
DIGITS = 8


# ---------------------------------------------------------------------------
# Output paths: every --json, --table and --plot file goes through these


def _written_through(path: str | os.PathLike) -> bool:
    """Whether ``path`` is to be written in place rather than replaced by a new file.

    A path that does not exist or is a regular file gets a new file, written to a
    temporary name and renamed over it (never half a file). Anything else that exists
    (a symlink, a device such as /dev/null or /dev/full, a FIFO, /dev/stdout) is written
    through: a rename would replace the link or the device node itself by a regular
    file, which as root turns /dev/null into a file. A folder is refused.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise CannotWrite(path, error.strerror or str(error)) from None
    if stat.S_ISREG(status.st_mode):
        return False
    if stat.S_ISDIR(status.st_mode):
        raise CannotWrite(path, "it is a folder")
    return True


def write_output(path: str | os.PathLike, text: str, newline: str | None = None) -> None:
    """Write ``text`` to an output file: a new file atomically, or through what the path
    names when it exists and is not a regular file (see ``_written_through``).

    Any operating-system error (a full disk, a read-only device) is CannotWrite naming
    the path, bad input that the command line reports in one line with exit status 2.
    """
    try:
        if not _written_through(path):
            write_text(path, text, newline=newline)
            return
        sys.stdout.flush()  # /dev/stdout: what was printed before stays before
        with open(path, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
    except OSError as error:
        raise CannotWrite(path, error.strerror or str(error)) from None


def write_json_output(data: dict, path: str | os.PathLike) -> None:
    """A result document to ``path`` (``write_output``), or only JSON to stdout for '-'."""
    if str(path) == "-":
        write_json(data, "-")
        return
    write_output(path, dumps(data))


@contextlib.contextmanager
def output_path(path: str | os.PathLike) -> Iterator[str]:
    """A file name for a writer that wants a path (matplotlib's savefig), with the
    guarantees of ``write_output``.

    For a new or regular file the writer gets a temporary name in the same folder with
    the same suffix (savefig picks the format by it), renamed over ``path`` when the
    writer is done, removed when it fails; the file keeps the permissions of the one it
    replaces (or those of any new file). Otherwise the writer writes through ``path``
    itself. OSError becomes CannotWrite naming ``path``.
    """
    try:
        if _written_through(path):
            yield str(path)
            return
        target = Path(path)
        mode = replacement_mode(target)
        handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                                             prefix=f".{target.name}.", suffix=target.suffix)
        os.close(handle)
        try:
            yield temporary
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as error:
        raise CannotWrite(path, error.strerror or str(error)) from None


def check_table_path(path, key="--table"):
    """BadInput unless the file name ends in .csv, .tex or .md (checked before any work)."""
    if path is None:
        return
    suffix = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
    if suffix not in FORMATS:
        raise BadInput(None, key, f"expected a .csv, .tex or .md file, got '{path}'")


def decimal_down(value, digits=DIGITS):
    """The exact rational ``value`` as a decimal string rounded towards -infinity."""
    value = Fraction(value)
    scaled = math.floor(value * 10**digits)
    return _decimal(scaled, digits)


def decimal_up(value, digits=DIGITS):
    """The exact rational ``value`` as a decimal string rounded towards +infinity."""
    value = Fraction(value)
    scaled = math.ceil(value * 10**digits)
    return _decimal(scaled, digits)


def decimal_nearest(value, digits=DIGITS):
    """The exact rational ``value`` as a decimal string rounded to the nearest (half to even)."""
    return _decimal(round(Fraction(value) * 10**digits), digits)


def _decimal(scaled, digits):
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def _exact(result):
    """The exact number a Result proves: exact value, else the certified bound or achieved value."""
    if result.get("exact") is not None:
        return Fraction(result["exact"])
    certificate = result.get("certificate", {})
    for key in ("value", "bound"):
        if isinstance(certificate.get(key), str):
            return Fraction(certificate[key])
    for key in ("bound", "achieved"):
        if isinstance(result.get(key), str):
            return Fraction(result[key])
    return Fraction(result["value"])


def frontier_rows(results):
    """Per load and split: the exact numbers of a frontier table (dicts of Fractions and floats)."""
    rows = []
    for result in results:
        for point in result.points:
            parts = point["results"]
            classical = Fraction(parts["classical"]["exact"])
            upper = Fraction(parts["quantum_upper"]["certificate"]["value"])
            lowers = [_exact(parts[key]) for key in ("quantum_lower", "npa")
                      if key in parts and parts[key]["certified"]]
            lower = max(lowers) if lowers else None
            certified = bool(point["advantage_certified"])
            rows.append({
                "arrival_rate": result.model.arrival_exact,
                "split": Fraction(point["split_exact"]),
                "theta": point["throughput"],
                "classical": classical,
                "quantum_lower": lower,
                "quantum_upper": upper,
                "reduction": classical - upper if certified else None,
                "relative_reduction": (classical - upper) / classical if certified and classical else None,
                "certified": certified,
            })
    return rows


FRONTIER_COLUMNS = (
    # key, heading, rounding for TeX/Markdown
    ("arrival_rate", "lambda", "exact"),
    ("split", "p", "exact"),
    ("theta", "Theta", "nearest"),
    ("classical", "W classical (exact min)", "exact-nearest"),
    ("quantum_lower", "W quantum >=", "down"),
    ("quantum_upper", "W quantum <= (explicit)", "up"),
    ("reduction", "W reduction (abs.)", "down"),
    ("relative_reduction", "W reduction (rel.)", "down"),
    ("certified", "certified", "flag"),
)


def _cell(value, rounding, exact_text=False):
    if value is None:
        return "" if exact_text else "-"
    if rounding == "flag":
        return "yes" if value else "no"
    if exact_text and isinstance(value, Fraction):
        return str(value)
    if rounding == "exact":
        return str(value) if isinstance(value, Fraction) else f"{value:g}"
    if rounding == "nearest":
        return f"{float(value):.6f}"
    return rounded(value, rounding)


def rounded(value, rounding):
    """An exact number as a decimal in its rounding: "down", "up" or "exact-nearest"."""
    return {"down": decimal_down, "up": decimal_up, "exact-nearest": decimal_nearest}[rounding](value)


def render(rows, columns, fmt, caption=""):
    """rows (dicts) as CSV (exact rationals), a booktabs TeX tabular or a Markdown table."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        heading = []
        for key, title, rounding in columns:
            heading.append(title)
            if rounding in ("down", "up", "exact-nearest"):
                heading.append(title + " (float)")
        writer.writerow(heading)
        for row in rows:
            line = []
            for key, _, rounding in columns:
                line.append(_cell(row[key], rounding, exact_text=True))
                if rounding in ("down", "up", "exact-nearest"):
                    line.append("" if row[key] is None else repr(float(row[key])))
            writer.writerow(line)
        return out.getvalue()
    cells = [[_cell(row[key], rounding) for key, _, rounding in columns] for row in rows]
    titles = [title for _, title, _ in columns]
    if fmt == "md":
        lines = ["| " + " | ".join(titles) + " |", "|" + "|".join("---:" for _ in titles) + "|"]
        lines += ["| " + " | ".join(line) + " |" for line in cells]
        note = caption + (" " if caption else "") + "Lower bounds rounded down, upper bounds up, exact values to the nearest."
        return "\n".join(lines) + f"\n\n{note}\n"
    tex_titles = [t.replace(">=", r"$\geq$").replace("<=", r"$\leq$").replace("lambda", r"$\lambda$")
                  .replace("Theta", r"$\Theta$") for t in titles]
    lines = [
        "% written by certify; lower bounds rounded down, upper bounds up, exact values to the nearest",
        r"\begin{tabular}{" + "r" * len(titles) + "}",
        r"\toprule",
        " & ".join(tex_titles) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(_tex_number(c) for c in line) + r" \\" for line in cells]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption:
        lines.insert(0, f"% {caption}")
    return "\n".join(lines) + "\n"


TEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#", "$": r"\$",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(text):
    """Plain text safe inside a TeX table cell (one pass, so escapes are not escaped again)."""
    return "".join(TEX_SPECIALS.get(char, char) for char in text)


def _tex_number(text):
    if "/" in text and not text.startswith("$"):
        numerator, denominator = text.split("/", 1)
        return rf"${numerator}/{denominator}$"
    return text


def write_frontier_table(results, path):
    """The frontier table(s) of ``certify pareto`` (one block of rows per load) to a .csv/.tex/.md file."""
    check_table_path(path)
    fmt = str(path).rsplit(".", 1)[-1].lower()
    model = results[0].model
    # one line whatever the file says: a newline in a name would end the TeX comment it
    # stands in and let the rest of the name run as TeX
    caption = printable(f"{results[0].game.name}: T(t) = {model.throughput.text}, waiting model {model.waiting}.")
    write_output(path, render(frontier_rows(results), FRONTIER_COLUMNS, fmt, caption), newline="")


def gap_rows(gap):
    """The gap table's rows with exact numbers and their rounding (see the module docstring)."""
    rows = [
        {"bound": "classical optimum", "exact": _exact(gap.classical.to_json()),
         "rounding": "exact-nearest", "method": gap.classical.method},
        {"bound": "quantum lower bound", "exact": _exact(gap.lower.to_json()), "rounding": "down",
         "method": gap.lower.method},
        {"bound": "quantum upper bound", "exact": _exact(gap.upper.to_json()), "rounding": "up",
         "method": gap.upper.method},
        {"bound": "quantum advantage", "exact": gap.advantage, "rounding": "down",
         "method": "see-saw witness against the classical dual"},
    ]
    return rows


def write_gap_table(gap, path):
    """The gap table of ``certify gap`` to a .csv/.tex/.md file."""
    check_table_path(path)
    fmt = str(path).rsplit(".", 1)[-1].lower()
    rows = []
    for row in gap_rows(gap):
        rows.append({"bound": row["bound"], "value": row["exact"], "method": row["method"], "_round": row["rounding"]})
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["bound", "value (exact)", "value (float)", "method"])
        for row in rows:
            value = row["value"]
            writer.writerow([row["bound"], "" if value is None else str(value),
                             "" if value is None else repr(float(value)), row["method"]])
        text = out.getvalue()
    else:
        cells = [[row["bound"], "-" if row["value"] is None else
                  rounded(row["value"], row["_round"]),
                  row["method"]] for row in rows]
        if fmt == "md":
            text = "| bound | value | method |\n|---|---:|---|\n" + "".join(
                f"| {a} | {b} | {c} |\n" for a, b, c in cells) + "\nLower bounds rounded down, upper bounds up, exact values to the nearest.\n"
        else:
            text = "\n".join(
                [f"% {printable(gap.game.name)} ({gap.game.sense}); written by certify; lower bounds rounded down, upper bounds up, exact values to the nearest",
                 r"\begin{tabular}{lrl}", r"\toprule", r"bound & value & method \\", r"\midrule"]
                + [f"{tex_escape(a)} & {b} & {tex_escape(c)}" + r" \\" for a, b, c in cells]
                + [r"\bottomrule", r"\end{tabular}"]) + "\n"
    write_output(path, text, newline="")

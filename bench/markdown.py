"""The benchmark's results as markdown tables, one column per database run.

``runs`` maps a column title ("SQLite", "PostgreSQL, Django defaults", ...) to
the result ``bench.compare --json`` printed for that database.
"""

from __future__ import annotations

import statistics

from .writes import CASES

REPEAT = CASES[1]

# Throughput under gunicorn + wrk against the bare view: our schemes' goals (the peers have none).
THROUGHPUT_GOALS = {"m2m-key": 0.75, "m2m-pat": 0.75, "m2m-jwt": 0.85, "m2m-jwt-remote": 0.85}
WRITES_GOAL = 1


def render(runs: dict[str, dict]) -> str:
    parts = [ratio_table(runs), throughput_table(runs), writes_table(runs), scheme_table(runs)]
    return "\n\n".join(part for part in parts if part)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def spread(values: dict) -> str:
    return f"{values['median']:.2f} ({values['min']:.2f}-{values['max']:.2f})"


def verdict(met: dict[str, bool]) -> str:
    """yes when met in every run, no when in none, else which runs miss it."""
    missed = [title for title, ok in met.items() if not ok]
    if not missed or len(missed) == len(met):
        return "no" if missed else "yes"
    return "no: " + "; ".join(missed)


def ratio_table(runs: dict[str, dict]) -> str:
    first = next(iter(runs.values()))
    rows = []
    for index, row in enumerate(first["ratios"]):
        cells = {title: run["ratios"][index] for title, run in runs.items()}
        sign = ">=" if row["better"] == "higher" else "<="
        rows.append([row["ratio"], *(spread(cell) for cell in cells.values()), f"{sign} {row['goal']:g}",
                     verdict({title: cell["met"] for title, cell in cells.items()})])
    stored = f"{first['stored_credentials']:,} stored credentials of each kind"
    caption = f"Ratios of overhead over the bare view, median (min-max) over {first['rounds']} rounds ({stored})"
    return caption + ":\n\n" + table(["ratio", *runs, "goal", "met"], rows)


def throughput_table(runs: dict[str, dict]) -> str:
    measured = {title: run["throughput"] for title, run in runs.items() if run.get("throughput")}
    if not measured:
        return ""
    rows, notes = [], []
    for name in next(iter(measured.values()))["ratios"]:
        cells = {title: result["ratios"][name] for title, result in measured.items()}
        goal = THROUGHPUT_GOALS.get(name)
        rows.append([name, *(spread(median_range(values)) for values in cells.values()),
                     f">= {goal}" if goal else "(peer)",
                     verdict({title: median_range(v)["median"] >= goal for title, v in cells.items()}) if goal else ""])
        notes += [f"{name} {result['non_2xx'][name]} of {result['requests'][name]} ({title})"
                  for title, result in measured.items() if result["non_2xx"].get(name)]
    text = "gunicorn + wrk, requests per second / the bare view's:\n\n" + table(["scheme", *measured, "goal", "met"], rows)
    return text + ("\n\nNon-2xx answers (tolerated up to 1 %): " + "; ".join(notes) if notes else "")


def median_range(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def per_interval(cases: dict[str, list[str]]) -> int | None:
    """The most writes one interval costs (its first use), or None when every repeat writes too."""
    if cases[REPEAT]:
        return None
    return max(len(writes) for case, writes in cases.items() if case != REPEAT)


def writes_text(writes: list[str]) -> str:
    return f"{len(writes)} ({', '.join(writes)})" if writes else "0"


def alike(values: dict[str, str]) -> str:
    """One value when every run agrees, else each run's, in column order."""
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else " / ".join(values.values())


def writes_table(runs: dict[str, dict]) -> str:
    first = next(iter(runs.values()))
    rows = []
    for name in first["writes"]:
        cells = [alike({title: writes_text(run["writes"][name][case]) for title, run in runs.items()}) for case in CASES]
        worst = {title: per_interval(run["writes"][name]) for title, run in runs.items()}
        shown = alike({title: "every request" if count is None else str(count) for title, count in worst.items()})
        rows.append([name, *cells, shown, f"<= {WRITES_GOAL}",
                     verdict({title: count is not None and count <= WRITES_GOAL for title, count in worst.items()})])
    caption = "Database writes (INSERT, UPDATE, DELETE) of one request, per credential"
    if len(runs) > 1:
        caption += " (a / b / c: the runs differ, in column order)"
    return caption + ":\n\n" + table(["scheme", *CASES, "per last-used interval", "goal", "met"], rows)


def scheme_table(runs: dict[str, dict]) -> str:
    first = next(iter(runs.values()))
    rows = []
    for name in first["per_request_us"]:
        times = [f"{run['per_request_us'][name]:,.0f}" for run in runs.values()]
        queries = alike({title: str(run["queries"][name]["queries"]) for title, run in runs.items()})
        writes = alike({title: str(run["queries"][name]["writes"]) for title, run in runs.items()})
        rows.append([name, *times, queries, writes])
    header = ["scheme", *(f"µs per request, {title}" for title in runs), "queries", "writes"]
    return "Per scheme, in-process, median over rounds; queries and writes of a repeated request:\n\n" + table(header, rows)

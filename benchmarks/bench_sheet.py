"""Benchmark: `quizgen sheet -n 30` with key, cold and warm formula cache, against WeasyPrint alone on the same HTML.

Run: python benchmarks/bench_sheet.py [--repeat 5]   (not a test: prints figures, asserts nothing)

Every timed run is a fresh process, imports included. The floor is a fresh process that imports WeasyPrint and
writes the very same final sheet and key HTML with `weasyprint.HTML(string=...).write_pdf()`; nothing less can
produce these two PDFs. Targets from issue 14: cold <= 1.35 x floor, warm <= 1.15 x floor; peak memory of the
sheet's own process (max RSS, from wait4; its forked workers are separate processes) <= 150 MiB.
Cold: empty cache folder (formulas and drawn sets); warm: the same command again on the full cache.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARGS = ["-n", "30", "--seed", "5"]

# Used while `quizgen sheet` is not wired into the CLI: the same library calls the command makes.
LIBRARY_RUN = """
import sys
from quizgen.problems import generate_set
from quizgen.render.pdf import default_key_path, write_sheet
ps = generate_set(30, seed=5, command="sheet")
write_sheet(ps, sys.argv[1], default_key_path(sys.argv[1]))
"""

FLOOR_RUN = """
import sys
import weasyprint
for html, out in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    weasyprint.HTML(string=open(html, encoding="utf-8").read()).write_pdf(out)
"""


def cli_has_sheet() -> bool:
    probe = subprocess.run([sys.executable, "-m", "quizgen.cli", "sheet", "--help"], capture_output=True)
    return probe.returncode == 0


def timed(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """(wall, CPU) seconds of one fresh process, CPU counting its children too (formula and PDF workers), and the
    process's own peak RSS in MiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, own = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{cmd} failed with exit {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), own.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds of floor, cold and warm runs")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="quizgen-bench-"))
    out = work / "worksheet.pdf"
    env = dict(os.environ)
    if cli_has_sheet():
        how = "quizgen sheet " + " ".join(ARGS)
        command = [sys.executable, "-m", "quizgen.cli", "sheet", *ARGS, "-o", str(out)]
    else:
        how = "library calls of `quizgen sheet -n 30 --seed 5` (CLI command not there yet)"
        command = [sys.executable, "-c", LIBRARY_RUN, str(out)]

    # The final HTML of this very sheet and key, written once so the floor renders exactly it.
    from quizgen.problems import generate_set
    from quizgen.render.pdf import build_sheet_html

    os.environ["QUIZGEN_CACHE_DIR"] = str(work / "cache-html")
    ps = generate_set(30, seed=5, command="sheet")
    sheet_html, key_html = work / "sheet.html", work / "key.html"
    sheet_html.write_text(build_sheet_html(ps), encoding="utf-8")
    key_html.write_text(build_sheet_html(ps, key=True), encoding="utf-8")
    floor_cmd = [sys.executable, "-c", FLOOR_RUN, str(sheet_html), str(work / "floor.pdf"),
                 str(key_html), str(work / "floor-key.pdf")]

    # Rounds interleave the three kinds, so load from other processes on the machine hits them alike.
    floor, cold, warm = [], [], []
    for i in range(opts.repeat):
        env["QUIZGEN_CACHE_DIR"] = str(work / f"cache-{i}")  # empty: cold
        floor.append(timed(floor_cmd, env))
        cold.append(timed(command, env))
        warm.append(timed(command, env))  # same cache, now full

    def med(runs, k):
        return statistics.median(r[k] for r in runs)

    print(f"measured: {how}; sheet + key; {opts.repeat} interleaved rounds; fresh processes, imports included")
    print(f"{'':38}{'wall s':>8}{'CPU s':>8}   (medians)")
    for name, runs in (("floor (WeasyPrint alone, same HTML)", floor), ("cold cache", cold), ("warm cache", warm)):
        print(f"  {name:36}{med(runs, 0):8.2f}{med(runs, 1):8.2f}")
    for name, runs, target in (("cold", cold, 1.35), ("warm", warm, 1.15)):
        print(f"  ratio {name}/floor: wall {med(runs, 0) / med(floor, 0):.2f}, CPU {med(runs, 1) / med(floor, 1):.2f}"
              f"   (target <= {target})")
    print(f"  peak RSS of the sheet process: cold {max(r[2] for r in cold):.0f} MiB, warm {max(r[2] for r in warm):.0f} MiB"
          f" (max over rounds; target <= 150)")
    print(f"  machine load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

"""Run every benchmark in this folder (``make bench``)."""

import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
for script in sorted(here.glob("*.py")):
    if script.name.startswith("_") or script.name in ("run_all.py", "readme_figures.py"):
        continue
    print(f"== {script.name}", flush=True)
    runpy.run_path(str(script), run_name="__main__")

# the README quotes the figures just measured (its <!-- fig:... --> spans)
print("== readme_figures.py", flush=True)
runpy.run_path(str(here / "readme_figures.py"), run_name="__main__")

"""Run every benchmark in this folder (``make bench``)."""

import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
for script in sorted(here.glob("*.py")):
    if script.name.startswith("_") or script.name == "run_all.py":
        continue
    print(f"== {script.name}", flush=True)
    runpy.run_path(str(script), run_name="__main__")

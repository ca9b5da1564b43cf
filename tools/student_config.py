"""Print the book configuration of the student website: _config.yml with solutions hidden.

    python tools/student_config.py > _build/_config.student.yml
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
config = yaml.safe_load((ROOT / "_config.yml").read_text())
config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True  # sphinx-exercise
config["title"] = config.get("title", "") + " (student edition)"
yaml.safe_dump(config, sys.stdout, sort_keys=False, allow_unicode=True)

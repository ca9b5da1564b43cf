"""Point the course at another repository: one command, everything follows.

    python tools/set_repository.py https://github.com/OWNER/NAME [--branch main]
    python tools/set_repository.py --from-env     # GITHUB_REPOSITORY (and GITHUB_REF_NAME), as in CI

The repository URL lives in one place, ``repository.url`` of ``_config.yml``. From there it reaches

* the launch buttons (Binder, Colab) and the repository button of every chapter (Jupyter Book);
* the landing page (``@REPOSITORY_URL@`` in a page's text is replaced at build time, _ext/lossbook_assets.py);
* the install cell of every chapter (its source is written from the config by tools/install_cell.py,
  which this script runs);
* the README (every occurrence of the old URL is replaced).

The GitHub Pages workflow (.github/workflows/pages.yml) runs ``--from-env`` before building, so a
fork publishes a site whose buttons open the fork, without editing a file.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
URL_LINE = re.compile(r"^([ \t]*url:[ \t]*)(\S+)[ \t]*$", re.M)
BRANCH_LINE = re.compile(r"^([ \t]*branch:[ \t]*)(\S+)[ \t]*$", re.M)


def current(config: Path = CONFIG) -> tuple[str, str]:
    import yaml

    repo = yaml.safe_load(config.read_text(encoding="utf-8"))["repository"]
    return repo["url"], repo.get("branch", "main")


def set_repository(url: str, branch: str | None = None, root: Path = ROOT, notebooks: bool = True) -> None:
    """Write ``url`` (and ``branch``) into ``root``'s _config.yml and README, then the install cells."""
    url = url.rstrip("/")
    if not re.fullmatch(r"https://[\w.-]+/[\w.-]+/[\w.-]+", url):
        raise SystemExit(f"not a repository URL: {url!r} (expected https://github.com/OWNER/NAME)")
    config = root / "_config.yml"
    old_url, old_branch = current(config)
    text = config.read_text(encoding="utf-8")
    block = text[text.index("\nrepository:"):]
    end = re.search(r"\n\S", block[1:])
    block = block[: end.start() + 1] if end else block
    new_block = URL_LINE.sub(lambda m: m[1] + url, block, count=1)
    if branch:
        new_block = BRANCH_LINE.sub(lambda m: m[1] + branch, new_block, count=1)
    config.write_text(text.replace(block, new_block), encoding="utf-8")
    readme = root / "README.md"
    if readme.is_file() and old_url != url:
        readme.write_text(readme.read_text(encoding="utf-8").replace(old_url, url), encoding="utf-8")
    if notebooks:
        subprocess.run([sys.executable, str(root / "tools" / "install_cell.py")], check=True)
    print(f"repository: {old_url} ({old_branch}) -> {url} ({branch or old_branch})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url", nargs="?")
    ap.add_argument("--branch")
    ap.add_argument("--from-env", action="store_true", help="use GITHUB_REPOSITORY / GITHUB_SERVER_URL")
    args = ap.parse_args(argv)
    if args.from_env:
        repo = os.environ.get("GITHUB_REPOSITORY")
        if not repo:
            print("GITHUB_REPOSITORY is not set; repository left as it is")
            return 0
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        set_repository(f"{server}/{repo}", args.branch)
    elif args.url:
        set_repository(args.url, args.branch)
    else:
        url, branch = current()
        print(f"{url} ({branch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

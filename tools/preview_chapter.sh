#!/usr/bin/env bash
# Build a one-chapter copy of the book in /tmp to preview a chapter while the full book is elsewhere.
#   bash tools/preview_chapter.sh chapters/NN_slug.ipynb
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
nb=$1; stem=$(basename "$nb" .ipynb); out=/tmp/preview_${stem%%_*}
rm -rf "$out"; mkdir -p "$out/chapters"
cp "$ROOT/_config.yml" "$ROOT/intro.md" "$out/"
cp "$ROOT/$nb" "$out/chapters/"
ln -s "$ROOT/_ext" "$out/_ext"
ln -s "$ROOT/_static" "$out/_static"
ln -s "$ROOT/_templates" "$out/_templates"
[ -d "$ROOT/_vendor" ] || (cd "$ROOT" && make vendor >/dev/null)
ln -s "$ROOT/_vendor" "$out/_vendor"
printf 'format: jb-book\nroot: intro\nchapters:\n  - file: chapters/%s\n' "$stem" > "$out/_toc.yml"
# the landing page's chapter map lists every chapter; the preview has one (the others are left out)
cd "$out"
"$ROOT/.venv/bin/jupyter-book" build . --builder html -W -n --keep-going --quiet
echo "built: $out/_build/html/chapters/$stem.html"

"""The book configuration of the student website: _config.yml with every solution left out.

    python tools/student_config.py > _build/_config.student.yml

What changes compared with the instructor website:

* every cell tagged ``solution`` is dropped before the page is parsed: the gated solution's
  ``solution-start`` and ``solution-end`` markdown cells and the code cells between them (this file
  is also a Sphinx extension, loaded by the printed configuration, that rewrites each notebook's
  JSON on Sphinx's ``source-read``). sphinx-exercise's own ``hide_solutions`` is not used: it
  crashes on the gated form (executablebooks/sphinx-exercise#89). MyST text pages (``.md``) with a
  ``{solution}`` directive still have it dropped by the doctree hook below;
* no page source is published (``html_copy_source``, no download menu) and there are no launch
  buttons or repository button: the chapter notebooks they lead to contain the solutions. Give
  students the notebooks of ``make student`` instead.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def student_config() -> dict:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] = config.get("title", "") + " (student edition)"
    sphinx = config.setdefault("sphinx", {})
    extensions = sphinx.setdefault("local_extensions", {})
    extensions["student_config"] = "tools"
    # jupyter-book resolves these paths against the folder of the config file, which is _build/:
    # make them absolute so the extensions are found wherever the printed config is written
    sphinx["local_extensions"] = {name: str((ROOT / path).resolve()) for name, path in extensions.items()}
    sphinx_config = sphinx.setdefault("config", {})
    sphinx_config["hide_solutions"] = False  # True crashes on gated solutions; the cells are removed instead
    config["exclude_patterns"] = [*config.get("exclude_patterns", []), "instructor_guide.md"]  # teachers only
    sphinx_config["suppress_warnings"] = [*sphinx_config.get("suppress_warnings", []), "etoc.ref"]  # its toc entry
    sphinx_config["html_copy_source"] = False  # no _sources/*.ipynb with the solution cells
    sphinx_config["html_show_sourcelink"] = False
    sphinx_config["lossbook_pdf_link"] = False  # the book's PDF is the instructor edition
    html = config.setdefault("html", {})
    html.update(use_download_button=False, use_repository_button=False, use_edit_page_button=False,
                use_issues_button=False)
    config["launch_buttons"] = {"notebook_interface": "classic", "binderhub_url": "", "colab_url": "",
                                "jupyterhub_url": "", "thebe": False}
    return config


def drop_solution_cells_from_json(text: str) -> str:
    """The notebook JSON ``text`` without its cells tagged ``solution`` (other text is returned as is)."""
    import json

    try:
        nb = json.loads(text)
    except ValueError:
        return text
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return text
    nb["cells"] = [c for c in nb["cells"] if "solution" not in (c.get("metadata") or {}).get("tags", [])]
    return json.dumps(nb, ensure_ascii=False)


def _drop_solution_source(app, docname, source) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = drop_solution_cells_from_json(source[0])


def _drop_solution_cells(app, doctree) -> None:
    """Remove the notebook cells tagged ``solution`` (myst-nb gives them the class ``tag_solution``)."""
    from docutils import nodes

    for node in list(doctree.findall(nodes.Element)):
        if "tag_solution" in node.get("classes", []) and node.parent is not None:
            node.parent.remove(node)


def _no_download_menu(app, config) -> None:
    # the theme's download menu links to _sources/, which is not published; jupyter-book 1 does
    # not pass html.use_download_button: false on, so switch the theme option off here
    config.html_theme_options["use_download_button"] = False


def setup(app):
    """Sphinx extension entry point (used only by the student configuration)."""
    app.connect("config-inited", _no_download_menu)
    app.connect("source-read", _drop_solution_source)
    app.connect("doctree-read", _drop_solution_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    import yaml

    yaml.safe_dump(student_config(), sys.stdout, sort_keys=False, allow_unicode=True)

"""Take-away copies of the chapters: each notebook as executed, with outputs.

The download menu of a notebook page offers the source, as committed (no
outputs). The executed notebooks are in MyST-NB's execution cache
(``_build/.jupyter_cache``); its copies in ``_build/jupyter_execute/`` have no
outputs when they came from the cache (MyST-NB 1.4 writes the notebook it
read, not the merged one). This extension

1. writes each notebook, merged with its outputs from the cache, into the
   website as ``executed/<docname>.ipynb``;
2. adds ".ipynb (with outputs)" to each notebook page's download menu, next
   to the source;
3. provides the ``{executed-notebooks}`` directive: a list of every executed
   notebook, with its title, for the landing page (in the PDF, where links
   to files mean nothing, it is left out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

FOLDER = "executed"  # in the website: executed/book/01-rates-of-change.ipynb


def _notebooks(env: Any) -> list[str]:
    """The docnames whose source is a notebook, in reading order."""
    order = {name: i for i, name in enumerate(env.found_docs)}
    if env.toctree_includes:
        order = {}
        stack = [env.config.root_doc]
        while stack:  # depth first, in reading order
            doc = stack.pop(0)
            if doc not in order:
                order[doc] = len(order)
                stack[0:0] = env.toctree_includes.get(doc, [])
    return sorted(
        (
            d
            for d in env.found_docs
            if str(env.doc2path(d)).endswith(".ipynb") and d in order
        ),
        key=order.__getitem__,
    )


# ---- 1. the files ----
def write_executed(app: Any, exception: Exception | None) -> None:
    """build-finished: executed notebooks, with outputs, into the website."""
    if exception is not None or app.builder.format != "html":
        return
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    missing = []
    for docname in _notebooks(app.env):
        notebook = nbformat.read(app.env.doc2path(docname), as_version=4)
        try:
            _, notebook = cache.merge_match_into_notebook(notebook)
        except KeyError:  # not in the cache: the build did not execute it
            missing.append(docname)
            continue
        target = Path(app.outdir) / FOLDER / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
    if missing:
        logging.getLogger(__name__).warning(
            f"no executed notebook in the cache for {missing}"
        )


# ---- 2. the download menu ----
def add_download(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """html-page-context, after the theme's: the executed notebook's button."""
    if context.get("page_source_suffix") != ".ipynb":
        return
    url = f"{context['pathto'](FOLDER, 1)}/{pagename}.ipynb"
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        buttons = group["buttons"]
        for button in buttons:
            if button.get("label") == "download-source-button":
                button["text"] = ".ipynb (no outputs)"
        buttons.insert(
            1,
            {
                "type": "link",
                "url": url,
                "text": ".ipynb (with outputs)",
                "tooltip": "Download the notebook as executed for this site",
                "icon": "fas fa-file-code",
                "label": "download-executed-notebook-button",
            },
        )


# ---- 3. the list on the landing page ----
class executed_list(nodes.General, nodes.Element):
    """Placeholder, filled once every page's title is known."""


class ExecutedNotebooks(SphinxDirective):
    """``{executed-notebooks}``: a list linking every executed notebook."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        return [executed_list()]


def fill_lists(app: Any, doctree: nodes.document, fromdocname: str) -> None:
    """doctree-resolved: a placeholder becomes the list (HTML), or nothing."""
    for placeholder in list(doctree.findall(executed_list)):
        if app.builder.format != "html":
            placeholder.parent.remove(placeholder)
            continue
        items = nodes.bullet_list()
        up = "../" * fromdocname.count("/")
        for docname in _notebooks(app.env):
            title = app.env.titles.get(docname)
            title = title.astext() if title is not None else docname
            link = nodes.reference(
                "",
                f"{Path(docname).name}.ipynb",
                refuri=f"{up}{FOLDER}/{docname}.ipynb",
            )
            link["classes"].append("download")
            para = nodes.paragraph("", "", nodes.Text(f"{title}: "), link)
            items += nodes.list_item("", para)
        placeholder.replace_self(items)


def setup(app: Any) -> dict[str, Any]:
    app.add_node(executed_list)
    app.add_directive("executed-notebooks", ExecutedNotebooks)
    app.connect("doctree-resolved", fill_lists)
    # after the theme's own buttons (priority 501)
    app.connect("html-page-context", add_download, priority=502)
    app.connect("build-finished", write_executed)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""A small Sphinx extension for the book's build (listed in ``_config.yml``).

Jupyter Book 1 sets up sphinx-thebe in a way that registers its inline configuration script
twice, so every page declares ``const THEBE_JS_URL`` twice and the browser logs a
SyntaxError. The site test asserts that pages log no error; this extension removes exact
duplicates from each page's scripts, keeping the first of each.
"""

from __future__ import annotations


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    # An inline script has no file name: None when registered, "" once read back from the environment.
    seen, unique = set(), []
    for js in scripts:
        key = (js.filename or "", tuple(sorted((k, str(v)) for k, v in js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

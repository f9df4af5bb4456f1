"""Sphinx extension: link the first use of each glossary term on every page to the glossary.

The terms and their spellings are the package's (``cluster_inquiry.pages.definitions.GLOSSARY``); the
glossary page itself is generated from the same list. Only the page's prose is linked: text in
paragraphs and list items written in the notebooks' markdown cells and the hand-written pages,
never headings, existing links, code, or the notebooks' HTML outputs (tables, figures, key findings,
whose cells tests compare with the downloads).
"""

from __future__ import annotations

from docutils import nodes

GLOSSARY_DOC = "generated/record/glossary"
_SKIP = (nodes.title, nodes.reference, nodes.literal, nodes.literal_block, nodes.raw, nodes.FixedTextElement,
         nodes.target, nodes.caption, nodes.rubric, nodes.subtitle, nodes.field_name, nodes.option_string)


def _in_prose(node: nodes.Node) -> bool:
    parent = node.parent
    inside_paragraph = False
    while parent is not None:
        if isinstance(parent, _SKIP):
            return False
        if isinstance(parent, nodes.paragraph):
            inside_paragraph = True
        parent = parent.parent
    return inside_paragraph


def link_terms(doctree: nodes.document, glossary_uri: str) -> int:
    """Replace the first use of each term in ``doctree``'s prose by a link to ``glossary_uri#anchor``;
    return how many were linked."""
    from cluster_inquiry.pages.definitions import link_first_uses

    used: set[str] = set()
    linked = 0
    for text in list(doctree.findall(nodes.Text)):
        if not _in_prose(text):
            continue
        pieces = link_first_uses(str(text), used)
        if not any(term for _, term in pieces):
            continue
        new: list[nodes.Node] = []
        for piece, term in pieces:
            if term is None:
                new.append(nodes.Text(piece))
            else:
                ref = nodes.reference(piece, piece, refuri=f"{glossary_uri}#{term.anchor}", classes=["ci-term"])
                ref["reftitle"] = term.term
                new.append(ref)
                linked += 1
        text.parent.replace(text, new)
    return linked


def _on_doctree_resolved(app, doctree, docname) -> None:
    if app.builder.format != "html" or docname == GLOSSARY_DOC or GLOSSARY_DOC not in app.env.all_docs:
        return
    link_terms(doctree, app.builder.get_relative_uri(docname, GLOSSARY_DOC))


def setup(app):
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

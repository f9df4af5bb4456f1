"""The front page and the cluster finder: the inquiry's answer on one screen, and a way in by name or ward.

Nothing here is typed by hand. The front page quotes the first key finding of each chapter by
calling that chapter's own key-findings function (the same call its notebook makes), lists the
clusters the improvement rule flags (:func:`cluster_inquiry.pages.performance.assessments`, the rule
the Performance chapter applies) and draws a clickable map: an inline SVG in which every
cluster is an ``<a>`` with a ``<title>``, so each polygon is a keyboard-reachable link to the
cluster's profile. The map's text alternative is the table of clusters that follows it.

The finder lists every cluster alphabetically and by children's-services area, each with its
real 2013 wards (the ONS best-fit LSOA → ward lookup in ``data/raw/derived``), governance form
and flag. Ward names are written as page text (markdown), so the site search indexes them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pandas as pd

from cluster_inquiry.data import geography
from cluster_inquiry.figures.records import slug, status_badge
from cluster_inquiry.data.partnerships import AREA_NAMES
from cluster_inquiry.pages.report import HTML, Context

#: where pages sit: every generated page is generated/<folder>/<page>.html
PROFILES = "../clusters"
CASE_STUDIES = "../case-studies"
THEMES = "../themes"
#: chapter → (title, page) in reading order; each has a key-findings call (see :func:`chapter_findings`)
CHAPTERS = {
    "accountability": "Accountability and governance",
    "performance": "Performance",
    "collaboration": "Collaboration",
    "outcomes": "Outcomes and value for money",
    "context": "Context: deprivation and demography",
}
#: the improvement rule's statuses, most serious first, and the map's hatch for each (colour is never the only cue)
STATUS_STYLE = {
    "Needs improvement measures": ("#D55E00", "ci-hatch-cross", "cross-hatched"),
    "Watch": ("#E69F00", "ci-hatch-diag", "diagonal lines"),
    "No": ("#F2F2F2", "", "plain"),
}
FINDINGS_PER_CHAPTER = 1
#: findings the front page shows in another form (the flagged-cluster lists), so are not quoted twice
ALREADY_SHOWN = re.compile(r"need improvement measures</strong>|on the watch list</strong>")


def page_name(code: str, name: str) -> str:
    """A cluster's page file name (the same as :func:`cluster_inquiry.pipeline.cluster_page_name`)."""
    return f"{code.lower()}-{slug(name)}"


def profile_href(code: str, name: str) -> str:
    return f"{PROFILES}/{page_name(code, name)}.html"


def _link(code: str, name: str) -> str:
    return f"<a href='{profile_href(code, name)}'>{html.escape(name)}</a>"


# ----------------------------------------------------------------------------- flags


def flags(ctx: Context) -> pd.DataFrame:
    """cluster_code, cluster_name, area, status, why — the improvement rule as the Performance chapter applies it."""
    from cluster_inquiry.pages import performance  # imported late: performance imports report

    return performance.assessments(ctx)[["cluster_code", "cluster_name", "area", "status", "why"]]


def _status_key(status: str) -> str:
    """Map the rule's status onto the map's three styles (a status the rule adds later is styled as 'No')."""
    from cluster_inquiry.pages import performance

    if status == performance.NEEDS_MEASURES:
        return "Needs improvement measures"
    if status == performance.WATCH:
        return "Watch"
    return "No"


# ----------------------------------------------------------------------------- headline findings

_LI = re.compile(r"<li>(.*?)</li>", re.S)


def _items(fragment) -> list[str]:
    """The ``<li>`` items of a key-findings output (HTML fragment or KeyFindings)."""
    body = fragment._repr_html_()
    return [m.strip() for m in _LI.findall(body)]


def chapter_findings(ctx: Context) -> dict[str, list[str]]:
    """Each chapter's key findings, from the call its notebook makes (default parameters)."""
    from cluster_inquiry.pages import accountability, collaboration, context, outcomes, performance

    return {
        "accountability": _items(accountability.accountability_findings(ctx)),
        "performance": _items(performance.key_findings(ctx)),
        "collaboration": _items(collaboration.collaboration_findings(ctx)),
        "outcomes": _items(outcomes.findings(ctx)),
        "context": _items(context.findings(ctx)),
    }


def headline_findings(ctx: Context, per_chapter: int = FINDINGS_PER_CHAPTER) -> HTML:
    """The first key finding(s) of each chapter, each linked to its chapter."""
    found = chapter_findings(ctx)
    lis = []
    for theme, title in CHAPTERS.items():
        # the flagged clusters are listed above the map already: quote the chapter's next finding instead
        items = [i for i in found[theme] if not ALREADY_SHOWN.search(i)]
        for item in items[:per_chapter]:
            lis.append(f"<li><a href='{THEMES}/{theme}.html'><strong>{html.escape(title)}</strong></a>: {item}</li>")
    return HTML(
        "<div class='ci-findings ci-headlines'><h2 id='headline-findings'>What the evidence says</h2>"
        f"{status_badge('mixed')}<ul>{''.join(lis)}</ul>"
        "<p class='ci-source'>Each line is the first key finding of its chapter, written by the build from that "
        "chapter's tables.</p></div>"
    )


def flagged_list(ctx: Context) -> HTML:
    """The clusters needing improvement measures and on the watch list, each linked to its profile."""
    from cluster_inquiry.pages import performance

    f = flags(ctx)
    parts = []
    for status, heading in ((performance.NEEDS_MEASURES, "Need improvement measures"), (performance.WATCH, "On the watch list")):
        rows = f[f["status"] == status].sort_values("cluster_name")
        links = ", ".join(_link(r.cluster_code, r.cluster_name) for r in rows.itertuples())
        parts.append(f"<p><strong>{heading} ({len(rows)}):</strong> {links or 'none'}.</p>")
    rest = int((~f["status"].isin([performance.NEEDS_MEASURES, performance.WATCH])).sum())
    return HTML(
        f"<div class='ci-flags'><h2 id='flagged-clusters'>Clusters the improvement rule flags</h2>"
        f"{status_badge('illustrative')}{''.join(parts)}"
        f"<p>The other {rest} are not flagged. Each profile says why; <a href='{THEMES}/performance.html'>the rule and "
        f"the evidence</a>.</p></div>"
    )


# ----------------------------------------------------------------------------- clickable map


def _svg_paths(ctx: Context, width: int = 560) -> tuple[dict[str, str], int, int]:
    """Each cluster's outline as an SVG path (British National Grid, simplified to 60 m, y flipped)."""
    gdf = ctx.boundaries.to_crs("EPSG:27700")
    minx, miny, maxx, maxy = gdf.total_bounds
    scale = width / (maxx - minx)
    height = int(round((maxy - miny) * scale))
    out = {}
    for row in gdf.itertuples():
        geom = row.geometry.simplify(60, preserve_topology=True)
        polys = getattr(geom, "geoms", [geom])
        d = []
        for poly in polys:
            for ring in [poly.exterior, *poly.interiors]:
                pts = [f"{(x - minx) * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in ring.coords]
                d.append("M" + "L".join(pts) + "Z")
        out[row.cluster_code] = "".join(d)
    return out, width, height


def cluster_map(ctx: Context) -> HTML:
    """The clusters as an inline SVG: every polygon a link to its profile, styled by its flag (colour and hatch)."""
    f = flags(ctx).set_index("cluster_code")
    paths, w, h = _svg_paths(ctx)
    defs = (
        "<defs>"
        "<pattern id='ci-hatch-cross' patternUnits='userSpaceOnUse' width='6' height='6'>"
        "<path d='M0,0L6,6M6,0L0,6' stroke='#1a1a1a' stroke-width='0.8'/></pattern>"
        "<pattern id='ci-hatch-diag' patternUnits='userSpaceOnUse' width='6' height='6'>"
        "<path d='M0,6L6,0' stroke='#1a1a1a' stroke-width='0.8'/></pattern>"
        "</defs>"
    )
    shapes = []
    for code in sorted(paths, key=lambda c: f.loc[c, "cluster_name"]):
        name, status = f.loc[code, "cluster_name"], f.loc[code, "status"]
        fill, hatch, _ = STATUS_STYLE[_status_key(status)]
        label = html.escape(f"{name}: {status if _status_key(status) != 'No' else 'not flagged'}", quote=True)
        overlay = f"<path d='{paths[code]}' fill='url(#{hatch})' pointer-events='none'/>" if hatch else ""
        shapes.append(
            f"<a href='{profile_href(code, name)}' class='ci-map-link' aria-label='{label}'>"
            f"<title>{label}</title><path d='{paths[code]}' fill='{fill}' stroke='#1a1a1a' stroke-width='0.8'/>{overlay}</a>"
        )
    legend = "".join(
        f"<li><span class='ci-swatch ci-swatch-{slug(k)}' aria-hidden='true'></span>{html.escape(k if k != 'No' else 'Not flagged')} "
        f"({html.escape(desc)})</li>"
        for k, (_, _, desc) in STATUS_STYLE.items()
    )
    alt_id = "cluster-map-desc"
    return HTML(
        "<figure class='ci-figure ci-clickmap' id='cluster-map'>"
        f"<svg viewBox='0 0 {w} {h}' width='100%' role='group' aria-labelledby='cluster-map-title' aria-describedby='{alt_id}' "
        f"xmlns='http://www.w3.org/2000/svg'>{defs}{''.join(shapes)}</svg>"
        f"<figcaption><strong id='cluster-map-title'>The {len(paths)} clusters: select one to open its profile</strong>. "
        f"<span id='{alt_id}'>Map of Leeds divided into its {len(paths)} clusters; each cluster is a link to its "
        "profile, filled by the improvement rule's flag (and hatched, so colour is not the only cue). The same "
        "clusters, flags and links are in the table below.</span> "
        f"{status_badge('mixed')}</figcaption><ul class='ci-map-legend'>{legend}</ul></figure>"
    )


def cluster_table(ctx: Context) -> HTML:
    """The map's text alternative: every cluster, its area and flag, linked to its profile."""
    f = flags(ctx).sort_values("cluster_name")
    rows = "".join(
        f"<tr><th scope='row'>{_link(r.cluster_code, r.cluster_name)}</th><td>{html.escape(AREA_NAMES.get(r.area, r.area))}</td>"
        f"<td>{html.escape(r.status)}</td></tr>"
        for r in f.itertuples()
    )
    return HTML(
        "<div class='ci-table-wrap' id='cluster-list'><table class='ci-table'><caption>Every cluster, its area and "
        "whether it needs improvement measures (illustrative)</caption><thead><tr><th scope='col'>Cluster</th>"
        f"<th scope='col'>Children's-services area</th><th scope='col'>Needs improvement measures?</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


# ----------------------------------------------------------------------------- finder


@dataclass(frozen=True)
class WardList:
    wards: tuple[str, ...]
    split: tuple[str, ...]  # wards shared with another cluster


def cluster_wards(ctx: Context) -> dict[str, WardList]:
    """Each cluster's real 2013 wards: the best-fit ward of every LSOA in the cluster (ONS lookup)."""
    key = ("cluster_wards",)
    if key in ctx.cache:
        return ctx.cache[key]
    attrs = geography.lsoa_attributes(ctx.paths)[["lsoa11cd", "wd13nm"]]
    own = attrs.merge(ctx.frames["lsoa_cluster_lookup"][["lsoa11cd", "cluster_code"]], on="lsoa11cd", validate="1:1")
    clusters_per_ward = own.groupby("wd13nm")["cluster_code"].nunique()
    out = {}
    for code, part in own.groupby("cluster_code"):
        wards = tuple(sorted(part["wd13nm"].unique()))
        out[code] = WardList(wards, tuple(w for w in wards if clusters_per_ward[w] > 1))
    ctx.cache[key] = out
    return out


def ward_text(wl: WardList) -> str:
    return ", ".join(f"{w} (part)" if w in wl.split else w for w in wl.wards)


def _md(text: str) -> str:
    """Plain text made inert in markdown."""
    text = html.escape(text, quote=False)
    for ch in "\\`*_{}[]()#+!|<>$~:":
        text = text.replace(ch, "\\" + ch)
    return text


class Markdown:
    """Markdown output: MyST-NB renders it as page text, so Sphinx's search indexes it (raw HTML is not indexed)."""

    def __init__(self, body: str):
        self.body = body

    def _repr_markdown_(self) -> str:
        return self.body

    def __repr__(self) -> str:
        return "Markdown fragment (see the rendered page)"


def _finder_entry(code: str, name: str, row: pd.Series, wl: WardList) -> str:
    return (
        f"- [{_md(name)}]({profile_href(code, name)}) — {_md(row['governance'])}; "
        f"improvement rule: {_md(row['status'])}. Wards (2013): {_md(ward_text(wl))}."
    )


def finder_alphabetical(ctx: Context) -> Markdown:
    f = flags(ctx).merge(ctx.clusters[["cluster_code", "governance"]], on="cluster_code").sort_values("cluster_name")
    wards = cluster_wards(ctx)
    lines = [_finder_entry(r["cluster_code"], r["cluster_name"], r, wards[r["cluster_code"]]) for _, r in f.iterrows()]
    return Markdown("\n".join(lines) + "\n")


def finder_by_area(ctx: Context) -> Markdown:
    f = flags(ctx).merge(ctx.clusters[["cluster_code", "governance"]], on="cluster_code")
    wards = cluster_wards(ctx)
    out = []
    for area, part in f.sort_values(["area", "cluster_name"]).groupby("area", sort=True):
        out.append(f"**{_md(AREA_NAMES.get(area, area))}** ({len(part)} clusters):\n")
        out += [_finder_entry(r["cluster_code"], r["cluster_name"], r, wards[r["cluster_code"]]) for _, r in part.iterrows()]
        out.append("")
    return Markdown("\n".join(out) + "\n")


def ward_index(ctx: Context) -> Markdown:
    """Every 2013 ward and the cluster(s) it falls in: find a cluster from a ward name."""
    wards = cluster_wards(ctx)
    names = dict(zip(ctx.clusters["cluster_code"], ctx.clusters["cluster_name"]))
    by_ward: dict[str, list[str]] = {}
    for code, wl in wards.items():
        for w in wl.wards:
            by_ward.setdefault(w, []).append(code)
    lines = []
    for ward in sorted(by_ward):
        links = ", ".join(f"[{_md(names[c])}]({profile_href(c, names[c])})" for c in sorted(by_ward[ward], key=names.get))
        lines.append(f"- **{_md(ward)}**: {links}")
    return Markdown("\n".join(lines) + "\n")


def at_a_glance(ctx: Context) -> HTML:
    """The inquiry's answer on one screen: flagged clusters and headline findings beside the clickable map."""
    return HTML(
        f"{flagged_list(ctx).body}<div class='ci-glance'><div class='ci-glance-map'>{cluster_map(ctx).body}</div>"
        f"<div class='ci-glance-text'>{headline_findings(ctx).body}</div></div>"
    )

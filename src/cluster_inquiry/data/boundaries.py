"""The optional council-supplied cluster boundary file, ``data/clusters/cluster_boundaries.geojson``.

By default cluster boundaries are derived from the LSOA lookup (whole real 2011 LSOAs, see
:mod:`cluster_inquiry.data.geography`). A council whose clusters do not follow LSOAs exactly may
supply its own boundaries instead. Because a wrong shape on a published map is a wrong
statement about which children a cluster serves, the file is checked as strictly as the CSVs:

* RFC 7946 GeoJSON: a ``FeatureCollection`` in WGS84 longitude/latitude;
* one feature per cluster, ``properties.cluster_code`` a code in ``clusters.csv``, every
  cluster present exactly once;
* each geometry a valid ``Polygon`` or ``MultiPolygon`` (no self-intersections, no empty rings);
* each geometry inside Leeds: within the district's bounding box, and at least
  :data:`MIN_SHARE_IN_LEEDS` of its area inside the district outline (the union of the real
  LSOAs, widened by :data:`OUTLINE_TOLERANCE_M` for generalised edges).

Problems are reported like every other input problem, as ``file:row: column: rule`` with the
row written ``feature N`` (N = position in the file, from 1).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from cluster_inquiry.data import geography
from cluster_inquiry.core.paths import Paths

FILENAME = "cluster_boundaries.geojson"
#: share of a cluster's area that must lie inside the Leeds outline
MIN_SHARE_IN_LEEDS = 0.95
#: generalised boundaries differ by a few tens of metres; allow this much at the district edge
OUTLINE_TOLERANCE_M = 200.0
#: bounding-box margin in degrees (about 500 m)
BBOX_MARGIN_DEG = 0.005


def _problem(row: str, column: str, rule: str) -> str:
    return f"{FILENAME}:{row}: {column}: {rule}"


@lru_cache(maxsize=2)
def _leeds(root: str) -> tuple[tuple[float, float, float, float], object]:
    """Leeds's bounding box (lon/lat) and its outline in British National Grid (widened)."""
    lsoas = geography.read_lsoa_geometry(Paths(Path(root)))
    bbox = tuple(float(v) for v in lsoas.total_bounds)
    outline = lsoas.to_crs(geography.BNG).geometry.union_all().buffer(OUTLINE_TOLERANCE_M)
    return bbox, outline  # type: ignore[return-value]


def check_boundary_file(path: Path, paths: Paths, known_codes: set[str] | None, problems: list[str]) -> gpd.GeoDataFrame | None:
    """Check a boundary file; return it as a GeoDataFrame (CRS84) when it has no problems."""
    start = len(problems)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(_problem("-", "-", f"not valid UTF-8 (byte offset {exc.start}); save as UTF-8"))
        return None
    except json.JSONDecodeError as exc:
        problems.append(_problem(f"line {exc.lineno}", "-", f"not valid JSON: {exc.msg}"))
        return None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        problems.append(_problem("-", "-", "must be a GeoJSON FeatureCollection"))
        return None
    crs = (((doc.get("crs") or {}).get("properties") or {}).get("name") or "").upper()
    if crs and not any(tag in crs for tag in ("CRS84", "4326")):
        problems.append(_problem("-", "crs", f"must be WGS84 longitude/latitude (RFC 7946), not {crs}"))
        return None
    bbox, outline = _leeds(str(paths.root))
    min_x, min_y, max_x, max_y = bbox
    codes, geoms, seen = [], [], {}
    for n, feature in enumerate(doc["features"], start=1):
        row = f"feature {n}"
        props = (feature or {}).get("properties") or {}
        code = props.get("cluster_code")
        if not isinstance(code, str) or not code:
            problems.append(_problem(row, "cluster_code", "every feature needs properties.cluster_code"))
            continue
        if known_codes is not None and code not in known_codes:
            problems.append(_problem(row, "cluster_code", f"unknown cluster {code!r} (not in clusters.csv)"))
        if code in seen:
            problems.append(_problem(row, "cluster_code", f"cluster {code} has a second boundary (first is feature {seen[code]})"))
            continue
        seen[code] = n
        try:
            geom = shape(feature.get("geometry"))
        except Exception as exc:  # noqa: BLE001 - any malformed geometry object
            problems.append(_problem(row, "geometry", f"not a readable GeoJSON geometry ({type(exc).__name__}: {exc})"))
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(_problem(row, "geometry", f"must be a Polygon or MultiPolygon, not {geom.geom_type}"))
            continue
        if geom.is_empty:
            problems.append(_problem(row, "geometry", "is empty"))
            continue
        gx0, gy0, gx1, gy1 = geom.bounds
        if max(abs(gx0), abs(gx1)) > 180 or max(abs(gy0), abs(gy1)) > 90:
            problems.append(
                _problem(row, "geometry", "coordinates are not longitude/latitude degrees (RFC 7946); "
                         "it looks like a projected grid such as British National Grid")
            )
            continue
        if not geom.is_valid:
            problems.append(_problem(row, "geometry", f"invalid geometry: {explain_validity(geom)}"))
            continue
        if gx0 < min_x - BBOX_MARGIN_DEG or gx1 > max_x + BBOX_MARGIN_DEG or gy0 < min_y - BBOX_MARGIN_DEG or gy1 > max_y + BBOX_MARGIN_DEG:
            problems.append(
                _problem(row, "geometry", f"lies outside Leeds (bounds {gx0:.3f},{gy0:.3f} to {gx1:.3f},{gy1:.3f}; "
                         f"Leeds is {min_x:.3f},{min_y:.3f} to {max_x:.3f},{max_y:.3f})")
            )
            continue
        bng = gpd.GeoSeries([geom], crs="OGC:CRS84").to_crs(geography.BNG).iloc[0]
        share = shapely.area(shapely.intersection(bng, outline)) / bng.area if bng.area else 0.0
        if share < MIN_SHARE_IN_LEEDS:
            problems.append(
                _problem(row, "geometry", f"only {share:.0%} of its area is inside Leeds (at least {MIN_SHARE_IN_LEEDS:.0%} required)")
            )
            continue
        codes.append(code)
        geoms.append(geom)
    if known_codes is not None:
        for code in sorted(known_codes - set(seen)):
            problems.append(_problem("-", "cluster_code", f"cluster {code} has no boundary"))
    if len(problems) > start:
        return None
    return gpd.GeoDataFrame({"cluster_code": codes}, geometry=geoms, crs="OGC:CRS84")

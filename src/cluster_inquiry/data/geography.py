"""Real geography (2011 LSOAs, 2013 wards) and the illustrative cluster boundaries.

Clusters are built from whole LSOAs, so any LSOA statistic (IMD, population) aggregates to
clusters exactly. The assignment is deterministic: each cluster is the set of LSOAs whose
best-fit ward is in the cluster's definition (``data/reference/cluster_definitions.csv``); a
ward marked ``[N]``/``[S]`` is split at the median LSOA centroid latitude. A final repair pass
moves any LSOA cut off from the rest of its cluster into the neighbouring cluster with which it
shares the longest boundary, so every cluster is one contiguous piece.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from cluster_inquiry.core.paths import Paths, project_paths

LSOA_FILE = Path("geo/leeds_lsoa_2011_E08000035.geojson")
WARD_FILE = Path("geo/leeds_wards_2013_E08000035.geojson")
IMD_FILE = Path("deprivation/leeds_imd2015_lsoa11.csv")
POP_FILE = Path("population/leeds_lsoa11_population_mid2012_imd2015_denominators.csv")
WARD_LOOKUP_FILE = Path("derived/leeds_lsoa11_to_ward13_bestfit_lookup.csv")
#: British National Grid, for lengths and areas in metres.
BNG = "EPSG:27700"
#: Generalised boundaries leave slivers between neighbours; this tolerance (metres) closes them.
ADJACENCY_TOLERANCE_M = 5.0
GEOMETRY_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2016; "
    "contains ONS data © Crown copyright and database right 2016 (OGL v3)."
)

_SPLIT = re.compile(r"^(?P<ward>.+?)\[(?P<part>[NSEW])\]$")


def _to_number(text: pd.Series) -> pd.Series:
    """Numbers stored as text, some with thousands separators (a known quirk of File 6)."""
    return pd.to_numeric(text.astype(str).str.replace(",", "", regex=False))


def load_lsoa_attributes(paths: Paths) -> pd.DataFrame:
    """Real LSOA attributes: IMD 2015, mid-2012 population and best-fit 2013 ward."""
    imd = pd.read_csv(paths.raw / IMD_FILE, dtype=str)
    imd = pd.DataFrame(
        {
            "lsoa11cd": imd["lsoa11_code"],
            "lsoa11nm": imd["lsoa11_name"],
            "imd_score": imd["IMD_score"].astype(float),
            "imd_rank": imd["IMD_rank"].astype(int),
            "imd_decile": imd["IMD_decile"].astype(int),
        }
    )
    pop = pd.read_csv(paths.raw / POP_FILE, dtype=str)
    pop = pd.DataFrame(
        {
            "lsoa11cd": pop["LSOA code (2011)"],
            "pop_total": _to_number(pop["Total population: mid 2012 (excluding prisoners)"]).astype(int),
            "pop_0_15": _to_number(pop["Dependent Children aged 0-15: mid 2012 (excluding prisoners)"]).astype(int),
            "pop_16_59": _to_number(pop["Population aged 16-59: mid 2012 (excluding prisoners)"]).astype(int),
        }
    )
    wards = pd.read_csv(paths.raw / WARD_LOOKUP_FILE, dtype=str)[["lsoa11cd", "wd13cd", "wd13nm"]]
    out = imd.merge(pop, on="lsoa11cd", validate="1:1").merge(wards, on="lsoa11cd", validate="1:1")
    return out.sort_values("lsoa11cd").reset_index(drop=True)


def read_lsoa_geometry(paths: Paths) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(paths.raw / LSOA_FILE)[["LSOA11CD", "geometry"]]
    gdf = gdf.rename(columns={"LSOA11CD": "lsoa11cd"}).set_crs("OGC:CRS84", allow_override=True)
    return gdf.sort_values("lsoa11cd").reset_index(drop=True)


def read_cluster_definitions(paths: Paths) -> pd.DataFrame:
    return pd.read_csv(paths.reference / "cluster_definitions.csv", dtype=str)


def lsoa_adjacency(geom: gpd.GeoDataFrame) -> nx.Graph:
    """Graph of LSOAs whose boundaries touch (within ``ADJACENCY_TOLERANCE_M``).

    Edge weight ``shared`` is the approximate length of shared boundary in metres.
    """
    bng = geom.to_crs(BNG).reset_index(drop=True)
    grown = bng.geometry.buffer(ADJACENCY_TOLERANCE_M)
    graph = nx.Graph()
    codes = bng["lsoa11cd"].tolist()
    graph.add_nodes_from(codes)
    left, right = bng.sindex.query(grown, predicate="intersects")
    for i, j in zip(left, right):
        if i < j:
            overlap = grown.iloc[i].intersection(grown.iloc[j]).area
            shared = overlap / (2 * ADJACENCY_TOLERANCE_M)
            if shared > 0:
                graph.add_edge(codes[i], codes[j], shared=shared)
    return graph


def _initial_assignment(attrs: pd.DataFrame, geom: gpd.GeoDataFrame, defs: pd.DataFrame) -> dict[str, str]:
    centroids = geom.to_crs(BNG).set_index("lsoa11cd").geometry.centroid
    lat = centroids.y
    lon = centroids.x
    assignment: dict[str, str] = {}
    by_ward = attrs.groupby("wd13nm")["lsoa11cd"].apply(list).to_dict()
    for row in defs.itertuples():
        for spec in row.wards.split(";"):
            spec = spec.strip()
            m = _SPLIT.match(spec)
            ward = m["ward"] if m else spec
            if ward not in by_ward:
                raise ValueError(f"cluster_definitions.csv: {row.cluster_code}: unknown ward {ward!r}")
            members = sorted(by_ward[ward])
            if m:
                axis = lat if m["part"] in "NS" else lon
                values = axis.loc[members]
                cut = float(np.median(values))
                keep_high = m["part"] in "NE"
                members = [c for c in members if (values[c] >= cut) == keep_high]
            for code in members:
                if code in assignment:
                    raise ValueError(f"LSOA {code} falls in two cluster definitions")
                assignment[code] = row.cluster_code
    missing = sorted(set(attrs["lsoa11cd"]) - set(assignment))
    if missing:
        raise ValueError(f"{len(missing)} LSOAs are in no cluster definition, e.g. {missing[:3]}")
    return assignment


def _repair_contiguity(assignment: dict[str, str], graph: nx.Graph) -> dict[str, str]:
    """Move detached fragments into the neighbouring cluster they share most boundary with."""
    assignment = dict(assignment)
    for _ in range(50):
        moved = False
        for cluster in sorted(set(assignment.values())):
            members = [c for c in sorted(assignment) if assignment[c] == cluster]
            parts = sorted(nx.connected_components(graph.subgraph(members)), key=lambda p: (-len(p), min(p)))
            for fragment in parts[1:]:
                shared: dict[str, float] = {}
                for code in sorted(fragment):
                    for nb in graph.neighbors(code):
                        other = assignment[nb]
                        if other != cluster:
                            shared[other] = shared.get(other, 0.0) + graph.edges[code, nb]["shared"]
                if not shared:
                    continue
                target = max(sorted(shared), key=lambda k: shared[k])
                for code in fragment:
                    assignment[code] = target
                moved = True
        if not moved:
            return assignment
    raise RuntimeError("cluster contiguity repair did not converge")


def build_lsoa_cluster_lookup(paths: Paths | None = None) -> pd.DataFrame:
    """Deterministic LSOA → cluster lookup (482 rows), sorted by LSOA code."""
    paths = paths or project_paths()
    attrs = load_lsoa_attributes(paths)
    geom = read_lsoa_geometry(paths)
    defs = read_cluster_definitions(paths)
    graph = lsoa_adjacency(geom)
    assignment = _repair_contiguity(_initial_assignment(attrs, geom, defs), graph)
    out = pd.DataFrame({"lsoa11cd": sorted(assignment)})
    out["cluster_code"] = out["lsoa11cd"].map(assignment)
    return out


def cluster_components(lookup: pd.DataFrame, graph: nx.Graph) -> dict[str, int]:
    """Number of connected pieces per cluster (1 means contiguous)."""
    out = {}
    for cluster, group in lookup.groupby("cluster_code"):
        out[cluster] = nx.number_connected_components(graph.subgraph(group["lsoa11cd"]))
    return out


def cluster_boundaries(paths: Paths, lookup: pd.DataFrame) -> gpd.GeoDataFrame:
    """Dissolve LSOAs into cluster polygons (CRS84), cached as GeoParquet in data/processed."""
    cache = paths.processed / "cluster_boundaries.parquet"
    key = paths.processed / "cluster_boundaries.key"
    stamp = pd.util.hash_pandas_object(lookup.sort_values("lsoa11cd"), index=False).sum()
    stamp = f"{int(stamp)}:{(paths.raw / LSOA_FILE).stat().st_size}"
    if cache.exists() and key.exists() and key.read_text() == stamp:
        return gpd.read_parquet(cache)
    geom = read_lsoa_geometry(paths).merge(lookup, on="lsoa11cd", validate="1:1")
    dissolved = geom.to_crs(BNG)
    dissolved["geometry"] = dissolved.geometry.buffer(ADJACENCY_TOLERANCE_M / 2)
    dissolved = dissolved.dissolve(by="cluster_code").reset_index()[["cluster_code", "geometry"]]
    dissolved["geometry"] = dissolved.geometry.buffer(-ADJACENCY_TOLERANCE_M / 2).simplify(15)
    dissolved = dissolved.to_crs("OGC:CRS84")
    paths.processed.mkdir(parents=True, exist_ok=True)
    # atomic writes: kernels running side by side may read the cache while another writes it
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    dissolved.to_parquet(tmp)
    os.replace(tmp, cache)
    tmp_key = key.with_name(f".{key.name}.{os.getpid()}.tmp")
    tmp_key.write_text(stamp)
    os.replace(tmp_key, key)
    return dissolved


@lru_cache(maxsize=2)
def _lsoa_attrs_cached(root: str) -> pd.DataFrame:
    return load_lsoa_attributes(Paths(Path(root)))


def lsoa_attributes(paths: Paths) -> pd.DataFrame:
    return _lsoa_attrs_cached(str(paths.root)).copy()

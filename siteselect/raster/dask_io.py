"""Dask plumbing of raster mode: the lazy result, clients, and writing a surface chunk by chunk.

:func:`save_suitability_dask` writes a tiled, compressed (BigTIFF when
needed) GeoTIFF chunk by chunk in this process, with at most a few chunks in
flight, so memory stays bounded however large the grid. :func:`dask_client`
opens a client on a running scheduler or a throw-away ``LocalCluster``. The
surface itself is built by :func:`siteselect.raster.scale.suitability_surface_dask`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.enums
import rasterio.errors
from rasterio.windows import Window

from siteselect.core.output import atomic_write
from siteselect.errors import OutputError, ScenarioError
from siteselect.raster.engine import SuitabilityResult, surface_tags
from siteselect.raster.grid import Grid

try:  # dask is an optional extra: siteselect[dask]
    import dask
    import dask.array as da
except ImportError:  # pragma: no cover - exercised only without the extra
    dask = None  # type: ignore[assignment]
    da = None  # type: ignore[assignment]

__all__ = ["SCHEDULER_TIMEOUT_S", "DaskSuitabilityResult", "active_client", "dask_client", "require_dask", "save_suitability_dask"]

#: Seconds to wait for a remote Dask scheduler before giving up with a clear message.
SCHEDULER_TIMEOUT_S = 5.0


def require_dask() -> None:
    """Raise a clear ImportError when the dask extra is not installed."""
    if dask is None:
        raise ImportError(
            "siteselect.raster.scale needs dask; install the extra: pip install 'siteselect[dask]' "
            "(or: pip install dask distributed)"
        )


@dataclass
class DaskSuitabilityResult:
    """A lazy suitability surface and how it was made.

    Attributes
    ----------
    score
        (rows, cols) float32 dask array in [0, 1]; NaN = excluded or no data.
    mask
        (rows, cols) uint8 dask array, 1 = excluded by a constraint or outside the county.
    raw
        Factor name -> (rows, cols) float32 dask array of raw values (km, minutes, …).
    grid
        The grid (working CRS).
    factors, weights, dropped, notes, method
        As in :class:`~siteselect.raster.suitability.SuitabilityResult`.
    chunk_size
        Chunk edge in cells.
    path
        The written GeoTIFF, if any.
    """

    score: Any
    mask: Any
    raw: dict[str, Any]
    grid: Grid
    factors: list[str]
    weights: dict[str, float]
    dropped: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    method: str = "wlc"
    chunk_size: int = 2048
    path: Path | None = None

    @property
    def n_chunks(self) -> int:
        """Number of chunks of the score array."""
        return int(np.prod(self.score.numblocks))

    def compute(self, **compute_kwargs: Any) -> SuitabilityResult:
        """Compute score and mask into memory (small grids only) as a local-mode result.

        ``compute_kwargs`` go to :func:`dask.compute` (e.g. ``scheduler="threads"``
        for a result built without a client).
        """
        score, mask = dask.compute(self.score, self.mask, **compute_kwargs)
        return SuitabilityResult(score, self.grid, mask, list(self.factors), dict(self.weights),
                                 list(self.dropped), dict(self.notes), self.method, self.path)




def active_client(client: Any) -> Any:
    """The given client, else the default distributed client if one is running, else None."""
    if client is not None:
        return client
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - distributed is part of the extra
        return None
    try:
        return default_client()
    except ValueError:
        return None


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None, *, n_workers: int | None = None, threads_per_worker: int = 1,
    processes: bool = True, memory_limit: str | float = "auto",
) -> Iterator[Any]:
    """A ``distributed.Client`` for a real cluster or a throw-away ``LocalCluster``.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``) or ``None`` for
        a ``LocalCluster`` on this machine, closed on exit.
    n_workers, threads_per_worker, processes, memory_limit
        LocalCluster settings (ignored with an address); by default one
        single-threaded worker process per core.

    Yields
    ------
    distributed.Client
    """
    require_dask()
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            text = " ".join(str(exc).split()) or type(exc).__name__
            raise ScenarioError(
                f"engine.scheduler / --scheduler {scheduler!r}: cannot connect to a Dask scheduler within "
                f"{SCHEDULER_TIMEOUT_S:g} s ({text[:200]}); check the address (tcp://host:8786) and that the "
                "scheduler runs, or leave --scheduler out to start a LocalCluster") from exc
        with client:
            yield client
        return
    workers = n_workers if n_workers is not None else max(1, (os.cpu_count() or 1) // threads_per_worker)
    with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=processes,
                      memory_limit=memory_limit, dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _tile_size(chunk_size: int) -> int:
    """GeoTIFF tile edge: 512, or the largest power of two ≥ 16 dividing the chunk edge."""
    if chunk_size % 512 == 0:
        return 512
    for t in (256, 128, 64, 32, 16):
        if chunk_size % t == 0:
            return t
    return 512


class _WindowWriter:
    """``dask.array.store`` target writing slices into an open rasterio band (one thread at a time)."""

    def __init__(self, ds: Any) -> None:
        self._ds = ds

    def __setitem__(self, key: tuple[slice, slice], value: np.ndarray) -> None:
        self._ds.write(np.asarray(value, dtype=np.float32), 1, window=Window.from_slices(*key))


def save_suitability_dask(
    result: DaskSuitabilityResult,
    path: str | os.PathLike[str],
    *,
    client: Any = None,
    tags: Mapping[str, Any] | None = None,
    max_in_flight: int | None = None,
    overviews: bool = True,
) -> Path:
    """Compute the surface chunk by chunk and write it as a tiled GeoTIFF (atomically).

    The file is written in this process: with a distributed client at most
    ``max_in_flight`` chunks are computed or waiting to be written at any
    time (default: twice the cluster's threads), so memory stays bounded;
    without one, ``dask.array.store`` streams the chunks on local threads.
    Tags are those of :func:`~siteselect.raster.suitability.save_suitability` plus
    ``engine`` and ``chunk_size``; NaN is the nodata value; BigTIFF is used
    when the file may exceed 4 GB. :func:`~siteselect.raster.suitability.read_suitability`
    reads it back.

    Parameters
    ----------
    result
        From :func:`suitability_surface_dask`.
    path
        Target ``.tif``.
    client
        A ``distributed.Client``; ``None``: the default client if one is
        active, else local threads.
    tags
        Extra dataset tags.
    max_in_flight
        Chunks in flight with a distributed client.
    overviews
        Add internal overviews (2–32×, average) after writing; reading the
        whole file back once, so switch off for very large grids written only
        to be processed further.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    require_dask()
    target = Path(path)
    g = result.grid
    tile = _tile_size(result.chunk_size)
    meta = surface_tags(result, **{"engine": "dask", "chunk_size": result.chunk_size, **(tags or {})})
    profile = {
        "driver": "GTiff", "width": g.width, "height": g.height, "count": 1, "dtype": "float32", "crs": g.crs,
        "transform": g.transform, "nodata": float("nan"), "tiled": True, "blockxsize": tile, "blockysize": tile,
        "compress": "deflate", "predictor": 3, "BIGTIFF": "IF_SAFER",
    }
    client = active_client(client)
    def write(tmp: Path) -> None:
        with rasterio.open(tmp, "w", **profile) as ds:
            ds.update_tags(**meta)
            if client is None:
                da.store(result.score, _WindowWriter(ds), lock=True)  # type: ignore[arg-type]
            else:
                _stream_blocks(result.score, ds, client, max_in_flight)
        if overviews:
            factors = [f for f in (2, 4, 8, 16, 32) if min(g.width, g.height) // f >= 1]
            if factors:
                with rasterio.open(tmp, "r+") as ds:
                    ds.build_overviews(factors, rasterio.enums.Resampling.average)

    try:
        atomic_write(target, write)
    except rasterio.errors.RasterioError as exc:
        raise OutputError(f"cannot write suitability raster {target}: {exc}") from exc
    result.path = target
    return target


def _stream_blocks(score: Any, ds: Any, client: Any, max_in_flight: int | None) -> None:
    """Compute chunks on the cluster, a bounded number at a time, and write each as it arrives."""
    from distributed import as_completed

    if max_in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        max_in_flight = 2 * threads
    blocks = score.to_delayed()
    offs = [np.concatenate([[0], np.cumsum(c)]) for c in score.chunks]
    todo = iter(np.ndindex(*blocks.shape))
    where: dict[Any, tuple[int, int]] = {}
    ac = as_completed()

    def submit() -> bool:
        ij = next(todo, None)
        if ij is None:
            return False
        fut = client.compute(blocks[ij])
        where[fut] = ij
        ac.add(fut)
        return True

    for _ in range(max(1, max_in_flight)):
        if not submit():
            break
    for fut in ac:
        i, j = where.pop(fut)
        arr = fut.result()
        fut.release()
        ds.write(np.asarray(arr, dtype=np.float32), 1,
                 window=Window(int(offs[1][j]), int(offs[0][i]), arr.shape[1], arr.shape[0]))
        del arr
        submit()

"""One tree on more rows than a worker may hold: tree.dask on a LocalCluster.

The data are generated lazily, partition by partition, on the workers (never gathered in one
process); each worker is limited to ``--worker-memory``. Prints the fit's wall time, the tree,
each worker's peak memory (as the workers' own monitor reports it) and this client process's
peak RSS. Example (the issue's scale)::

    python benchmarks/dask_scale.py --rows 20000000 --features 20 --workers 2 --worker-memory 1GB
"""

import argparse
import logging
import resource
import time

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

from tree import DecisionTree


def _labels(block):
    # a target of the first features, with noise from the block's own values
    signal = block[:, 0] + 0.5 * block[:, 1] ** 2 - block[:, 2] * block[:, 3]
    noise = (block[:, 4] * 9973.0) % 1.0 - 0.5
    return (signal + noise > 0.6).astype(np.int8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="1GB")
    parser.add_argument("--max-depth", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(format="%(message)s")
    logging.getLogger("tree.dask").setLevel(logging.INFO)

    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.worker_memory,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        X = (
            da.random.RandomState(0)
            .random_sample((args.rows, args.features), chunks=(args.chunk, args.features))
            .astype(np.float32)
        )
        y = X.map_blocks(_labels, drop_axis=1, dtype=np.int8)
        size_gb = args.rows * args.features * 4 / 1e9
        print(
            f"{args.rows:,} x {args.features} float32 = {size_gb:.2f} GB, "
            f"{X.numblocks[0]} partitions, {args.workers} workers at {args.worker_memory} each"
        )
        start = time.perf_counter()
        model = DecisionTree(splitter="hist", max_depth=args.max_depth, random_state=0)
        model.fit(X, y)
        seconds = time.perf_counter() - start
        peaks = client.run(lambda dask_worker: dask_worker.monitor.range_query(0)["memory"])
        peak_mb = {addr: max(values) / 1e6 for addr, values in peaks.items() if values}
    client_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"fit: {seconds:.1f} s, {model.tree_.node_count} nodes, depth {model.get_depth()}")
    for addr, mb in sorted(peak_mb.items()):
        print(f"worker {addr}: peak memory {mb:.0f} MB")
    print(f"client process: peak RSS {client_mb:.0f} MB")


if __name__ == "__main__":
    main()

"""Random numbers for the kernels: splitmix64, one stream per node.

The state is ``rng[0]`` of a uint64 array whose ``rng[1]`` holds the build's seed. Each node
restarts the stream from (seed, start, end), so the tree does not depend on the order in which
nodes are grown: serial and threaded builds draw the same numbers.
"""

import numpy as np

from tree._jit import borrowing_kernel


@borrowing_kernel
def seed_node(rng, start, end):
    """Start the node ``[start, end)``'s stream."""
    rng[0] = (
        rng[1]
        ^ (np.uint64(start) * np.uint64(0x9E3779B97F4A7C15))
        ^ (np.uint64(end) * np.uint64(0xC2B2AE3D27D4EB4F))
    )


@borrowing_kernel
def rand_u64(rng):
    z = rng[0] + np.uint64(0x9E3779B97F4A7C15)
    rng[0] = z
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@borrowing_kernel
def rand_uniform(rng):
    """A float in ``[0, 1)``."""
    return np.float64(rand_u64(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@borrowing_kernel
def rand_int(rng, high):
    """An int in ``[0, high)``."""
    k = np.int64(rand_uniform(rng) * high)
    return min(k, high - 1)

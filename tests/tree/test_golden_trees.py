"""Every tree of the fixed corpus is bit-for-bit the tree recorded before the kernel rebuild.

The corpus and the recording script are in ``tree_corpus.py``. The hashes were recorded with
the kernels before their rebuild, and checked then on both of their paths (the small-node kernel
and the general one); the rebuilt kernels have one path.
"""

import json

from tree_corpus import GOLDEN, configurations, fit_config, tree_hashes

CONFIGS = configurations()
GOLDEN_HASHES = json.loads(GOLDEN.read_text())


def test_the_golden_file_covers_the_corpus():
    assert sorted(GOLDEN_HASHES) == sorted(name for name, _ in CONFIGS)
    assert len(CONFIGS) >= 190


def test_trees_are_unchanged():
    changed = []
    for name, spec in CONFIGS:
        if tree_hashes(fit_config(spec)) != GOLDEN_HASHES[name]:
            changed.append(name)
    assert not changed, f"{len(changed)} of {len(CONFIGS)} trees changed: {changed[:10]}"

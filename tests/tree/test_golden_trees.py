"""Every tree of the fixed corpus is bit-for-bit the tree recorded before the kernel rebuild.

The corpus and the recording script are in ``tree_corpus.py``. Each configuration is grown on
the default path (nodes of at most ``tree._small.SMALL_NODE`` samples grown by the small-node
kernel) and on the general path only (``SMALL_NODE = 0``): both must give the recorded tree.
"""

import json

import pytest
from tree_corpus import GOLDEN, configurations, fit_config, tree_hashes

from tree import _small

CONFIGS = configurations()
GOLDEN_HASHES = json.loads(GOLDEN.read_text())


def test_the_golden_file_covers_the_corpus():
    assert sorted(GOLDEN_HASHES) == sorted(name for name, _ in CONFIGS)
    assert len(CONFIGS) >= 190


@pytest.mark.parametrize("small_node", [_small.SMALL_NODE, 0], ids=["default", "general-only"])
def test_trees_are_unchanged(monkeypatch, small_node):
    monkeypatch.setattr(_small, "SMALL_NODE", small_node)
    changed = []
    for name, spec in CONFIGS:
        if tree_hashes(fit_config(spec)) != GOLDEN_HASHES[name]:
            changed.append(name)
    assert not changed, f"{len(changed)} of {len(CONFIGS)} trees changed: {changed[:10]}"

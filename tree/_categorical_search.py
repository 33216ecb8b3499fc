"""The search for the best set of categories sent left, given a node's *groups*.

A group is a category present in the node (the missing values are a group of their own) with
its count, weight and statistics (``tree._stats``), gathered into a ``Categorical`` bundle by
the exact splitter (``tree._categorical``, from the presorted column) or by the histogram
splitter (``tree._categorical_hist``, one bin per category). ``search_groups`` then finds the
set of groups sent left:

- two classes (gini, entropy) and the squared error: the groups sorted by their weighted share
  of class 1 (by their weighted mean of y) and the ``k - 1`` prefixes of that order scanned,
  which is exact for any concave impurity (Breiman et al. 1984, 4.2; Fisher 1958 for the
  squared error) when every partition is admissible (``min_samples_leaf=1``, no
  ``min_weight_fraction_leaf``, no rare categories); otherwise it is the best admissible prefix;
- more classes, ``k <= EXACT_MAX_GROUPS`` groups: every one of the ``2**(k-1) - 1``
  partitions, in Gray-code order (one group moves per step), the last group always right;
- more classes and more groups: Coppersmith, Hong and Hosking (1999): the groups sorted by their
  class-probability vector's projection on the first principal component of those vectors
  (weighted by the groups' weights; power iteration), and the prefixes scanned.

Ties of the sort key go to the lower code (missing last); ties of the proxy keep the first
partition found. Groups with fewer than ``min_category_samples`` samples are *rare*: they take
no part in the search and go together with the child that has more of the other samples
(right on a tie). Categories absent from the node, and codes above the largest seen in
training, go to the child with more training samples (right on a tie); the missing values too
when the node saw none.

The chosen split is a bitset of the codes that go left (``n_words`` uint64 words, bit ``c & 63``
of word ``c >> 6``, no bit set at or above ``n_codes``, the largest training code plus one);
the missing values' side is the node's ``missing_go_to_left``.
"""

from collections import namedtuple

import numpy as np

from tree._criterion import MSE, proxy_improvement
from tree._jit import borrowing_kernel

EXACT_MAX_GROUPS = 10  # multiclass: all partitions up to this many groups (see benchmarks)
MISSING_CODE = -1  # the code of the missing values' group
POWER_ITERATIONS = 64

Categorical = namedtuple(
    "Categorical",
    [
        "is_categorical",  # bool (n_features,)
        "min_category_samples",  # int: groups with fewer samples are rare
        "exact_max_groups",  # int: multiclass partitions enumerated up to this many groups
        "n_codes",  # int: the bitsets' bit range, the largest training code plus one
        "code",  # int64 (G,): per group of the node, its code (MISSING_CODE: missing)
        "count",  # int64 (G,)
        "weight",  # float64 (G,)
        "stats",  # float64 (G, n_stats)
        "key",  # float64 (G,): the sort key of group ``order[i]`` at ``i``
        "sort_stack",  # int64 (128,): the ranges waiting to be sorted
        "order",  # int64 (G,): the non-rare groups, in search order
        "side",  # uint8 (G,): 1 when the group goes left in the chosen split
        "left",  # float64 (n_stats,): the scanned left statistics
        "rare",  # float64 (n_stats,): the rare groups' statistics
        "trial",  # float64 (n_stats,): left plus, possibly, the rare groups
        "cov",  # float64 (n_stats, n_stats): the class-probability covariance
        "vec",  # float64 (n_stats,): power iteration
        "vec2",  # float64 (n_stats,)
        "chosen",  # uint64 (n_words,): the chosen split's bitset
        "node_bitsets",  # uint64 (node capacity, n_words): per node its bitset
        "bin_code",  # int64 (n_features, n_bins): splitter="hist", each bin's code, else empty
        "bin_side",  # uint8 (n_bins,): splitter="hist", 1 for the bins a split sends left
    ],
)


def make_categorical(
    is_categorical, min_category_samples, max_code, n_samples, n_stats, capacity, bin_code=None
):
    """The categorical bundle of one (serial) build: codes up to ``max_code``; ``bin_code`` the
    code of each bin of each feature for ``splitter="hist"`` (``tree._binning``)."""
    if bin_code is None:
        bin_code = np.zeros((0, 0), dtype=np.int64)
    n_words = max(1, (int(max_code) + 64) // 64)
    n_groups = min(int(n_samples), int(max_code) + 1) + 1
    return Categorical(
        is_categorical=np.ascontiguousarray(is_categorical, dtype=np.bool_),
        min_category_samples=int(min_category_samples),
        exact_max_groups=EXACT_MAX_GROUPS,
        n_codes=int(max_code) + 1,
        code=np.zeros(n_groups, dtype=np.int64),
        count=np.zeros(n_groups, dtype=np.int64),
        weight=np.zeros(n_groups, dtype=np.float64),
        stats=np.zeros((n_groups, n_stats), dtype=np.float64),
        key=np.zeros(n_groups, dtype=np.float64),
        sort_stack=np.zeros(128, dtype=np.int64),
        order=np.zeros(n_groups, dtype=np.int64),
        side=np.zeros(n_groups, dtype=np.uint8),
        left=np.zeros(n_stats, dtype=np.float64),
        rare=np.zeros(n_stats, dtype=np.float64),
        trial=np.zeros(n_stats, dtype=np.float64),
        cov=np.zeros((n_stats, n_stats), dtype=np.float64),
        vec=np.zeros(n_stats, dtype=np.float64),
        vec2=np.zeros(n_stats, dtype=np.float64),
        chosen=np.zeros(n_words, dtype=np.uint64),
        node_bitsets=np.zeros((capacity, n_words), dtype=np.uint64),
        bin_code=bin_code,
        bin_side=np.zeros(bin_code.shape[1], dtype=np.uint8),
    )


@borrowing_kernel
def split_rare(cat, n_groups):
    """The non-rare groups into ``cat.order`` (by code), the rare ones summed into ``cat.rare``:
    ``(k, n_rare, w_rare)``."""
    for c in range(cat.rare.shape[0]):
        cat.rare[c] = 0.0
    k = 0
    n_rare = 0
    w_rare = 0.0
    for g in range(n_groups):
        if cat.count[g] >= cat.min_category_samples:
            cat.order[k] = g
            k += 1
        else:
            n_rare += cat.count[g]
            w_rare += cat.weight[g]
            for c in range(cat.rare.shape[0]):
                cat.rare[c] += cat.stats[g, c]
    return k, n_rare, w_rare


# -- sorting the groups by (key, code) -----------------------------------------------------


@borrowing_kernel
def _code_rank(code):
    return np.int64(1) << np.int64(62) if code == MISSING_CODE else code


@borrowing_kernel
def _before(cat, key_a, group_a, key_b, group_b):
    """Group ``group_a`` (sort key ``key_a``) sorts before ``group_b``: a smaller key, or an
    equal key and a lower code (missing last)."""
    if key_a != key_b:
        return key_a < key_b
    return _code_rank(cat.code[group_a]) < _code_rank(cat.code[group_b])


@borrowing_kernel
def _swap(keys, order, i, j):
    keys[i], keys[j] = keys[j], keys[i]
    order[i], order[j] = order[j], order[i]


@borrowing_kernel
def _insertion_sort(cat, keys, order, lo, hi):
    for i in range(lo + 1, hi):
        key = keys[i]
        group = order[i]
        j = i - 1
        while j >= lo and _before(cat, key, group, keys[j], order[j]):
            keys[j + 1] = keys[j]
            order[j + 1] = order[j]
            j -= 1
        keys[j + 1] = key
        order[j + 1] = group


@borrowing_kernel
def _quicksort(cat, keys, order, k):
    # the larger side of each partition waits in cat.sort_stack while the smaller is sorted:
    # at most log2(k) ranges wait at once
    stack = cat.sort_stack
    stack[0] = 0
    stack[1] = k
    waiting = 1
    while waiting > 0:
        waiting -= 1
        lo = stack[2 * waiting]
        hi = stack[2 * waiting + 1]
        while hi - lo > 16:
            mid = (lo + hi) // 2
            last = hi - 1
            if _before(cat, keys[mid], order[mid], keys[lo], order[lo]):
                _swap(keys, order, mid, lo)
            if _before(cat, keys[last], order[last], keys[mid], order[mid]):
                _swap(keys, order, last, mid)
                if _before(cat, keys[mid], order[mid], keys[lo], order[lo]):
                    _swap(keys, order, mid, lo)
            pivot_key = keys[mid]
            pivot_group = order[mid]
            i = lo
            j = last
            while i <= j:
                while _before(cat, keys[i], order[i], pivot_key, pivot_group):
                    i += 1
                while _before(cat, pivot_key, pivot_group, keys[j], order[j]):
                    j -= 1
                if i <= j:
                    _swap(keys, order, i, j)
                    i += 1
                    j -= 1
            if j + 1 - lo < hi - i:
                stack[2 * waiting] = i
                stack[2 * waiting + 1] = hi
                hi = j + 1
            else:
                stack[2 * waiting] = lo
                stack[2 * waiting + 1] = j + 1
                lo = i
            waiting += 1
        _insertion_sort(cat, keys, order, lo, hi)


@borrowing_kernel
def sort_groups(cat, k):
    """Sort ``cat.order[:k]`` and its keys ``cat.key[:k]`` by (key, code), in place: a
    quicksort whose comparisons read the keys side by side, not through the groups."""
    _quicksort(cat, cat.key, cat.order, k)


@borrowing_kernel
def principal_keys(cat, k, n_classes):
    """Each group's class-probability vector projected on the first principal component of
    the groups' vectors (weighted), into ``cat.key`` beside ``cat.order`` (Coppersmith, Hong
    and Hosking 1999)."""
    mean = cat.vec2
    for c in range(n_classes):
        mean[c] = 0.0
    w_sum = 0.0
    for i in range(k):
        g = cat.order[i]
        w_sum += cat.weight[g]
        for c in range(n_classes):
            mean[c] += cat.stats[g, c]
    for c in range(n_classes):
        mean[c] /= w_sum
    cov = cat.cov
    for a in range(n_classes):
        for b in range(n_classes):
            cov[a, b] = 0.0
    for i in range(k):
        g = cat.order[i]
        w = cat.weight[g]
        for a in range(n_classes):
            da = cat.stats[g, a] / w - mean[a]
            for b in range(n_classes):
                cov[a, b] += w * da * (cat.stats[g, b] / w - mean[b])
    # power iteration from the covariance's row of largest diagonal (deterministic)
    vec = cat.vec
    best = 0
    for a in range(n_classes):
        if cov[a, a] > cov[best, best]:
            best = a
    for a in range(n_classes):
        vec[a] = cov[best, a]
    for _ in range(POWER_ITERATIONS):
        norm = 0.0
        for a in range(n_classes):
            s = 0.0
            for b in range(n_classes):
                s += cov[a, b] * vec[b]
            mean[a] = s  # mean is scratch from here on
            norm += s * s
        if norm == 0.0:
            break
        norm = np.sqrt(norm)
        for a in range(n_classes):
            vec[a] = mean[a] / norm
    # the sign: the largest component positive (a deterministic orientation)
    largest = 0
    for a in range(n_classes):
        if abs(vec[a]) > abs(vec[largest]):
            largest = a
    sign = -1.0 if vec[largest] < 0 else 1.0
    for i in range(k):
        g = cat.order[i]
        s = 0.0
        for c in range(n_classes):
            s += sign * vec[c] * cat.stats[g, c] / cat.weight[g]
        cat.key[i] = s


# -- evaluating a partition ----------------------------------------------------------------


@borrowing_kernel
def evaluate(criterion, rules, cat, totals, n_left, w_left, n_node, w_node, n_rare, w_rare):
    """The proxy of the split whose non-rare left groups sum to ``cat.left`` (``n_left``
    samples): ``(admissible, num, den, rare_left)``, the rare groups joining the side with
    more non-rare samples."""
    n_stats = cat.left.shape[0]
    rare_left = n_rare > 0 and n_left > n_node - n_rare - n_left
    trial = cat.trial
    for c in range(n_stats):
        trial[c] = cat.left[c] + (cat.rare[c] if rare_left else 0.0)
    if rare_left:
        n_left += n_rare
        w_left += w_rare
    w_right = w_node - w_left
    if n_left < rules.min_samples_leaf or n_node - n_left < rules.min_samples_leaf:
        return False, -np.inf, 1.0, rare_left
    if n_left == 0 or n_left == n_node:
        return False, -np.inf, 1.0, rare_left
    if w_left < rules.min_weight_leaf or w_right < rules.min_weight_leaf:
        return False, -np.inf, 1.0, rare_left
    num, den = proxy_improvement(
        criterion.code, trial, totals, criterion.n_classes, w_left, w_right, criterion.xlogx,
        criterion.use_xlogx,
    )  # fmt: skip
    return True, num, den, rare_left


@borrowing_kernel
def _move(cat, g, sign, n_stats):
    for c in range(n_stats):
        cat.left[c] += sign * cat.stats[g, c]


@borrowing_kernel
def scan_prefixes(criterion, rules, cat, totals, k, n_node, w_node, n_rare, w_rare):
    """The best of the ``k - 1`` prefixes of ``cat.order[:k]`` sent left: ``(i, num, den)``,
    the prefix ``order[:i + 1]``; i -1 when none is admissible."""
    n_stats = cat.left.shape[0]
    for c in range(n_stats):
        cat.left[c] = 0.0
    n_left = 0
    w_left = 0.0
    best = -1
    best_num = -np.inf
    best_den = 1.0
    for i in range(k - 1):
        g = cat.order[i]
        _move(cat, g, 1.0, n_stats)
        n_left += cat.count[g]
        w_left += cat.weight[g]
        ok, num, den, _ = evaluate(
            criterion, rules, cat, totals, n_left, w_left, n_node, w_node, n_rare, w_rare
        )
        if ok and num * best_den > best_num * den:
            best = i
            best_num = num
            best_den = den
    return best, best_num, best_den


@borrowing_kernel
def _lowest_bit(x):
    i = 0
    while (x >> i) & 1 == 0:
        i += 1
    return i


@borrowing_kernel
def enumerate_partitions(criterion, rules, cat, totals, k, n_node, w_node, n_rare, w_rare):
    """The best of the ``2**(k-1) - 1`` partitions of ``cat.order[:k]`` (the last group always
    right), visited in Gray-code order: ``(mask, num, den)``, bit i of ``mask`` set when
    ``order[i]`` goes left; mask 0 when none is admissible."""
    n_stats = cat.left.shape[0]
    for c in range(n_stats):
        cat.left[c] = 0.0
    n_left = 0
    w_left = 0.0
    gray = 0
    best = 0
    best_num = -np.inf
    best_den = 1.0
    for t in range(1, np.int64(1) << (k - 1)):
        new_gray = t ^ (t >> 1)
        i = _lowest_bit(new_gray ^ gray)
        g = cat.order[i]
        if (new_gray >> i) & 1:
            _move(cat, g, 1.0, n_stats)
            n_left += cat.count[g]
            w_left += cat.weight[g]
        else:
            _move(cat, g, -1.0, n_stats)
            n_left -= cat.count[g]
            w_left -= cat.weight[g]
        gray = new_gray
        ok, num, den, _ = evaluate(
            criterion, rules, cat, totals, n_left, w_left, n_node, w_node, n_rare, w_rare
        )
        if ok and num * best_den > best_num * den:
            best = gray
            best_num = num
            best_den = den
    return best, best_num, best_den


@borrowing_kernel
def search_groups(criterion, rules, cat, n_groups, n_node, totals, w_node):
    """The best split of the node's ``n_groups`` gathered groups: ``(found, num, den, k,
    n_rare, w_rare)``; when found, ``cat.side`` marks the groups sent left and ``cat.order[:k]``
    holds the non-rare groups."""
    k, n_rare, w_rare = split_rare(cat, n_groups)
    for g in range(n_groups):
        cat.side[g] = 0
    if k < 2:
        return False, -np.inf, 1.0, k, n_rare, w_rare
    n_classes = criterion.n_classes
    if criterion.code != MSE and n_classes > 2 and k <= cat.exact_max_groups:
        mask, num, den = enumerate_partitions(
            criterion, rules, cat, totals, k, n_node, w_node, n_rare, w_rare
        )
        for i in range(k):
            if (mask >> i) & 1:
                cat.side[cat.order[i]] = 1
        return mask != 0, num, den, k, n_rare, w_rare
    if criterion.code == MSE or n_classes == 2:
        stat = 0 if criterion.code == MSE else 1
        for i in range(k):
            g = cat.order[i]
            cat.key[i] = cat.stats[g, stat] / cat.weight[g]
    else:
        principal_keys(cat, k, n_classes)
    sort_groups(cat, k)
    best, num, den = scan_prefixes(criterion, rules, cat, totals, k, n_node, w_node, n_rare, w_rare)
    for i in range(best + 1):
        cat.side[cat.order[i]] = 1
    return best >= 0, num, den, k, n_rare, w_rare


@borrowing_kernel
def set_bit(bits, code):
    bits[code >> 6] |= np.uint64(1) << np.uint64(code & 63)


@borrowing_kernel
def clear_bit(bits, code):
    bits[code >> 6] &= ~(np.uint64(1) << np.uint64(code & 63))


@borrowing_kernel
def has_bit(bits, code):
    """Bit ``code`` of the bitset (``code`` within its words)."""
    w = code >> 6
    return (bits[w] >> np.uint64(code & 63)) & np.uint64(1) == np.uint64(1)


@borrowing_kernel
def chosen_partition(criterion, cat, totals, left, n_groups, k, n_rare, n_node):
    """From ``cat.side``: the left statistics into ``left``, the bitset into ``cat.chosen``;
    returns ``(n_left, w_left, missing_flag)``."""
    n_stats = left.shape[0]
    n_nonrare_left = 0
    for i in range(k):
        g = cat.order[i]
        if cat.side[g] == 1:
            n_nonrare_left += cat.count[g]
    rare_left = n_rare > 0 and n_nonrare_left > n_node - n_rare - n_nonrare_left
    for c in range(n_stats):
        left[c] = 0.0
    n_left = 0
    w_left = 0.0
    for g in range(n_groups):
        rare = cat.count[g] < cat.min_category_samples
        if (rare and rare_left) or (not rare and cat.side[g] == 1):
            cat.side[g] = 1
            n_left += cat.count[g]
            w_left += cat.weight[g]
            for c in range(n_stats):
                left[c] += cat.stats[g, c]
        else:
            cat.side[g] = 0
    left_larger = n_left > n_node - n_left
    fill = ~np.uint64(0) if left_larger else np.uint64(0)
    n_words = cat.chosen.shape[0]
    for w in range(n_words):
        cat.chosen[w] = fill
    for code in range(cat.n_codes, n_words * 64):  # no bit beyond the codes seen in training
        clear_bit(cat.chosen, code)
    missing_flag = 1 if left_larger else 0
    for g in range(n_groups):
        code = cat.code[g]
        if code == MISSING_CODE:
            missing_flag = np.int64(cat.side[g])
        elif cat.side[g] == 1:
            set_bit(cat.chosen, code)
        else:
            clear_bit(cat.chosen, code)
    return n_left, w_left, missing_flag

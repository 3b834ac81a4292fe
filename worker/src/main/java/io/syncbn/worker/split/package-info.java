/**
 * How an epoch's examples are shuffled and split across workers: a seeded permutation of example
 * indices ({@link io.syncbn.worker.split.IndexPermutation}) assigns every example a worker and a
 * position, so the split is balanced (sizes differ by at most one), reproducible from the seed and
 * epoch, and computable without sorting the data.
 */
package io.syncbn.worker.split;

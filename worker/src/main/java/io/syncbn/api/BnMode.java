package io.syncbn.api;

import java.io.Serializable;
import java.util.Locale;

/**
 * How batch-normalization statistics are computed during training: over every worker's shard
 * ({@link #SYNC}), over each worker's own shard ({@link #LOCAL}), or over the shards of consecutive
 * groups of K workers ({@link #group(int)}).
 *
 * <p>In every mode the gradients are summed over all workers and the replicas stay identical: in
 * the local and group modes each group's running statistics are replaced, after every step, by the
 * mean of all groups' running statistics weighted by their value counts. {@code group:1} computes
 * what {@code local} computes, and {@code group:N} (N workers) what {@code sync} computes.
 *
 * <p>Text form ({@link #toString()}, {@link #parse}): {@code sync}, {@code local}, {@code group:K}.
 */
public final class BnMode implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The three kinds of statistics. */
    public enum Kind {
        /** Statistics of the global batch (synchronized BN). */
        SYNC,
        /** Statistics of each worker's own shard, as plain data-parallel training does. */
        LOCAL,
        /** Statistics of each group of K consecutive workers (PyTorch's process groups; Apex's group_size). */
        GROUP
    }

    /** Statistics of the global batch: every worker's shard together (synchronized BN). */
    public static final BnMode SYNC = new BnMode(Kind.SYNC, 0);

    /**
     * Statistics of each worker's own shard: the baseline that shows why synchronization matters.
     */
    public static final BnMode LOCAL = new BnMode(Kind.LOCAL, 1);

    private static final String RULE = "sync, local or group:K with an integer K >= 1";

    private final Kind kind;
    private final int groupSize;

    private BnMode(Kind kind, int groupSize) {
        this.kind = kind;
        this.groupSize = groupSize;
    }

    /**
     * Statistics shared by consecutive groups of {@code k} workers: ranks [0,k), [k,2k), ...
     *
     * @throws IllegalArgumentException if {@code k < 1}
     */
    public static BnMode group(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("the group size K of group:K must be at least 1, but got " + k);
        }
        return new BnMode(Kind.GROUP, k);
    }

    /**
     * Reads the text form: {@code sync}, {@code local} or {@code group:K} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the text and the allowed forms
     */
    public static BnMode parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("sync")) {
            return SYNC;
        }
        if (t.equals("local")) {
            return LOCAL;
        }
        if (t.startsWith("group:")) {
            String k = t.substring("group:".length());
            if (k.matches("[0-9]{1,9}") && Integer.parseInt(k) >= 1) {
                return group(Integer.parseInt(k));
            }
        }
        throw new IllegalArgumentException("bn must be " + RULE + ", but got \"" + text + "\"");
    }

    /** Which kind of statistics. */
    public Kind kind() {
        return kind;
    }

    /**
     * The number of consecutive workers that share statistics when {@code workers} workers train:
     * all of them in sync mode, 1 in local mode, K in group mode.
     *
     * @throws IllegalArgumentException if this is {@code group:K} and K does not divide {@code workers}
     */
    public int groupSize(int workers) {
        requireCompatible(workers);
        return switch (kind) {
            case SYNC -> workers;
            case LOCAL -> 1;
            case GROUP -> groupSize;
        };
    }

    /**
     * Refuses a group size that does not divide the number of workers.
     *
     * @throws IllegalArgumentException naming both numbers and the rule
     */
    public void requireCompatible(int workers) {
        if (kind == Kind.GROUP && workers % groupSize != 0) {
            throw new IllegalArgumentException("bn group:" + groupSize + " needs a number of workers that is a "
                    + "multiple of " + groupSize + " (groups of " + groupSize + " consecutive workers), but there are "
                    + workers + " workers; use a multiple of " + groupSize + " workers or another group size");
        }
    }

    /** Whether the layers communicate at all (not in local mode). */
    public boolean synchronizesLayers() {
        return kind != Kind.LOCAL;
    }

    /**
     * Whether groups hold different statistics, so running statistics must be averaged across them
     * after every step: local mode, and group mode with more than one group.
     */
    public boolean averagesRunningStatistics(int workers) {
        return groupSize(workers) < workers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BnMode m && m.kind == kind && m.groupSize == groupSize;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + groupSize;
    }

    /** The text form: {@code sync}, {@code local} or {@code group:K}. */
    @Override
    public String toString() {
        return switch (kind) {
            case SYNC -> "sync";
            case LOCAL -> "local";
            case GROUP -> "group:" + groupSize;
        };
    }

    /** Deserialization keeps the constants' identity. */
    private Object readResolve() {
        return switch (kind) {
            case SYNC -> SYNC;
            case LOCAL -> LOCAL;
            case GROUP -> this;
        };
    }
}

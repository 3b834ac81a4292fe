package io.syncbn.driver.study;

import io.syncbn.api.BnMode;
import io.syncbn.driver.config.BnRenorm;
import io.syncbn.driver.config.ConfigException;
import io.syncbn.driver.config.TrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of a small-batch study, validated before anything trains: a fixed global batch
 * G, the per-worker batches b (each cell trains N = G/b workers), the batch-normalization modes and
 * the seeds; every other setting (model, data, epochs, learning rate, type, master, diagnostics
 * interval) comes from {@link #base()} and is the same in every cell.
 *
 * <p>A per-worker batch equal to G means one worker holding the whole global batch: the reference,
 * where every mode computes the same statistics; it is trained once per seed and marked as such.
 *
 * @param globalBatch G, examples per global step in every cell
 * @param perWorkerBatches the per-worker batches, each dividing G
 * @param modes the batch-normalization modes in text form ({@link #mode}): {@code sync}, {@code local},
 *     {@code group:K} (K must divide every N = G/b above 1), {@code renorm} (local statistics with batch
 *     renormalization, {@link #renorm()}) or {@code ghost:V} (ghost BN with virtual
 *     batches of V of each worker's examples)
 * @param seeds seeds of the initial weights and the data order; cells of one seed share both
 * @param base the settings shared by every cell (its workers, per-worker batch, BN mode, seed and run
 *     directory are replaced per cell)
 */
public record StudyConfig(int globalBatch, List<Integer> perWorkerBatches, List<String> modes, List<Long> seeds,
        TrainConfig base) {

    /** The mode of cells that train local statistics with batch renormalization. */
    public static final String RENORM = "renorm";

    /**
     * Batch renormalization of {@code renorm} cells when the study does not set {@code bn-renorm}: the
     * paper's bounds r <= 3, |d| <= 5 (Ioffe 2017, section 4), ramped up over the first 300 steps (about
     * a third of the quick protocol's 800).
     */
    public static final BnRenorm DEFAULT_RENORM = new BnRenorm(3, 5, 300);


    /** Validates every value; see the component descriptions for the rules. */
    public StudyConfig {
        if (globalBatch < 1) {
            throw new ConfigException("global-batch", "global-batch must be an integer >= 1, but got " + globalBatch);
        }
        perWorkerBatches = distinct("per-worker-batch", perWorkerBatches);
        modes = distinct("bn", modes);
        seeds = distinct("seeds", seeds);
        Objects.requireNonNull(base, "base");
        for (int b : perWorkerBatches) {
            if (b < 1 || globalBatch % b != 0) {
                throw new ConfigException("per-worker-batch", "every per-worker batch must divide the global batch "
                        + globalBatch + " (each cell trains global-batch / per-worker-batch workers), but got " + b
                        + "; use divisors of " + globalBatch + " such as " + divisors(globalBatch));
            }
            int workers = globalBatch / b;
            for (String mode : modes) {
                if (workers > 1 && !isGhost(mode) && !RENORM.equals(mode)) {
                    try {
                        BnMode.parse(mode).requireCompatible(workers);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException("bn", "per-worker batch " + b + " gives " + workers + " workers: "
                                + e.getMessage());
                    }
                }
            }
        }
        int most = globalBatch / perWorkerBatches.stream().mapToInt(Integer::intValue).min().orElseThrow();
        try {
            base.withJob(most, globalBatch / most, BnMode.SYNC, base.seed(), base.diagnosticsEvery());
        } catch (ConfigException e) {
            throw new ConfigException(e.key(), "the study trains up to " + most + " workers at once (global batch "
                    + globalBatch + " / per-worker batch " + globalBatch / most + "): " + e.getMessage());
        }
    }

    /** The planned cells, in training order: per seed, from the most workers to the reference. */
    public List<PlannedCell> cells() {
        List<Integer> batches = new ArrayList<>(perWorkerBatches);
        batches.sort(null);
        List<PlannedCell> out = new ArrayList<>();
        for (long seed : seeds) {
            for (int b : batches) {
                int workers = globalBatch / b;
                if (workers == 1) {
                    // One worker: sync, local and group coincide (the reference); ghost BN does not.
                    out.add(new PlannedCell(new StudyCell(b, BnMode.SYNC.toString(), seed), 1, true));
                }
                for (String mode : modes) {
                    if (workers > 1 || isGhost(mode)) {
                        out.add(new PlannedCell(new StudyCell(b, mode, seed), workers, false));
                    }
                }
            }
        }
        return out;
    }

    /** The most workers any cell trains at once: the cluster (or local[N]) must run that many tasks. */
    public int maxWorkers() {
        return globalBatch / perWorkerBatches.stream().mapToInt(Integer::intValue).min().orElseThrow();
    }

    /** The training configuration of {@code cell}, which writes its run directory {@code out}. */
    public TrainConfig trainConfig(PlannedCell cell, String out) {
        String master = base.master().isEmpty() ? "local[" + cell.workers() + "]" : base.master();
        String bn = cell.cell().bn();
        boolean renorm = RENORM.equals(bn);
        TrainConfig job = base.withJob(cell.workers(), cell.cell().perWorkerBatch(),
                isGhost(bn) || renorm ? BnMode.LOCAL : BnMode.parse(bn), cell.cell().seed(), base.diagnosticsEvery());
        Map<String, String> m = new LinkedHashMap<>(job.toMap());
        m.put(TrainConfig.BN_VIRTUAL_BATCH, isGhost(bn) ? bn.substring("ghost:".length())
                : renorm ? "0" : Integer.toString(base.bnVirtualBatch()));
        m.put(TrainConfig.BN_RENORM, renorm ? renorm().toString() : "0");
        m.put(TrainConfig.MASTER, master);
        m.put(TrainConfig.OUT, out);
        return TrainConfig.fromMap(m);
    }

    /**
     * The settings every cell shares, as text: a resumed study must have the same ones, or its
     * finished cells would not be comparable with the new ones.
     */
    public Map<String, String> sharedSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("global-batch", Integer.toString(globalBatch));
        for (String key : List.of(TrainConfig.EPOCHS, TrainConfig.LR, TrainConfig.MODEL, TrainConfig.DATA,
                TrainConfig.DTYPE, TrainConfig.DIAGNOSTICS_EVERY)) {
            m.put(key, base.toMap().get(key));
        }
        if (modes.contains(RENORM)) {
            // Only then, so studies without renorm cells (and those written before it) resume as before.
            m.put(TrainConfig.BN_RENORM, renorm().toString());
        }
        return m;
    }

    /**
     * What the {@code renorm} cells train with: the study's {@code bn-renorm} when it sets one, else
     * {@link #DEFAULT_RENORM}.
     */
    public BnRenorm renorm() {
        return base.bnRenorm().enabled() ? base.bnRenorm() : DEFAULT_RENORM;
    }

    /**
     * A BN mode of a study in its canonical text form: {@code sync}, {@code local}, {@code group:K},
     * {@code ghost:V} or {@code renorm}.
     *
     * @throws IllegalArgumentException naming the text and the allowed forms
     */
    public static String mode(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(java.util.Locale.ROOT);
        if (RENORM.equals(t)) {
            return RENORM;
        }
        if (t.startsWith("ghost:")) {
            String v = t.substring("ghost:".length());
            if (v.matches("[0-9]{1,9}") && Integer.parseInt(v) >= 1) {
                return "ghost:" + Integer.parseInt(v);
            }
            throw new IllegalArgumentException("bn must be sync, local, group:K or ghost:V with integers K, V >= 1, "
                    + "but got \"" + text + "\"");
        }
        return BnMode.parse(text).toString();
    }

    private static boolean isGhost(String mode) {
        return mode.startsWith("ghost:");
    }

    /**
     * One cell of the plan.
     *
     * @param cell its identity
     * @param workers N = G/b
     * @param reference whether it is the one-worker reference
     */
    public record PlannedCell(StudyCell cell, int workers, boolean reference) {
    }

    private static <T> List<T> distinct(String key, List<T> values) {
        if (values == null || values.isEmpty()) {
            throw new ConfigException(key, key + " must list at least one value, but got none");
        }
        LinkedHashSet<T> set = new LinkedHashSet<>(values);
        if (set.size() != values.size()) {
            throw new ConfigException(key, key + " must not list a value twice, but got " + values);
        }
        return List.copyOf(set);
    }

    private static String divisors(int n) {
        List<Integer> d = new ArrayList<>();
        for (int k = 1; k <= n && d.size() < 8; k++) {
            if (n % k == 0) {
                d.add(k);
            }
        }
        return d.toString().replaceAll("[\\[\\] ]", "");
    }
}

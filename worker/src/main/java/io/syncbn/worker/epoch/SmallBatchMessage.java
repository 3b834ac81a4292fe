package io.syncbn.worker.epoch;

import io.syncbn.api.BnMode;
import io.syncbn.worker.split.EpochSplit;

/**
 * The text of a {@link SmallBatchCheck} refusal: the rule for the layer's BN mode, the step and the
 * worker or group whose batch breaks it, and a fix in terms of the training options.
 */
final class SmallBatchMessage {

    private SmallBatchMessage() {
    }

    /**
     * @param layer the layer's name
     * @param virtualBatch its ghost-BN virtual batch size (0: none)
     * @param valuesPerExample values per channel it gets from one example, at least 1
     * @param batch the batch it cannot normalize
     */
    static String of(EpochSplit split, BnMode mode, String layer, int virtualBatch, long valuesPerExample,
            StatisticsBatches.Batch batch) {
        long needed = (SmallBatchCheck.MIN_VALUES + valuesPerExample - 1) / valuesPerExample;
        String gets = "batch-normalization layer '" + layer + "' gets " + valuesPerExample
                + (valuesPerExample == 1 ? " value per channel from each example (a dense input)"
                        : " values per channel from each example");
        String where = "step " + (batch.step() + 1) + " of " + split.steps() + " (epoch " + (split.epoch() + 1) + ")";
        String examples = batch.examples() + (batch.examples() == 1 ? " example" : " examples");
        int b = split.perWorkerBatch();
        if (virtualBatch > 0) {
            return "batch-normalization layer '" + layer + "' needs at least " + needed + " examples in every virtual "
                    + "batch: it " + gets.substring(gets.indexOf(" gets ") + 1) + " and normalizes virtual batches of "
                    + virtualBatch + " examples of each worker's shard with their own statistics (ghost BN, in every "
                    + "bn mode); but " + where + " gives worker " + batch.firstWorker() + " a shard of " + batch.shard()
                    + " examples whose last virtual batch holds " + examples + "; use "
                    + (virtualBatch < needed ? "a virtual batch of at least " + needed + " examples"
                            : b % virtualBatch != 0 ? "a per-worker batch that is a multiple of the virtual batch "
                                    + virtualBatch + " (now " + b + ") and a training set that fills every step"
                            : "a training set that fills every step (" + wholeSteps(split) + ")");
        }
        return switch (mode.kind()) {
            case LOCAL -> "bn local needs at least " + needed + " examples per worker in every step that gives the "
                    + "worker any: " + gets + " and normalizes each worker's shard with its own statistics; but " + where
                    + " gives worker " + batch.firstWorker() + " only " + examples + " (it holds "
                    + split.examplesOf(batch.firstWorker()) + " of the epoch's " + split.examples() + " examples, " + b
                    + " per step); use " + (b < needed ? "a per-worker batch of at least " + needed + " (now " + b + "),"
                            : "a training set whose size leaves no worker fewer than " + needed + " examples in a step — "
                                    + wholeSteps(split) + " —")
                    + " or bn sync or group:K with K >= 2";
            case GROUP -> "bn " + mode + " needs at least " + needed + " examples per group of " + batch.workers()
                    + " workers in every step that gives the group any: " + gets + " and normalizes the shards of each "
                    + "group with their own statistics; but " + where + " gives group "
                    + batch.firstWorker() / batch.workers() + " (" + workersOf(batch) + ") only " + examples + "; use "
                    + ((long) batch.workers() * b < needed ? "a larger per-worker batch (now " + b + "),"
                            : "a training set whose size leaves no group fewer than " + needed + " examples in a step — "
                                    + wholeSteps(split) + " —")
                    + " or a larger K, or bn sync";
            case SYNC -> "bn sync needs at least " + needed + " examples in every global batch: " + gets
                    + " and normalizes the global batch (all workers' shards) with its statistics; but " + where
                    + " has a global batch of only " + examples + "; use "
                    + ((long) split.workers() * b < needed ? "a global batch of at least " + needed + " examples (now "
                            + split.workers() + " workers x " + b + " per worker)"
                            : "a training set whose size does not leave fewer than " + needed + " examples for the last "
                                    + "step (" + wholeSteps(split) + ")");
        };
    }

    private static String workersOf(StatisticsBatches.Batch batch) {
        return batch.workers() == 1 ? "worker " + batch.firstWorker()
                : "workers " + batch.firstWorker() + "-" + (batch.firstWorker() + batch.workers() - 1);
    }

    /** Training-set sizes that fill every step: "a multiple of N workers x b per worker = X always does, e.g. ...". */
    private static String wholeSteps(EpochSplit split) {
        long global = (long) split.workers() * split.perWorkerBatch();
        long fitting = split.examples() - split.examples() % global;
        return "a multiple of " + split.workers() + " workers x " + split.perWorkerBatch() + " per worker = " + global
                + " always does" + (fitting > 0 ? ", e.g. the first " + fitting + " examples (train-subset=" + fitting
                        + ")" : "");
    }
}

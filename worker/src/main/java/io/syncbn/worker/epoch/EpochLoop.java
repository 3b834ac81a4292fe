package io.syncbn.worker.epoch;

import io.syncbn.api.StepMetrics;
import io.syncbn.collective.Collective;
import io.syncbn.worker.replica.Replica;
import io.syncbn.worker.split.EpochSplit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One worker's epoch, independent of Spark.
 *
 * <p>Order of events, the same on every rank: restore the replica from the snapshot; refuse, on
 * every rank alike, a plan that gives a batch-normalization layer a batch it cannot normalize
 * ({@link SmallBatchCheck}); for each step {@code s} of the plan take this worker's shard (possibly
 * empty) and make the global step, with ND4J's generator seeded by {@link EpochSplit#randomSeed}
 * {@code (s, rank)}; every {@code consistencyInterval} global steps and at the end, compare replica
 * checksums; rank 0 then serializes the trained network. A resumed epoch ({@code fromStep > 0})
 * first skips the examples of the steps already trained, so it continues exactly where an
 * uninterrupted run would be — with the same random draws (dropout masks), since they depend on the
 * seed, the epoch, the step and the rank only.
 */
public final class EpochLoop {

    private EpochLoop() {
    }

    /**
     * Runs the epoch.
     *
     * @param snapshot the network with updater state, as {@code ModelSerializer} bytes (same on every rank)
     * @param spec the epoch plan and the steps to run
     * @param collective this worker's rank in the group
     * @param examples this worker's examples, in plan order
     * @param onStep called after every step with its metrics (e.g. progress reporting); may be a no-op
     */
    public static EpochResult run(byte[] snapshot, EpochSpec spec, Collective collective,
            Iterator<? extends MultiDataSet> examples, Consumer<StepMetrics> onStep) {
        int rank = collective.rank();
        EpochSplit split = spec.split();
        if (collective.worldSize() != split.workers()) {
            throw new IllegalStateException("the plan is for " + split.workers() + " workers but the group has "
                    + collective.worldSize());
        }
        Model network = restore(snapshot, spec.graph());
        try {
            return train(network, spec, collective, examples, onStep);
        } finally {
            // The replica's arrays are native memory: release them with the stage, not when a collector runs.
            network.close();
        }
    }

    private static EpochResult train(Model network, EpochSpec spec, Collective collective,
            Iterator<? extends MultiDataSet> examples, Consumer<StepMetrics> onStep) {
        int rank = collective.rank();
        EpochSplit split = spec.split();
        Replica replica = Replica.of(network, collective, spec.bnMode(), spec.diagnosticsEvery());
        ShardStream shards = new ShardStream(examples, rank);
        shards.skip(spec.examplesOf(rank, 0, spec.fromStep()));
        SmallBatchCheck.require(network, split, spec.bnMode(), collective, shards.peek());
        List<StepMetrics> steps = new ArrayList<>();
        long trained = 0;
        for (int s = spec.fromStep(); s < spec.toStep(); s++) {
            int size = split.shardSize(rank, s);
            StepMetrics m = replica.step(shards.take(size), split.randomSeed(s, rank));
            trained += size;
            steps.add(m);
            onStep.accept(m);
            long global = m.iteration() + 1;
            if (spec.consistencyInterval() > 0 && global % spec.consistencyInterval() == 0) {
                replica.checkConsistency("iteration " + global);
            }
        }
        replica.checkConsistency(spec.endsEpoch() ? "the end of epoch " + split.epoch()
                : "step " + spec.toStep() + " of epoch " + split.epoch());
        return rank == 0 ? new EpochResult(0, trained, snapshot(network), steps)
                : new EpochResult(rank, trained, new byte[0], List.of());
    }

    /** The network and its updater state as bytes. */
    public static byte[] snapshot(Model network) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network, out, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the network", e);
        }
        return out.toByteArray();
    }

    /** Restores a {@link #snapshot}. */
    public static Model restore(byte[] snapshot, boolean graph) {
        try {
            return graph ? ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(snapshot), true)
                    : ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(snapshot), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the network snapshot", e);
        }
    }
}

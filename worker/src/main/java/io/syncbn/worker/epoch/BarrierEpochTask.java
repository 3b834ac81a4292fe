package io.syncbn.worker.epoch;

import io.syncbn.collective.Collective;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;

/**
 * The function of an epoch's barrier stage ({@code rdd.rdd().barrier().mapPartitions(task, ...)}):
 * each task limits its native threads to its cores, joins the group once through the connector, runs
 * {@link EpochLoop} over its partition, and returns one {@link EpochResult}. A task that Spark kills
 * (another task of the stage failed) stops at once, even while it waits for a peer ({@link
 * TaskKillWatch}). A named Scala function
 * class, since Java lambdas cast to {@code Function1} do not deserialize on executors.
 */
public final class BarrierEpochTask extends AbstractFunction1<Iterator<MultiDataSet>, Iterator<EpochResult>>
        implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> snapshot;
    private final EpochSpec spec;
    private final CollectiveConnector connector;
    private final ProgressSink progress;

    /**
     * @param snapshot the network with updater state ({@link EpochLoop#snapshot})
     * @param spec the epoch plan
     * @param connector how tasks find each other
     * @param progress where rank 0 reports steps live, or {@code null} for nowhere
     */
    public BarrierEpochTask(Broadcast<byte[]> snapshot, EpochSpec spec, CollectiveConnector connector,
            ProgressSink progress) {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.progress = progress;
    }

    @Override
    public Iterator<EpochResult> apply(Iterator<MultiDataSet> partition) {
        BarrierTaskContext context = BarrierTaskContext.get();
        NativeThreads.limitTo(context.cpus());
        EpochResult result;
        boolean reports = progress != null && context.partitionId() == 0;
        try (TaskKillWatch killWatch = TaskKillWatch.start(context);
                Collective collective = connector.connect(context);
                ProgressSink.Reporter reporter = reports ? progress.open() : new ProgressSink.Reporter(null, null)) {
            result = EpochLoop.run(snapshot.value(), spec, collective, JavaConverters.asJavaIterator(partition),
                    reporter);
        }
        return JavaConverters.asScalaIterator(List.of(result).iterator());
    }
}

package io.syncbn.worker.epoch;

import io.syncbn.collective.Collective;
import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import io.syncbn.worker.rendezvous.BarrierRendezvous;
import java.util.Objects;
import org.apache.spark.BarrierTaskContext;

/**
 * Rendezvous of a barrier stage's tasks over TCP ({@link BarrierRendezvous}): each task listens on its
 * executor's own address (a free port), exchanges {@code host:port} with every other task in exactly
 * one Spark {@code allGather} (about a second; never per step), and then connects to all of them with
 * the job's secret ({@link TcpCollective}). Ranks are partition ids.
 *
 * @param config the job's transport settings, including its secret (never logged)
 */
public record TcpBarrierConnector(TcpConfig config) implements CollectiveConnector {

    private static final long serialVersionUID = 1L;

    /** Validates. */
    public TcpBarrierConnector {
        Objects.requireNonNull(config, "config");
    }

    @Override
    public Collective connect(BarrierTaskContext context) {
        return BarrierRendezvous.join(context, config);
    }

    @Override
    public String toString() {
        return "TcpBarrierConnector[timeout=" + config.timeout() + "]";
    }
}

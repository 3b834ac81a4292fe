package io.syncbn.worker.rendezvous;

import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * The rendezvous inside a Spark barrier stage, whose tasks Spark starts together: each task listens on
 * its executor's address, the tasks exchange those addresses with one {@link
 * BarrierTaskContext#allGather} (about a second; the only Spark call), and then talk directly over
 * TCP. Ranks are partition ids.
 *
 * <pre>{@code
 * // inside javaRdd.rdd().barrier().mapPartitions(f, false, classTag), in f:
 * try (TcpCollective c = BarrierRendezvous.join(BarrierTaskContext.get(), config)) { ... }
 * }</pre>
 */
public final class BarrierRendezvous {

    private BarrierRendezvous() {
    }

    /**
     * Joins the job from the current barrier task, listening on the address its executor advertises to
     * Spark (the block manager's host), so peers on other hosts can reach it.
     */
    public static TcpCollective join(BarrierTaskContext context, TcpConfig config) {
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        try {
            return join(context, config, InetAddress.getByName(host));
        } catch (IOException e) {
            throw new UncheckedIOException("task " + context.partitionId() + " cannot resolve its executor's address "
                    + host, e);
        }
    }

    /** Joins the job from the current barrier task, listening on {@code bindAddress}. */
    public static TcpCollective join(BarrierTaskContext context, TcpConfig config, InetAddress bindAddress) {
        int rank = context.partitionId();
        ServerSocketChannel server;
        String own;
        try {
            server = TcpCollective.listen(bindAddress);
            own = HostPort.format((InetSocketAddress) server.getLocalAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("task " + rank + " cannot listen on " + bindAddress, e);
        }
        List<String> all = Arrays.asList(context.allGather(own));
        return TcpCollective.connect(config, rank, HostPort.parseAll(all), server);
    }
}

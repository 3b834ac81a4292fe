package io.syncbn.worker.rendezvous;

import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.PortRange;
import io.syncbn.transport.TcpConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * The rendezvous inside a Spark barrier stage, whose tasks Spark starts together: each task listens on
 * its executor's address, the tasks exchange those addresses with one {@link
 * BarrierTaskContext#allGather} (about a second; the only Spark call), and then talk directly over
 * TCP. Ranks are partition ids. Each task also tells the others its Spark executor id, so that a
 * failure names the executor to look at ("rank 1 (executor 3, 10.0.0.7:41002)").
 *
 * <p>The port is any free one, or one of {@value #PORTS_SETTING} (e.g. {@code --conf
 * spark.syncbn.collectivePorts=41000-41063}) where a firewall lets only some through; a host needs one
 * port per task it runs at once. The port is open only while the ranks connect, and only answers the
 * authenticated handshake.
 *
 * <pre>{@code
 * // inside javaRdd.rdd().barrier().mapPartitions(f, false, classTag), in f:
 * try (TcpCollective c = BarrierRendezvous.join(BarrierTaskContext.get(), config)) { ... }
 * }</pre>
 */
public final class BarrierRendezvous {

    /** Spark setting with the ports the ranks may listen on: {@code FIRST-LAST}, or {@code 0} for any. */
    public static final String PORTS_SETTING = "spark.syncbn.collectivePorts";

    private BarrierRendezvous() {
    }

    /**
     * Joins the job from the current barrier task, listening on the address its executor advertises to
     * Spark (the block manager's host), so peers on other hosts can reach it, on a port of {@link
     * #PORTS_SETTING}.
     */
    public static TcpCollective join(BarrierTaskContext context, TcpConfig config) {
        SparkEnv env = SparkEnv.get();
        String host = env.blockManager().blockManagerId().host();
        PortRange ports;
        try {
            ports = PortRange.parse(env.conf().get(PORTS_SETTING, ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PORTS_SETTING + ": " + e.getMessage(), e);
        }
        try {
            return join(context, config, InetAddress.getByName(host), ports, "executor " + env.executorId());
        } catch (IOException e) {
            throw new UncheckedIOException("task " + context.partitionId() + " cannot resolve its executor's address "
                    + host, e);
        }
    }

    /** Joins the job from the current barrier task, listening on {@code bindAddress} on any free port. */
    public static TcpCollective join(BarrierTaskContext context, TcpConfig config, InetAddress bindAddress) {
        return join(context, config, bindAddress, PortRange.ANY, "");
    }

    /**
     * Joins the job from the current barrier task, listening on {@code bindAddress} on a port of {@code
     * ports}; {@code label} (such as "executor 3") is how the other ranks name this one in failures.
     */
    public static TcpCollective join(BarrierTaskContext context, TcpConfig config, InetAddress bindAddress,
            PortRange ports, String label) {
        int rank = context.partitionId();
        ServerSocketChannel server;
        String own;
        try {
            server = ports.listen(bindAddress);
            own = HostPort.format((InetSocketAddress) server.getLocalAddress()) + " " + label;
        } catch (IOException e) {
            throw new UncheckedIOException("task " + rank + " cannot listen on " + bindAddress + " (ports " + ports
                    + "): " + e.getMessage(), e);
        }
        String[] all;
        try {
            all = context.allGather(own);
        } catch (RuntimeException | Error e) {
            closeQuietly(server);
            throw e;
        }
        List<String> addresses = new ArrayList<>(all.length);
        List<String> labels = new ArrayList<>(all.length);
        for (String entry : all) {
            int space = entry.indexOf(' ');
            addresses.add(space < 0 ? entry : entry.substring(0, space));
            labels.add(space < 0 ? "" : entry.substring(space + 1).strip());
        }
        List<InetSocketAddress> peers;
        try {
            peers = HostPort.parseAll(addresses);
        } catch (RuntimeException e) {
            closeQuietly(server);
            throw e;
        }
        return TcpCollective.connect(config, rank, peers, labels, server);
    }

    private static void closeQuietly(ServerSocketChannel server) {
        try {
            server.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}

package io.syncbn.transport;

import io.syncbn.collective.CollectiveException;
import io.syncbn.collective.CollectiveTimeoutException;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds one rank's full mesh of authenticated connections: it dials every lower rank and accepts
 * every higher one, all on one selector, so that a stranger who connects and then says nothing delays
 * nobody. Dials that are refused (the peer is not listening yet) are retried with a growing pause
 * until the deadline. An inbound connection that fails its {@link Handshake}, stays silent past {@link
 * #HANDSHAKE_LIMIT}, or claims to be something it cannot be, is dropped and logged, and the rank goes
 * on waiting for its real peers.
 */
final class Connector {

    /** A connection must finish its handshake this fast (or within the timeout, if that is shorter). */
    static final Duration HANDSHAKE_LIMIT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Unauthenticated inbound connections held at once beyond the expected ones; the oldest goes first. */
    private static final int SPARE_INBOUND = 8;

    private final TcpConfig config;
    private final int rank;
    private final int worldSize;
    private final List<InetSocketAddress> peers;
    private final String[] names;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final SecureRandom random = new SecureRandom();
    private final SocketChannel[] links;
    private final Dial[] dials;
    private final long[] retryAt;
    private final long[] retryPause;
    private final String[] lastDialError;
    private final ArrayDeque<Inbound> inbound = new ArrayDeque<>();
    private final long handshakeNanos;

    private Connector(TcpConfig config, int rank, List<InetSocketAddress> peers, String[] names,
            ServerSocketChannel server, Selector selector) {
        this.config = config;
        this.rank = rank;
        this.worldSize = peers.size();
        this.peers = peers;
        this.names = names;
        this.server = server;
        this.selector = selector;
        this.links = new SocketChannel[worldSize];
        this.dials = new Dial[rank];
        this.retryAt = new long[rank];
        this.retryPause = new long[rank];
        this.lastDialError = new String[rank];
        this.handshakeNanos = Math.min(config.timeout().toNanos(), HANDSHAKE_LIMIT.toNanos());
    }

    /**
     * Connects rank {@code rank} to every other rank, or fails by the configured deadline. Closes
     * {@code server} either way.
     *
     * @return the authenticated, non-blocking connections indexed by rank (null at {@code rank})
     */
    static SocketChannel[] connect(TcpConfig config, int rank, List<InetSocketAddress> peers, String[] names,
            ServerSocketChannel server) {
        Selector selector = null;
        Connector connector = null;
        try {
            selector = Selector.open();
            connector = new Connector(config, rank, peers, names, server, selector);
            return connector.run();
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + " could not set up its connections: " + e, e);
        } finally {
            if (connector != null) {
                connector.releasePending();
            }
            Mesh.closeQuietly(selector);
            Mesh.closeQuietly(server);
        }
    }

    private SocketChannel[] run() throws IOException {
        long start = System.nanoTime();
        long deadline = start + config.timeout().toNanos();
        if (rank < worldSize - 1) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        }
        for (int j = 0; j < rank; j++) {
            retryAt[j] = start;
            retryPause[j] = FIRST_RETRY_NANOS;
        }
        boolean success = false;
        try {
            while (missing() > 0) {
                long now = System.nanoTime();
                startDueDials(now);
                expire(now);
                if (now - deadline >= 0) {
                    throw timeout(now - start);
                }
                selector.select(Mesh.ceilMillis(nextWake(deadline) - now));
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.channel() == server) {
                        acceptAll(now);
                    } else if (key.isValid()) {
                        ((Pending) key.attachment()).ready();
                    }
                }
                selector.selectedKeys().clear();
                if (Thread.currentThread().isInterrupted()) {
                    throw new CollectiveException("rank " + rank + " was interrupted while connecting to its peers");
                }
            }
            success = true;
            return links;
        } finally {
            if (!success) {
                for (SocketChannel link : links) {
                    Mesh.closeQuietly(link);
                }
            }
        }
    }

    private int missing() {
        int missing = 0;
        for (int j = 0; j < worldSize; j++) {
            if (j != rank && links[j] == null) {
                missing++;
            }
        }
        return missing;
    }

    private void startDueDials(long now) throws IOException {
        for (int j = 0; j < rank; j++) {
            if (links[j] == null && dials[j] == null && now - retryAt[j] >= 0) {
                SocketChannel channel = SocketChannel.open();
                configure(channel);
                Dial dial = new Dial(j, channel, now + handshakeNanos);
                dials[j] = dial;
                try {
                    if (channel.connect(peers.get(j))) {
                        dial.connected();
                    } else {
                        dial.register(SelectionKey.OP_CONNECT);
                    }
                } catch (IOException e) {
                    dial.failed(e);
                }
            }
        }
    }

    private void expire(long now) {
        for (int j = 0; j < rank; j++) {
            if (dials[j] != null && now - dials[j].expires >= 0) {
                dials[j].failed(new IOException("no answer within " + TimeUnit.NANOSECONDS.toMillis(handshakeNanos)
                        + " ms"));
            }
        }
        while (!inbound.isEmpty() && now - inbound.peekFirst().expires >= 0) {
            inbound.pollFirst().drop("did not finish the handshake within "
                    + TimeUnit.NANOSECONDS.toMillis(handshakeNanos) + " ms");
        }
    }

    private long nextWake(long deadline) {
        long wake = deadline;
        for (int j = 0; j < rank; j++) {
            if (links[j] == null) {
                wake = earlier(wake, dials[j] == null ? retryAt[j] : dials[j].expires);
            }
        }
        if (!inbound.isEmpty()) {
            wake = earlier(wake, inbound.peekFirst().expires);
        }
        return wake;
    }

    private static long earlier(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    private void acceptAll(long now) throws IOException {
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            if (inbound.size() >= worldSize - 1 - rank + SPARE_INBOUND) {
                inbound.pollFirst().drop("was the oldest of too many unauthenticated connections");
            }
            configure(channel);
            Inbound in = new Inbound(channel, now + handshakeNanos);
            inbound.addLast(in);
            in.register(SelectionKey.OP_READ);
        }
    }

    private static void configure(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    }

    private CollectiveTimeoutException timeout(long waitedNanos) {
        List<String> missing = new ArrayList<>();
        for (int j = 0; j < worldSize; j++) {
            if (j != rank && links[j] == null) {
                String detail = j > rank ? " never connected"
                        : lastDialError[j] == null ? " never answered" : " refused us: " + lastDialError[j];
                missing.add(names[j] + detail);
            }
        }
        return new CollectiveTimeoutException("connect", rank, missing, Duration.ofNanos(waitedNanos));
    }

    private byte[] nonce() {
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    private void releasePending() {
        for (Dial dial : dials) {
            if (dial != null) {
                Mesh.closeQuietly(dial.channel);
            }
        }
        for (Inbound in : inbound) {
            Mesh.closeQuietly(in.channel);
        }
    }

    /** A connection in its handshake: fixed-size messages out and in, one at a time. */
    private abstract class Pending {
        final SocketChannel channel;
        final long expires;
        SelectionKey key;
        ByteBuffer out;
        ByteBuffer in;

        Pending(SocketChannel channel, long expires) {
            this.channel = channel;
            this.expires = expires;
        }

        void register(int ops) throws IOException {
            key = channel.register(selector, ops, this);
        }

        /** Moves bytes until the channel would block; true once the handshake is complete. */
        boolean pump() throws IOException, Handshake.HandshakeException {
            while (true) {
                if (out != null && out.hasRemaining()) {
                    channel.write(out);
                    if (out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                        return false;
                    }
                }
                if (in == null) {
                    return true;
                }
                if (in.hasRemaining()) {
                    if (channel.read(in) < 0) {
                        throw new EOFException("closed the connection during the handshake");
                    }
                    if (in.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                        return false;
                    }
                }
                byte[] message = in.array();
                in = null;
                received(message);
            }
        }

        /** Handles one complete message; sets the next {@link #out} and {@link #in}, or leaves both done. */
        abstract void received(byte[] message) throws Handshake.HandshakeException;

        /** The selector says the channel is ready. */
        abstract void ready();
    }

    /** This rank's connection to a lower rank. */
    private final class Dial extends Pending {
        private final int peer;
        private byte[] hello;

        Dial(int peer, SocketChannel channel, long expires) {
            super(channel, expires);
            this.peer = peer;
        }

        void connected() throws IOException {
            hello = Handshake.hello(rank, peer, worldSize, nonce());
            out = ByteBuffer.wrap(hello);
            in = ByteBuffer.allocate(Handshake.CHALLENGE_BYTES);
            if (key == null) {
                register(SelectionKey.OP_READ);
            }
            advance();
        }

        @Override
        void ready() {
            try {
                if (channel.isConnectionPending()) {
                    if (channel.finishConnect()) {
                        connected();
                    }
                } else {
                    advance();
                }
            } catch (IOException e) {
                failed(e);
            }
        }

        private void advance() throws IOException {
            try {
                if (pump()) {
                    key.cancel();
                    links[peer] = channel;
                    dials[peer] = null;
                }
            } catch (Handshake.HandshakeException e) {
                throw new CollectiveException("rank " + rank + " could not authenticate " + names[peer] + ": it "
                        + e.getMessage() + "; is another program listening there, or do the ranks hold different"
                        + " secrets?");
            }
        }

        @Override
        void received(byte[] message) throws Handshake.HandshakeException {
            if (message.length == Handshake.CHALLENGE_BYTES) {
                byte[] acceptorNonce = Handshake.verifyChallenge(config.secret(), hello, message);
                out = ByteBuffer.wrap(Handshake.proof(config.secret(), hello, acceptorNonce));
                in = ByteBuffer.allocate(Handshake.ACK_BYTES);
            } else {
                Handshake.verifyAck(message);
            }
        }

        /** This attempt failed the way an unready peer fails: try again after a pause. */
        void failed(IOException e) {
            if (key != null) {
                key.cancel();
            }
            Mesh.closeQuietly(channel);
            dials[peer] = null;
            lastDialError[peer] = String.valueOf(e.getMessage());
            long now = System.nanoTime();
            retryAt[peer] = now + retryPause[peer];
            retryPause[peer] = Math.min(2 * retryPause[peer], MAX_RETRY_NANOS);
        }
    }

    /** A connection from someone who claims to be a higher rank. */
    private final class Inbound extends Pending {
        private byte[] hello;
        private byte[] nonce;
        private int dialer = -1;

        Inbound(SocketChannel channel, long expires) {
            super(channel, expires);
            in = ByteBuffer.allocate(Handshake.HELLO_BYTES);
        }

        @Override
        void ready() {
            try {
                if (pump()) {
                    key.cancel();
                    inbound.remove(this);
                    if (links[dialer] != null) {
                        // The dialer gave up on its earlier connection and tried again: the new one is live.
                        LOG.warn("rank {}: {} connected again; replacing its earlier connection", rank, names[dialer]);
                        Mesh.closeQuietly(links[dialer]);
                    }
                    links[dialer] = channel;
                }
            } catch (IOException e) {
                drop(String.valueOf(e.getMessage()));
            } catch (Handshake.HandshakeException e) {
                drop(e.getMessage());
            }
        }

        @Override
        void received(byte[] message) throws Handshake.HandshakeException {
            if (hello == null) {
                Handshake.Hello claim = Handshake.parseHello(message);
                if (claim.acceptor() != rank || claim.worldSize() != worldSize || claim.dialer() <= rank
                        || claim.dialer() >= worldSize) {
                    throw new Handshake.HandshakeException("claims to be rank " + claim.dialer() + " dialing rank "
                            + claim.acceptor() + " of " + claim.worldSize() + " ranks, but this is rank " + rank
                            + " of " + worldSize + " and accepts only ranks above it");
                }
                hello = message;
                dialer = claim.dialer();
                nonce = nonce();
                out = ByteBuffer.wrap(Handshake.challenge(config.secret(), hello, nonce));
                in = ByteBuffer.allocate(Handshake.PROOF_BYTES);
            } else {
                Handshake.verifyProof(config.secret(), hello, nonce, message);
                out = ByteBuffer.wrap(Handshake.ack());
            }
        }

        void drop(String reason) {
            if (key != null) {
                key.cancel();
            }
            inbound.remove(this);
            String from;
            try {
                from = String.valueOf(channel.getRemoteAddress());
            } catch (IOException e) {
                from = "an unknown address";
            }
            Mesh.closeQuietly(channel);
            LOG.warn("rank {} dropped a connection from {}: it {}", rank, from, reason);
        }
    }
}

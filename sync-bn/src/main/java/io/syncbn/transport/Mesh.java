package io.syncbn.transport;

import io.syncbn.collective.CollectiveException;
import io.syncbn.collective.CollectiveTimeoutException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One rank's authenticated connections to every other rank of the job, and the loop that moves frames
 * over them. All I/O is non-blocking on one selector, driven by the calling thread: an exchange sends
 * one frame and receives one frame at the same time, so two ranks that send each other large frames
 * never deadlock, and no thread is needed besides the caller's. An exchange first polls for a short
 * while ({@link TcpConfig#spin()}), yielding between polls, and only then blocks in the selector.
 *
 * <p>Failure handling: the first rank to notice a failure (a closed or reset connection, a frame that
 * breaks the protocol, a missed deadline, an interrupt) sends an {@link Abort} naming the culprit to
 * every peer and marks the mesh broken; a rank that receives an abort forwards it unchanged and breaks
 * too. So a rank that was waiting on a healthy peer still fails promptly, and names the rank that
 * actually failed. Every later operation fails at once with the first failure's message.
 *
 * <p>Groups made by {@code split} share their parent's mesh; one thread at a time may use it.
 */
final class Mesh implements Closeable {

    /** How long a failing rank keeps trying to hand its abort to a peer whose socket is full. */
    private static final long ABORT_SEND_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final int rank;
    private final String[] names;
    private final Duration timeout;
    private final Link[] links;
    private final Selector selector;
    private final ReentrantLock inUse = new ReentrantLock();
    private final long spinNanos;
    private volatile String broken;
    private volatile boolean closed;

    /**
     * @param rank this rank
     * @param names a description of every rank, "rank 3 (host:port)"
     * @param channels the authenticated, non-blocking connections by rank, null at {@code rank}
     * @param timeout the deadline of each blocking operation
     * @param spin how long an exchange polls before it blocks in the selector
     */
    Mesh(int rank, String[] names, SocketChannel[] channels, Duration timeout, Duration spin) throws IOException {
        this.rank = rank;
        this.names = names.clone();
        this.timeout = timeout;
        this.spinNanos = spin.toNanos();
        this.links = new Link[channels.length];
        this.selector = Selector.open();
        for (int j = 0; j < channels.length; j++) {
            if (channels[j] != null) {
                links[j] = new Link(j, names[j], channels[j]);
                links[j].setKey(channels[j].register(selector, 0, links[j]));
            }
        }
    }

    Duration timeout() {
        return timeout;
    }

    /** "rank 3 (host:port)". */
    String name(int globalRank) {
        return names[globalRank];
    }

    /**
     * Takes the mesh for one operation of the calling thread.
     *
     * @throws CollectiveException if an earlier operation failed
     * @throws IllegalStateException if the mesh is closed or another thread is using it
     */
    void enter(String operation) {
        if (closed) {
            throw new IllegalStateException("rank " + rank + " called " + operation
                    + " after its connections were closed");
        }
        if (broken != null) {
            throw new CollectiveException(broken);
        }
        if (!inUse.tryLock()) {
            throw new IllegalStateException("rank " + rank + " called " + operation + " while another thread was"
                    + " in a collective on the same connections; a collective and the groups split from it must"
                    + " be used by one thread at a time");
        }
    }

    /** Releases the mesh after {@link #enter}. */
    void exit() {
        inUse.unlock();
    }

    /**
     * Sends one frame to {@code to} while receiving one frame from {@code from}, and returns the received
     * payload. Either peer may be -1 (nothing to send, nothing to receive).
     *
     * @param operation the operation, for messages
     * @param header the header of the frame to send, with any size (the payload's size is filled in)
     * @param out the payload to send; consumed
     * @param expect what the received frame must be; checked before its payload is read
     * @param into where an expected payload of fixed size goes; null to allocate one after the check
     * @param start when the operation started, for messages
     * @param deadline when to give up
     * @return the received payload (position 0, limit its size), or null if nothing was received
     */
    ByteBuffer exchange(String operation, int to, Frame.Header header, ByteBuffer out, int from, Frame.Expect expect,
            ByteBuffer into, long start, long deadline) {
        Link sendLink = to < 0 ? null : links[to];
        Incoming incoming = from < 0 ? null : new Incoming(operation, links[from], expect, into);
        boolean sent = sendLink == null;
        if (!sent) {
            sendLink.startFrame(header, out);
        }
        long spinUntil = System.nanoTime() + spinNanos;
        while (true) {
            if (!sent) {
                try {
                    sent = sendLink.writeSome();
                } catch (IOException e) {
                    throw lost(operation, sendLink, e);
                }
            }
            if (incoming != null && !incoming.done) {
                incoming.readSome();
            }
            boolean receiving = incoming != null && !incoming.done;
            if (sent && !receiving) {
                break;
            }
            if (System.nanoTime() - spinUntil < 0) {
                // Yield rather than spin in place: ranks may share cores, and the one we wait for may need ours.
                Thread.yield();
                continue;
            }
            if (sendLink != null && incoming != null && sendLink == incoming.link) {
                sendLink.interest((sent ? 0 : SelectionKey.OP_WRITE) | (receiving ? SelectionKey.OP_READ : 0));
            } else {
                if (sendLink != null) {
                    sendLink.interest(sent ? 0 : SelectionKey.OP_WRITE);
                }
                if (incoming != null) {
                    incoming.link.interest(receiving ? SelectionKey.OP_READ : 0);
                }
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                List<Link> waitedFor = new ArrayList<>();
                if (receiving) {
                    waitedFor.add(incoming.link);
                }
                if (!sent && (!receiving || sendLink != incoming.link)) {
                    waitedFor.add(sendLink);
                }
                throw timedOut(operation, waitedFor, now - start);
            }
            select(deadline - now);
            if (Thread.currentThread().isInterrupted()) {
                String message = "rank " + rank + " was interrupted in " + operation;
                throw breakDown(new CollectiveException(message), new Abort(rank, rank, false, message));
            }
        }
        if (sendLink != null) {
            sendLink.interest(0);
        }
        if (incoming != null) {
            incoming.link.interest(0);
            return incoming.payload;
        }
        return null;
    }

    private void select(long nanos) {
        try {
            selector.select(ceilMillis(nanos));
            selector.selectedKeys().clear();
        } catch (IOException e) {
            String message = "rank " + rank + " could not wait on its connections: " + e;
            throw breakDown(new CollectiveException(message, e), new Abort(rank, rank, false, message));
        }
    }

    /** One frame being received. */
    private final class Incoming {
        final String operation;
        final Link link;
        final Frame.Expect expect;
        final ByteBuffer into;
        ByteBuffer payload;
        boolean abort;
        boolean done;

        Incoming(String operation, Link link, Frame.Expect expect, ByteBuffer into) {
            this.operation = operation;
            this.link = link;
            this.expect = expect;
            this.into = into;
        }

        void readSome() {
            try {
                if (payload == null) {
                    if (!link.readSome(link.headerIn)) {
                        return;
                    }
                    link.headerIn.flip();
                    Frame.Header header = Frame.read(link.headerIn);
                    link.headerIn.clear();
                    payload = allocate(header);
                }
                if (!link.readSome(payload)) {
                    return;
                }
                payload.flip();
                if (abort) {
                    Abort received = Abort.decode(payload, links.length);
                    throw aborted(operation, link, received);
                }
                done = true;
            } catch (IOException e) {
                throw lost(operation, link, e);
            } catch (Frame.ProtocolException e) {
                throw misbehaved(operation, link, e.getMessage());
            }
        }

        /** The buffer for the payload, once the header has been checked. */
        private ByteBuffer allocate(Frame.Header header) throws Frame.ProtocolException {
            if (header.kind() == Frame.Kind.ABORT) {
                if (header.bytes() < 0 || header.bytes() > Abort.MAX_BYTES) {
                    throw new Frame.ProtocolException("announced an abort of " + header.bytes() + " bytes; at most "
                            + Abort.MAX_BYTES + " are allowed");
                }
                abort = true;
                return ByteBuffer.allocate(header.bytes());
            }
            String problem = expect.problem(header);
            if (problem != null) {
                throw new Frame.ProtocolException(problem);
            }
            if (into != null) {
                into.clear().limit(header.bytes());
                return into;
            }
            return ByteBuffer.allocate(header.bytes()).order(Frame.PAYLOAD_ORDER);
        }
    }

    private CollectiveException lost(String operation, Link link, IOException e) {
        Abort lastWords = lastWords(link);
        if (lastWords != null) {
            return aborted(operation, link, lastWords);
        }
        String message = "rank " + rank + " lost " + link.name + " in " + operation + ": " + e.getMessage();
        return breakDown(new CollectiveException(message, e), new Abort(link.peer, rank, false, message));
    }

    /**
     * The abort a peer sent before its connection broke, if it is the next frame and already arrived. A
     * rank that fails tells everyone why and then closes; a peer that learns of it by a failed write
     * would otherwise report a broken pipe instead of the cause.
     */
    private Abort lastWords(Link link) {
        if (link.headerIn.position() != 0) {
            return null;
        }
        try {
            if (!link.readSome(link.headerIn)) {
                return null;
            }
            link.headerIn.flip();
            Frame.Header header = Frame.read(link.headerIn);
            if (header.kind() != Frame.Kind.ABORT || header.bytes() < 0 || header.bytes() > Abort.MAX_BYTES) {
                return null;
            }
            ByteBuffer payload = ByteBuffer.allocate(header.bytes());
            if (!link.readSome(payload)) {
                return null;
            }
            payload.flip();
            return Abort.decode(payload, links.length);
        } catch (IOException | Frame.ProtocolException e) {
            return null;
        }
    }

    private CollectiveException misbehaved(String operation, Link link, String problem) {
        String message = "rank " + rank + " stopped " + operation + ": " + link.name + " " + problem;
        return breakDown(new CollectiveException(message), new Abort(link.peer, rank, false, message));
    }

    private CollectiveException aborted(String operation, Link link, Abort abort) {
        String message = "rank " + rank + " stopped " + operation + " because " + names[abort.origin()]
                + " gave up: " + abort.message();
        CollectiveException e = abort.timeout()
                ? new CollectiveTimeoutException(message, List.of(names[abort.culprit()]))
                : new CollectiveException(message);
        return breakDown(e, abort);
    }

    private CollectiveException timedOut(String operation, List<Link> waitedFor, long waitedNanos) {
        List<String> missing = new ArrayList<>();
        for (Link link : waitedFor) {
            missing.add(link.name);
        }
        CollectiveTimeoutException e = new CollectiveTimeoutException(operation, rank, missing,
                Duration.ofNanos(waitedNanos));
        return breakDown(e, new Abort(waitedFor.get(0).peer, rank, true, e.getMessage()));
    }

    /** Marks the mesh broken, tells every peer, and returns {@code e} for the caller to throw. */
    private CollectiveException breakDown(CollectiveException e, Abort abort) {
        if (broken == null) {
            broken = e.getMessage();
            sendAborts(abort);
        }
        return e;
    }

    /**
     * Best effort: an abort frame to every peer, then the end of this rank's output, so a peer reads the
     * abort before it sees the connection close.
     */
    private void sendAborts(Abort abort) {
        ByteBuffer payload = abort.encode();
        Frame.Header header = new Frame.Header(Frame.Kind.ABORT, Frame.Algorithm.NONE, 0, 0, 0, 0, 0);
        List<Link> pending = new ArrayList<>();
        for (Link link : links) {
            if (link == null) {
                continue;
            }
            link.interest(0);
            if (link.midFrame()) {
                // Whatever follows half a frame would be read as its rest; the peer will see the close instead.
                closeQuietly(link.channel);
                continue;
            }
            link.startFrame(header, payload.duplicate());
            pending.add(link);
        }
        long until = System.nanoTime() + ABORT_SEND_NANOS;
        while (!pending.isEmpty()) {
            for (int i = pending.size() - 1; i >= 0; i--) {
                Link link = pending.get(i);
                try {
                    if (link.writeSome()) {
                        link.channel.shutdownOutput();
                        link.interest(0);
                        pending.remove(i);
                    } else {
                        link.interest(SelectionKey.OP_WRITE);
                    }
                } catch (IOException e) {
                    closeQuietly(link.channel);
                    pending.remove(i);
                }
            }
            long left = until - System.nanoTime();
            if (pending.isEmpty() || left <= 0) {
                break;
            }
            try {
                selector.select(ceilMillis(left));
                selector.selectedKeys().clear();
            } catch (IOException e) {
                break;
            }
        }
        for (Link link : pending) {
            closeQuietly(link.channel);
        }
    }

    /** Closes every connection. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Link link : links) {
            if (link != null) {
                closeQuietly(link.channel);
            }
        }
        closeQuietly(selector);
    }

    /** Milliseconds to pass to {@link Selector#select(long)}: rounded up, and at least 1 (0 means forever). */
    static long ceilMillis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** Closes {@code c}, ignoring failures: used on paths that already report a better error. */
    static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // Nothing useful to do: the resource is being abandoned.
        }
    }
}

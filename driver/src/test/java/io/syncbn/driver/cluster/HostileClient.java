package io.syncbn.driver.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stranger on the network, run as its own process beside a training job: it keeps connecting to
 * every port of the job's collective port range and, whenever a port answers, attacks it one of four
 * ways (one thread each) until a stop file appears; then it prints how often each attack got through
 * to an open port.
 *
 * <ul>
 *   <li>{@code random}: 4 KiB of random bytes;
 *   <li>{@code huge}: a length prefix of 2³¹−1 followed by 1 MiB of zeros;
 *   <li>{@code secret}: a well-formed HELLO claiming to be the highest rank, then a PROOF whose MAC was
 *       made without the job's secret;
 *   <li>{@code idle}: up to 50 connections opened and held without a byte.
 * </ul>
 *
 * Usage: {@code HostileClient HOST FIRST_PORT LAST_PORT WORLD_SIZE STOP_FILE}.
 */
public final class HostileClient {

    static final int IDLE_CONNECTIONS = 50;
    private static final int HELLO_MAGIC = 0x53424E48;
    private static final int PROOF_MAGIC = 0x53424E50;

    private final String host;
    private final int first;
    private final int last;
    private final int worldSize;
    private final Path stop;
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger random4k = new AtomicInteger();
    private final AtomicInteger huge = new AtomicInteger();
    private final AtomicInteger secret = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicInteger idleHeldMax = new AtomicInteger();

    private HostileClient(String host, int first, int last, int worldSize, Path stop) {
        this.host = host;
        this.first = first;
        this.last = last;
        this.worldSize = worldSize;
        this.stop = stop;
    }

    public static void main(String[] args) throws Exception {
        HostileClient c = new HostileClient(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Path.of(args[4]));
        List<Thread> threads = List.of(new Thread(() -> c.loop(c::randomBytes)), new Thread(() -> c.loop(c::hugeLength)),
                new Thread(() -> c.loop(c::wrongSecret)), new Thread(c::holdIdle));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf(Locale.ROOT, "connected random=%d huge=%d secret=%d idle=%d idleHeldMax=%d%n",
                c.random4k.get(), c.huge.get(), c.secret.get(), c.idle.get(), c.idleHeldMax.get());
    }

    private interface Attack {
        void on(Socket socket) throws IOException;
    }

    private boolean running() {
        return !Files.exists(stop);
    }

    private Socket dial(int port) {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), 200);
            s.setSoTimeout(2000);
            return s;
        } catch (IOException e) {
            close(s);
            return null;
        }
    }

    private void loop(Attack attack) {
        while (running()) {
            for (int port = first; port <= last && running(); port++) {
                Socket s = dial(port);
                if (s != null) {
                    try {
                        attack.on(s);
                    } catch (IOException e) {
                        // the rank dropped us: that is the point
                    } finally {
                        close(s);
                    }
                }
            }
            pause(20);
        }
    }

    private void randomBytes(Socket s) throws IOException {
        random4k.incrementAndGet();
        byte[] bytes = new byte[4096];
        random.nextBytes(bytes);
        s.getOutputStream().write(bytes);
        drain(s.getInputStream());
    }

    private void hugeLength(Socket s) throws IOException {
        huge.incrementAndGet();
        OutputStream out = s.getOutputStream();
        out.write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
        byte[] zeros = new byte[64 * 1024];
        for (int i = 0; i < 16; i++) {
            out.write(zeros);
        }
        drain(s.getInputStream());
    }

    private void wrongSecret(Socket s) throws IOException {
        secret.incrementAndGet();
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        int acceptor = random.nextInt(Math.max(1, worldSize - 1));
        s.getOutputStream().write(ByteBuffer.allocate(52).putInt(HELLO_MAGIC).putInt(1).putInt(worldSize - 1)
                .putInt(acceptor).putInt(worldSize).put(nonce).array());
        byte[] challenge = s.getInputStream().readNBytes(68);
        if (challenge.length == 68) {
            byte[] mac = new byte[32];
            random.nextBytes(mac);
            s.getOutputStream().write(ByteBuffer.allocate(36).putInt(PROOF_MAGIC).put(mac).array());
        }
        drain(s.getInputStream());
    }

    private void holdIdle() {
        List<Socket> held = new ArrayList<>();
        while (running()) {
            held.removeIf(s -> {
                try {
                    s.setSoTimeout(1);
                    if (s.getInputStream().read() < 0) {
                        close(s);
                        return true;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    return false;
                } catch (IOException e) {
                    close(s);
                    return true;
                }
                return false;
            });
            for (int port = first; port <= last && held.size() < IDLE_CONNECTIONS; port++) {
                Socket s = dial(port);
                if (s != null) {
                    idle.incrementAndGet();
                    held.add(s);
                }
            }
            idleHeldMax.accumulateAndGet(held.size(), Math::max);
            pause(20);
        }
        held.forEach(HostileClient::close);
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[1024];
        while (in.read(buffer) >= 0) {
            // until the rank closes the connection (or the read times out)
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closed
        }
    }
}

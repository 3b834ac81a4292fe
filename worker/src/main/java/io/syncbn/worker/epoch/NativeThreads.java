package io.syncbn.worker.epoch;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * ND4J's native parallelism (OpenMP and BLAS threads). A barrier task limits it to the cores it owns,
 * so that N tasks on one machine use N × cores threads instead of each one using every core. The
 * setting is process-wide (every task of a stage asks for the same value); with a local master the
 * tasks share the driver's JVM, so the driver {@linkplain #capture() captures} the setting before a
 * stage and restores it after, for its own work (evaluation, export).
 */
public final class NativeThreads {

    /** A captured setting. */
    public record Snapshot(int maxThreads, int maxMasterThreads, int ompThreads, int blasThreads) {

        /** Puts the setting back. */
        public void restore() {
            Nd4j.getEnvironment().setMaxThreads(maxThreads);
            Nd4j.getEnvironment().setMaxMasterThreads(maxMasterThreads);
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(ompThreads);
            Nd4j.factory().blas().setMaxThreads(blasThreads);
        }
    }

    private NativeThreads() {
    }

    /** The current setting. */
    public static Snapshot capture() {
        // Nd4j first: it loads the backend that NativeOpsHolder needs.
        int maxThreads = Nd4j.getEnvironment().maxThreads();
        int maxMasterThreads = Nd4j.getEnvironment().maxMasterThreads();
        int blasThreads = Nd4j.factory().blas().getMaxThreads();
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        return new Snapshot(maxThreads, maxMasterThreads, ops.ompGetMaxThreads(), blasThreads);
    }

    /** Limits every kind of native thread to {@code cores} (at least 1). */
    static void limitTo(int cores) {
        int n = Math.max(1, cores);
        new Snapshot(n, n, n, n).restore();
    }
}

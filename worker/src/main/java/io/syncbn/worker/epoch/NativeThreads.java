package io.syncbn.worker.epoch;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Limits ND4J's native parallelism (OpenMP and BLAS threads) to the cores a task owns, so that N
 * tasks on one machine use N × cores threads instead of each one using every core. The setting is
 * process-wide; every task of a stage asks for the same value.
 */
final class NativeThreads {

    private NativeThreads() {
    }

    static void limitTo(int cores) {
        int n = Math.max(1, cores);
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
    }
}

package io.syncbn.nn.layers;

/**
 * The arithmetic of batch renormalization (S. Ioffe, "Batch Renormalization: Towards Reducing Minibatch
 * Dependence in Batch-Normalized Models", NIPS 2017, Algorithm 1), with Keras's conventions for the
 * averages ({@code renorm_momentum}, the standard deviation kept no smaller than {@code sqrt(eps)},
 * the running statistics following the renormalization averages).
 *
 * <p>Per channel, from the batch statistics {@code muB, sigmaB = sqrt(varB + eps)} and the averages
 * {@code mu, sigma} before the step: {@code r = clip(sigmaB / sigma, 1/rMax, rMax)}, {@code d =
 * clip((muB - mu) / sigma, -dMax, dMax)}; the output is {@code gamma * (xhat * r + d) + beta}, with r
 * and d constants in backpropagation; then {@code mu = m * mu + (1 - m) * muB} and {@code sigma = m *
 * sigma + (1 - m) * sigmaB}.
 */
final class BatchRenorm {

    private BatchRenorm() {
    }

    /**
     * The corrections of one training step.
     *
     * @param r per-channel scale correction
     * @param d per-channel shift correction
     */
    record Correction(double[] r, double[] d) {

        /** {@code gamma * r}: the scale the input gradient sees. */
        double[] scaled(double[] gamma) {
            double[] out = new double[gamma.length];
            for (int c = 0; c < out.length; c++) {
                out[c] = gamma[c] * r[c];
            }
            return out;
        }

        /**
         * The gamma gradient {@code sum(dy * (xhat * r + d))} from the plain sums {@code sum(dy * xhat)}
         * and {@code sum(dy)}.
         */
        double[] gammaGradient(double[] sumDyXhat, double[] sumDy) {
            double[] out = new double[r.length];
            for (int c = 0; c < out.length; c++) {
                out[c] = r[c] * sumDyXhat[c] + d[c] * sumDy[c];
            }
            return out;
        }
    }

    /**
     * A step's corrections and the averages after it.
     *
     * @param correction r and d, from the averages before the step
     * @param averageMean mu after the step
     * @param averageStd sigma after the step
     */
    record Step(Correction correction, double[] averageMean, double[] averageStd) {

        /** What the running variance moves toward: {@code sigma^2 - eps} (Keras), never below 0. */
        double[] runningVarianceTarget(double eps) {
            double[] out = new double[averageStd.length];
            for (int c = 0; c < out.length; c++) {
                out[c] = Math.max(0, averageStd[c] * averageStd[c] - eps);
            }
            return out;
        }
    }

    /**
     * One training step's corrections and updated averages.
     *
     * @param batchMean muB per channel
     * @param batchVariance the biased batch variance per channel
     * @param averageMean mu before the step
     * @param averageStd sigma before the step
     * @param bounds {@code [rMax, dMax]} at this step
     * @param momentum m, Keras convention
     */
    static Step step(double[] batchMean, double[] batchVariance, double[] averageMean, double[] averageStd,
            double eps, double[] bounds, double momentum) {
        int channels = batchMean.length;
        double rMax = bounds[0];
        double dMax = bounds[1];
        double floor = Math.sqrt(eps);
        double[] r = new double[channels];
        double[] d = new double[channels];
        double[] newMean = new double[channels];
        double[] newStd = new double[channels];
        for (int c = 0; c < channels; c++) {
            double batchStd = Math.sqrt(batchVariance[c] + eps);
            double sigma = Math.max(averageStd[c], floor);
            r[c] = Math.min(rMax, Math.max(1 / rMax, batchStd / sigma));
            d[c] = Math.min(dMax, Math.max(-dMax, (batchMean[c] - averageMean[c]) / sigma));
            newMean[c] = momentum * averageMean[c] + (1 - momentum) * batchMean[c];
            newStd[c] = momentum * averageStd[c] + (1 - momentum) * batchStd;
        }
        return new Step(new Correction(r, d), newMean, newStd);
    }
}

package io.syncbn.stats;

/**
 * How far one set of per-channel statistics is from a reference set, in the units normalization
 * works in: the mean shift in reference standard deviations, and the log-ratio of the variances,
 * each averaged over channels. It is 0 when a worker's batch statistics equal the statistics it
 * would get if synchronized (or running statistics equal population statistics), and grows with the
 * noise small batches add (Ioffe &amp; Szegedy 2015, section 3.1; Wu &amp; Johnson 2021, "Rethinking
 * 'Batch' in BatchNorm", section 3).
 *
 * <p>Definitions, for channels c = 1..C and the layer's epsilon ε, with biased variances (the ones
 * batch normalization divides by):
 * <pre>
 *   mean   = (1/C) Σ_c |μ_c − μ_ref,c| / √(σ²_ref,c + ε)
 *   logVar = (1/C) Σ_c |ln((σ²_c + ε) / (σ²_ref,c + ε))|
 * </pre>
 * ε keeps both finite when a batch holds one value per channel (variance 0), exactly as it keeps the
 * normalization finite.
 *
 * @param mean mean over channels of the standardized mean shift
 * @param logVar mean over channels of the absolute log variance ratio
 */
public record StatisticsDivergence(double mean, double logVar) {

    /**
     * The divergence of {@code sample}'s batch statistics from {@code reference}'s.
     *
     * @throws IllegalArgumentException if the channel counts differ or either holds no values
     */
    public static StatisticsDivergence of(ChannelMoments sample, ChannelMoments reference, double eps) {
        if (sample.count() == 0 || reference.count() == 0) {
            throw new IllegalArgumentException("statistics divergence needs values in both sets, but the counts are "
                    + sample.count() + " and " + reference.count());
        }
        return of(sample.mean(), sample.biasedVariance(), reference.mean(), reference.biasedVariance(), eps);
    }

    /**
     * The divergence of statistics {@code (mean, variance)} from reference statistics.
     *
     * @throws IllegalArgumentException if the arrays do not all have the same, non-zero length
     */
    public static StatisticsDivergence of(double[] mean, double[] variance, double[] refMean, double[] refVariance,
            double eps) {
        int channels = mean.length;
        if (channels == 0 || variance.length != channels || refMean.length != channels
                || refVariance.length != channels) {
            throw new IllegalArgumentException("statistics divergence needs per-channel arrays of one length >= 1, "
                    + "but got " + mean.length + ", " + variance.length + ", " + refMean.length + " and "
                    + refVariance.length);
        }
        double shift = 0;
        double logRatio = 0;
        for (int c = 0; c < channels; c++) {
            double ref = refVariance[c] + eps;
            shift += Math.abs(mean[c] - refMean[c]) / Math.sqrt(ref);
            logRatio += Math.abs(Math.log((variance[c] + eps) / ref));
        }
        return new StatisticsDivergence(shift / channels, logRatio / channels);
    }
}

/**
 * Per-channel batch statistics as immutable values: {@link io.syncbn.stats.ChannelMoments} holds
 * {@code (count, mean, M2)} per channel and merges them with the pairwise update of Chan, Golub &amp;
 * LeVeque, which stays accurate where sums of squares cancel (inputs around 1e4 with spread 1e-2);
 * {@link io.syncbn.stats.StatisticsDivergence} measures how far one set of statistics is from another
 * (a worker's from the global batch's, running from population).
 */
package io.syncbn.stats;

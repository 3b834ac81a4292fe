/**
 * Per-channel batch statistics as immutable values: {@link io.syncbn.stats.ChannelMoments} holds
 * {@code (count, mean, M2)} per channel and merges them with the pairwise update of Chan, Golub &amp;
 * LeVeque, which stays accurate where sums of squares cancel (inputs around 1e4 with spread 1e-2).
 */
package io.syncbn.stats;

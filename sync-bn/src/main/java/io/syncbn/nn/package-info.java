/**
 * Entry points for using synchronized batch normalization with DL4J networks: {@link
 * io.syncbn.nn.SyncBatchNorm} attaches a collective to every synchronized layer of a network.
 * The layer itself lives in {@code conf} (configuration), {@code layers} (runtime), {@code params}
 * (parameter layout) and {@code kernel} (arithmetic).
 */
package io.syncbn.nn;

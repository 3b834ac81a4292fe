/**
 * Entry points for using synchronized batch normalization with DL4J networks: {@link
 * io.syncbn.nn.SyncBatchNorm} attaches a collective to every synchronized layer of a network.
 * The layers live in {@code conf} (configuration), {@code layers} (runtime), {@code params}
 * (parameter layout), {@code kernel} (batch-normalization arithmetic), {@code dnnl} (convolution
 * arithmetic on oneDNN) and {@code activations} (a faster ReLU).
 */
package io.syncbn.nn;

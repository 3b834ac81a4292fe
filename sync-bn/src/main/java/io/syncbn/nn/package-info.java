/**
 * Entry points for using synchronized batch normalization with DL4J networks: {@link
 * io.syncbn.nn.SyncBatchNorm} attaches a collective (all workers, or a group) to every synchronized
 * layer of a network; {@link io.syncbn.nn.RunningStatistics} makes the running statistics of groups
 * identical again; {@link io.syncbn.nn.SynchronizationDiagnostics} measures how far each worker's
 * batch statistics are from the global batch's.
 * The layers live in {@code conf} (configuration), {@code layers} (runtime), {@code params}
 * (parameter layout), {@code kernel} (batch-normalization arithmetic), {@code dnnl} (convolution
 * arithmetic on oneDNN) and {@code activations} (a faster ReLU).
 */
package io.syncbn.nn;

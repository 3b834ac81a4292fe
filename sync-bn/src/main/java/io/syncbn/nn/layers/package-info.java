/**
 * DL4J layer implementations: {@link io.syncbn.nn.layers.SyncBatchNormalizationLayer}, the runtime
 * side of {@link io.syncbn.nn.conf.SyncBatchNormalization} (with its backward pass in {@code
 * SynchronizedBackward}, ghost batches — also block-wise inference for diagnostics — in {@code
 * GhostBatchNorm}), and the convolution layers {@link
 * io.syncbn.nn.layers.DnnlConvolution2DLayer} and {@link io.syncbn.nn.layers.DnnlConvolution3DLayer},
 * DL4J's convolution layers with their arithmetic in {@link io.syncbn.nn.dnnl}.
 */
package io.syncbn.nn.layers;

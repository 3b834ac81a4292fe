/**
 * The arithmetic of batch normalization, independent of DL4J's layer API: a tensor is viewed as
 * {@code [outer][channels][inner]} ({@link io.syncbn.nn.kernel.ChannelLayout}), streamed block by
 * block out of ND4J's native memory ({@link io.syncbn.nn.kernel.TensorIO}), and every per-channel
 * statistic is accumulated in double (float tensors sum short chunks in float first). Large float
 * tensors are split by channel between the threads the caller may use. Nothing here communicates;
 * the layer decides what to reduce.
 */
package io.syncbn.nn.kernel;

/**
 * Convolution arithmetic for the project's convolution layers: oneDNN primitives (Intel's Deep Neural
 * Network Library, reached through the JavaCPP preset {@code org.bytedeco:dnnl}) for float32, created
 * once per input shape and kept, with blocked memory layouts inside and plain NCHW/NHWC (NCDHW/NDHWC)
 * at the boundary; libnd4j's {@code conv2d}/{@code conv3dnew} custom ops for float64 (oneDNN has no
 * float64 convolution) and wherever oneDNN cannot be loaded.
 *
 * <p>{@link io.syncbn.nn.dnnl.ConvGeometry} is the shape arithmetic both share (DL4J's convolution
 * modes, asymmetric "same" padding); {@link io.syncbn.nn.dnnl.ConvolutionKernel} is what a layer holds.
 */
package io.syncbn.nn.dnnl;

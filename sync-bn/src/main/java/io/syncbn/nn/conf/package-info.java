/**
 * DL4J layer configurations: {@link io.syncbn.nn.conf.SyncBatchNormalization} and the oneDNN
 * convolutions {@link io.syncbn.nn.conf.DnnlConvolution2D} and {@link
 * io.syncbn.nn.conf.DnnlConvolution3D}, which round-trip through DL4J's JSON configuration and
 * {@code ModelSerializer} like any built-in layer.
 */
package io.syncbn.nn.conf;

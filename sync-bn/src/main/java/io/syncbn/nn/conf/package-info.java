/**
 * DL4J layer configurations: {@link io.syncbn.nn.conf.SyncBatchNormalization}, which round-trips
 * through DL4J's JSON configuration and {@code ModelSerializer} like any built-in layer.
 */
package io.syncbn.nn.conf;

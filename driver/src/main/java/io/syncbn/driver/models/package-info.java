/**
 * The networks the trainer can run, by name: {@link io.syncbn.driver.models.Models} maps {@code
 * fmnist-cnn} (the default), {@code mlp} and {@code cnn3d} to {@link
 * io.syncbn.driver.models.Architecture}s, each of which turns a validated {@link
 * io.syncbn.driver.models.ModelSpec} into a DL4J {@code MultiLayerConfiguration} or the equivalent
 * {@code ComputationGraphConfiguration}. Every architecture normalizes with {@code
 * SyncBatchNormalization} placed before the nonlinearity, after layers without bias (the BN shift
 * replaces it). No Spark code.
 */
package io.syncbn.driver.models;

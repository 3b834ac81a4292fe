/**
 * The training configuration: {@link io.syncbn.driver.config.TrainConfig}, a record that validates
 * itself and round-trips through properties, and {@link io.syncbn.driver.config.ConfigLayers}, which
 * layers the defaults ({@code conf/train.properties}), a {@code --conf} file and command-line flags and
 * says in every refusal which flag or file set the value. No Spark code.
 */
package io.syncbn.driver.config;

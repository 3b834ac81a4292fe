/**
 * The application on the Spark driver: training master, command line, data, runs, checkpoints and
 * reports. Depends on {@code worker}.
 */
package io.syncbn.driver;

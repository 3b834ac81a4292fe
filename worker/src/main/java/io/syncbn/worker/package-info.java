/**
 * What runs inside a Spark barrier task: rendezvous with the other tasks, the network replica and
 * the step loop. Depends on {@code sync-bn}; knows Spark's task side only.
 */
package io.syncbn.worker;

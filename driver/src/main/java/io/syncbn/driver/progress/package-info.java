/**
 * Live training progress on the driver, fed with each global step while a barrier stage runs: a
 * terminal progress bar (me.tongfei progressbar) or, when the output is not a terminal, plain lines at
 * a fixed interval. Both show epoch, step of total, mean loss, accuracy, examples per second and ETA.
 */
package io.syncbn.driver.progress;

/**
 * The small-batch study: a sweep of training runs over per-worker batch, batch-normalization mode
 * and seed at a fixed global batch ({@code syncbn study}), its bookkeeping ({@code study.csv}, resume
 * by cell identity), and its report (charts, {@code report.md}, {@code report.html}).
 */
package io.syncbn.driver.study;

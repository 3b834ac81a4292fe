package io.syncbn.worker.epoch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Cuts a worker's stream of examples into shards of the sizes the epoch plan asks for, holding no
 * more than one shard in memory. Input elements may hold any number of examples; they are split and
 * merged as needed.
 */
final class ShardStream {

    private final Iterator<? extends MultiDataSet> source;
    private final int rank;
    private final List<org.nd4j.linalg.dataset.api.MultiDataSet> pending = new ArrayList<>();
    private long delivered;

    ShardStream(Iterator<? extends MultiDataSet> source, int rank) {
        this.source = source;
        this.rank = rank;
    }

    /** Drops the next {@code n} examples (those of steps already trained). */
    void skip(long n) {
        for (long i = 0; i < n; i++) {
            if (pending.isEmpty()) {
                if (!source.hasNext()) {
                    throw new IllegalStateException("worker " + rank + " ran out of examples while skipping " + n
                            + " already-trained ones; the input RDD changed since the epoch was planned");
                }
                pending.addAll(source.next().asList());
            }
            pending.remove(0);
        }
    }

    /** The next example without taking it, or {@code null} when the stream has none left. */
    MultiDataSet peek() {
        while (pending.isEmpty() && source.hasNext()) {
            pending.addAll(source.next().asList());
        }
        return pending.isEmpty() ? null : pending.get(0);
    }

    /** The next {@code n} examples merged into one shard, or {@code null} when {@code n} is 0. */
    MultiDataSet take(int n) {
        if (n == 0) {
            return null;
        }
        List<org.nd4j.linalg.dataset.api.MultiDataSet> shard = new ArrayList<>(n);
        while (shard.size() < n) {
            if (pending.isEmpty()) {
                if (!source.hasNext()) {
                    throw new IllegalStateException("worker " + rank + " ran out of examples after " + delivered
                            + "; the epoch plan gave it more — the input RDD changed between counting and training "
                            + "(make it deterministic, e.g. cache it)");
                }
                pending.addAll(source.next().asList());
                continue;
            }
            shard.add(pending.remove(0));
            delivered++;
        }
        return shard.size() == 1 ? shard.get(0) : org.nd4j.linalg.dataset.MultiDataSet.merge(shard);
    }
}

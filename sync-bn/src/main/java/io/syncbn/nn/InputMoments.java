package io.syncbn.nn;

import io.syncbn.nn.layers.SyncBatchNormalizationLayer;
import io.syncbn.stats.ChannelMoments;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the per-channel moments of every input some batch-normalization layers normalize, merged
 * exactly over all forward passes while it is open (Chan et al.): population statistics of the layers'
 * inputs. Close it to stop observing.
 */
public final class InputMoments implements AutoCloseable {

    private final List<SyncBatchNormalizationLayer> layers;
    private final List<ChannelMoments> merged = new ArrayList<>();

    private InputMoments(List<SyncBatchNormalizationLayer> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) {
            int at = i;
            merged.add(ChannelMoments.empty((int) this.layers.get(i).layerConf().getNOut()));
            this.layers.get(i).setInputObserver(m -> merged.set(at, merged.get(at).merge(m)));
        }
    }

    /** Starts observing {@code layers}. */
    public static InputMoments observe(List<SyncBatchNormalizationLayer> layers) {
        return new InputMoments(layers);
    }

    /** The merged moments so far, one per layer, in the order given. */
    public List<ChannelMoments> moments() {
        return List.copyOf(merged);
    }

    /** The channel counts of the layers, in the order given. */
    public int[] channels() {
        return merged.stream().mapToInt(ChannelMoments::channels).toArray();
    }

    @Override
    public void close() {
        for (SyncBatchNormalizationLayer layer : layers) {
            layer.setInputObserver(null);
        }
    }
}

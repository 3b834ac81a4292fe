package io.syncbn.driver.spark;

import io.syncbn.transport.JobSecret;
import io.syncbn.transport.TcpConfig;
import io.syncbn.worker.epoch.CollectiveConnector;
import io.syncbn.worker.epoch.TcpBarrierConnector;

/** The default connector: TCP with a fresh random secret per epoch and the master's collective timeout. */
final class TcpConnectors {

    private TcpConnectors() {
    }

    static CollectiveConnector forSettings(SyncTrainingMaster.Settings settings) {
        return new TcpBarrierConnector(new TcpConfig(JobSecret.random()).withTimeout(settings.collectiveTimeout()));
    }
}

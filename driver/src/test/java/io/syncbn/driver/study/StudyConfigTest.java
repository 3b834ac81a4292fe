package io.syncbn.driver.study;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.syncbn.api.BnMode;
import io.syncbn.driver.config.TrainConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The study's plan: cell order and identity, the one-worker reference (where sync, local and group
 * coincide, but ghost BN does not), and the training configuration of each kind of cell.
 */
class StudyConfigTest {

    private static StudyConfig study(List<String> modes) {
        return new StudyConfig(8, List.of(1, 8), modes, List.of(3L), TrainConfig.defaults());
    }

    @Test
    void planListsEachCellOnceWithTheReferenceAndGhostCellsAtOneWorker() {
        List<String> ids = study(List.of("local", "sync", "ghost:2")).cells().stream().map(c -> c.cell().id()).toList();
        assertEquals(List.of("b1-local-s3", "b1-sync-s3", "b1-ghost2-s3", "b8-sync-s3", "b8-ghost2-s3"), ids);
    }

    @Test
    void ghostCellsTrainLocalStatisticsWithVirtualBatchesAndOthersKeepTheirMode() {
        StudyConfig s = study(List.of("group:4", "ghost:2"));
        StudyConfig.PlannedCell group = s.cells().get(0);
        StudyConfig.PlannedCell ghost = s.cells().get(1);
        TrainConfig g = s.trainConfig(group, "out/g");
        TrainConfig h = s.trainConfig(ghost, "out/h");
        assertAll(
                () -> assertEquals(BnMode.group(4), g.bn()),
                () -> assertEquals(0, g.bnVirtualBatch()),
                () -> assertEquals(8, g.workers()),
                () -> assertEquals("local[8]", g.master()),
                () -> assertEquals(BnMode.LOCAL, h.bn()),
                () -> assertEquals(2, h.bnVirtualBatch()),
                () -> assertEquals(3L, h.seed()),
                () -> assertEquals("out/h", h.out()));
    }

    @Test
    void renormCellsTrainLocalStatisticsWithBatchRenormalizationAndOthersNone() {
        StudyConfig s = study(List.of("local", "renorm"));
        List<String> ids = s.cells().stream().map(c -> c.cell().id()).toList();
        TrainConfig local = s.trainConfig(s.cells().get(0), "out/l");
        TrainConfig renorm = s.trainConfig(s.cells().get(1), "out/r");
        assertAll(
                () -> assertEquals(List.of("b1-local-s3", "b1-renorm-s3", "b8-sync-s3"), ids,
                        "one worker: the reference only"),
                () -> assertEquals(BnMode.LOCAL, renorm.bn()),
                () -> assertEquals(new io.syncbn.driver.config.BnRenorm(3, 5, 300), renorm.bnRenorm(),
                        "the default when the study sets no bn-renorm"),
                () -> assertEquals(io.syncbn.driver.config.BnRenorm.NONE, local.bnRenorm()),
                () -> assertEquals("renorm", StudyConfig.mode(" Renorm ")),
                () -> assertEquals("3,5,300", s.sharedSettings().get("bn-renorm"),
                        "a resumed study must renormalize as it did"),
                () -> assertEquals(null, study(List.of("local", "sync")).sharedSettings().get("bn-renorm"),
                        "studies without renorm cells record no renorm setting"));
    }

    @Test
    void modesAreReadInTheirCanonicalForm() {
        assertAll(
                () -> assertEquals("ghost:4", StudyConfig.mode(" Ghost:04 ")),
                () -> assertEquals("group:2", StudyConfig.mode("group:2")),
                () -> assertEquals("bn must be sync, local, group:K or ghost:V with integers K, V >= 1, but got "
                        + "\"ghost:0\"", assertThrows(IllegalArgumentException.class,
                                () -> StudyConfig.mode("ghost:0")).getMessage()));
    }
}

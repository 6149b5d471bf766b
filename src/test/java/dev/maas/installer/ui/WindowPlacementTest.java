package dev.maas.installer.ui;

import dev.maas.installer.ui.model.WindowPlacement;
import dev.maas.installer.ui.model.WindowPlacement.Bounds;
import javafx.geometry.Rectangle2D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the main window opens: a first start fits the screen, later starts where it was left (issue 17, rule 7). */
class WindowPlacementTest {
    @TempDir
    Path dir;

    @Test
    void aFirstStartFitsTheScreenAtMost1400By900Centred() {
        // 1366x768 with a 40 px panel: 90% of the visual bounds, not 1000x600 with a cut header
        Bounds laptop = WindowPlacement.firstStart(new Rectangle2D(0, 0, 1366, 728));
        assertThat(laptop).isEqualTo(new Bounds(68, 36, 1229, 655, false));
        Bounds large = WindowPlacement.firstStart(new Rectangle2D(0, 0, 2560, 1400));
        assertThat(large.width()).isEqualTo(1400);
        assertThat(large.height()).isEqualTo(900);
        assertThat(large.x()).isEqualTo(580);
        assertThat(WindowPlacement.minimum(new Rectangle2D(0, 0, 900, 600))).containsExactly(900, 600);
    }

    @Test
    void theRememberedPlaceIsUsedWhileAScreenShowsIt() throws Exception {
        Path file = dir.resolve("maas-installer/window.properties");
        Rectangle2D primary = new Rectangle2D(0, 0, 1920, 1040);
        Rectangle2D right = new Rectangle2D(1920, 0, 1280, 1024);
        assertThat(WindowPlacement.read(file)).isNull();
        WindowPlacement.write(file, new Bounds(2000, 50, 1100, 700, true));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        Bounds read = WindowPlacement.read(file);
        assertThat(read).isEqualTo(new Bounds(2000, 50, 1100, 700, true));
        assertThat(WindowPlacement.initial(read, List.of(primary, right), primary)).isEqualTo(read);
        // the second screen has gone: the first start's place on the primary one
        assertThat(WindowPlacement.initial(read, List.of(primary), primary))
                .isEqualTo(WindowPlacement.firstStart(primary));
        // larger than the screen it is on: no larger than it, and inside it
        Bounds big = WindowPlacement.initial(new Bounds(100, 10, 2500, 1500, false), List.of(primary), primary);
        assertThat(big).isEqualTo(new Bounds(0, 0, 1920, 1040, false));
        // a broken file is forgotten
        Files.writeString(file, "width=abc\n");
        assertThat(WindowPlacement.read(file)).isNull();
    }

    @Test
    void theFileIsBesideTheThemes() {
        assertThat(WindowPlacement.defaultFile(Map.of("XDG_CONFIG_HOME", "/x/config")::get))
                .isEqualTo(Path.of("/x/config/maas-installer/window.properties"));
    }
}

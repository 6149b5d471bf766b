package dev.maas.installer.ui;

import dev.maas.installer.ui.model.ThemeViewModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The theme preference: light unless dark was remembered, every change remembered in a 0600 file. */
class ThemeViewModelTest {
    @TempDir
    Path dir;

    @Test
    void startsLightWhenNothingIsRememberedAndRemembersEachChange() throws Exception {
        Path file = dir.resolve("config").resolve("maas-installer").resolve("ui.properties");
        ThemeViewModel theme = ThemeViewModel.remembered(file);
        assertThat(theme.isDark()).isFalse();
        assertThat(file).doesNotExist();

        theme.toggle();
        assertThat(theme.isDark()).isTrue();
        assertThat(Files.readString(file)).isEqualTo("theme=dark\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(theme.problemProperty().get()).isEmpty();
        assertThat(ThemeViewModel.remembered(file).isDark()).as("the next start").isTrue();

        theme.darkProperty().set(false);
        assertThat(Files.readString(file)).isEqualTo("theme=light\n");
        assertThat(ThemeViewModel.remembered(file).isDark()).isFalse();
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void aWidelyReadableOldFileIsNarrowedTo0600OnTheNextChange() throws Exception {
        Path file = dir.resolve("ui.properties");
        Files.writeString(file, "# written by hand\ntheme = DARK\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ThemeViewModel theme = ThemeViewModel.remembered(file);
        assertThat(theme.isDark()).isTrue();
        theme.toggle();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void anUnreadableOrStrangeFileMeansLight() throws Exception {
        Path garbage = dir.resolve("garbage");
        Files.write(garbage, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertThat(ThemeViewModel.remembered(garbage).isDark()).isFalse();
        Path other = dir.resolve("other");
        Files.writeString(other, "theme=purple\n");
        assertThat(ThemeViewModel.remembered(other).isDark()).isFalse();
        assertThat(ThemeViewModel.remembered(dir).isDark()).as("a folder").isFalse();
    }

    @Test
    void aChangeThatCannotBeRememberedSaysWhyAndStillSwitches() throws Exception {
        Path blocker = dir.resolve("not-a-folder");
        Files.writeString(blocker, "x");
        ThemeViewModel theme = ThemeViewModel.remembered(blocker.resolve("ui.properties"));
        theme.toggle();
        assertThat(theme.isDark()).isTrue();
        assertThat(theme.problemProperty().get()).startsWith("Could not remember the theme in ");
    }

    @Test
    void lightRemembersNothing() {
        ThemeViewModel theme = ThemeViewModel.light();
        theme.toggle();
        assertThat(theme.isDark()).isTrue();
        assertThat(theme.file()).isNull();
        assertThat(theme.problemProperty().get()).isEmpty();
    }

    @Test
    void theFileLivesInTheUsersConfigFolder() {
        Map<String, String> xdg = Map.of("XDG_CONFIG_HOME", "/x/config", "HOME", "/home/u");
        assertThat(ThemeViewModel.defaultFile(xdg::get)).isEqualTo(Path.of("/x/config/maas-installer/ui.properties"));
        Map<String, String> home = Map.of("HOME", "/home/u", "XDG_CONFIG_HOME", "relative");
        assertThat(ThemeViewModel.defaultFile(home::get))
                .isEqualTo(Path.of("/home/u/.config/maas-installer/ui.properties"));
    }
}

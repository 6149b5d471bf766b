package dev.maas.installer.ui.view;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Links open in the desktop's browser, and a desktop without one is told so (issue 17, rule 8). */
class BrowserTest {
    @TempDir
    Path dir;

    @Test
    void onLinuxTheDesktopsOpenerOnThePathGetsTheLink() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path got = dir.resolve("got");
        Path opener = bin.resolve("xdg-open");
        Files.writeString(opener, "#!/bin/sh\necho \"$@\" > '" + got + "'\n");
        Files.setPosixFilePermissions(opener, PosixFilePermissions.fromString("rwx------"));
        List<String> host = new ArrayList<>();
        new Browser("Linux", Map.of("PATH", dir.resolve("empty") + ":" + bin)::get, host::add)
                .accept("https://example.com/a?b=c");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(Files.exists(got) && Files.size(got) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);   // the script runs on its own
        }
        assertThat(Files.readString(got).strip()).isEqualTo("https://example.com/a?b=c");
        assertThat(host).isEmpty();
    }

    @Test
    void withoutABrowserItSaysSoInsteadOfDoingNothing() {
        List<String> host = new ArrayList<>();
        Browser b = new Browser("Linux", Map.of("PATH", dir.toString())::get, host::add);
        assertThatThrownBy(() -> b.accept("https://example.com")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("no web browser was found (looked for xdg-open, gio,");
        assertThat(host).isEmpty();
    }

    @Test
    void onWindowsTheShellsHandlerOpensIt() {
        List<String> host = new ArrayList<>();
        new Browser("Windows 11", Map.<String, String>of()::get, host::add).accept("https://example.com");
        assertThat(host).containsExactly("https://example.com");
    }
}

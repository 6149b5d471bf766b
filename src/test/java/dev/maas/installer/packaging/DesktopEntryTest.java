package dev.maas.installer.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package's menu entry (jpackage/linux/resources/maas-installer.desktop, jpackage's template with its
 * placeholders) follows the desktop entry spec: no key without a value (jpackage would write an empty
 * {@code MimeType=} for its DESKTOP_MIMES placeholder), one main category, and desktop-file-validate, where the
 * machine has it, has nothing to say about it once the placeholders are filled in.
 */
class DesktopEntryTest {
    private static final Path ENTRY = Path.of("jpackage/linux/resources/maas-installer.desktop");

    @TempDir
    Path tmp;

    private static String filled() throws Exception {
        return Files.readString(ENTRY, StandardCharsets.UTF_8)
                .replace("APPLICATION_DESCRIPTION", "Installs Models as a Service on OpenShift")
                .replace("APPLICATION_LAUNCHER", "/opt/maas-installer/bin/maas-installer")
                .replace("APPLICATION_ICON", "/opt/maas-installer/lib/maas-installer.png");
    }

    @Test
    void everyKeyHasAValueAndThereIsOneMainCategory() throws Exception {
        List<String> lines = filled().lines().toList();
        assertThat(lines.get(0)).isEqualTo("[Desktop Entry]");
        for (String line : lines.subList(1, lines.size())) {
            assertThat(line).as("a key=value line").matches("[A-Za-z0-9-]+=.+");
        }
        assertThat(lines).noneMatch(l -> l.startsWith("MimeType")).contains("Type=Application", "Terminal=false");
        String categories = lines.stream().filter(l -> l.startsWith("Categories=")).findFirst().orElseThrow();
        List<String> main = List.of("AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics",
                "Network", "Office", "Science", "Settings", "System", "Utility");
        assertThat(Arrays.stream(categories.substring("Categories=".length()).split(";")).filter(main::contains))
                .hasSize(1);
    }

    @Test
    void desktopFileValidateAcceptsItWhereTheMachineHasIt() throws Exception {
        Path validator = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "desktop-file-validate")).filter(Files::isExecutable).findFirst().orElse(null);
        if (validator == null) {
            return; // the spec checks above still ran; CI installs desktop-file-utils
        }
        Path file = tmp.resolve("maas-installer.desktop");
        Files.writeString(file, filled(), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(validator.toString(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as("desktop-file-validate's errors, warnings and hints").isEmpty();
    }
}

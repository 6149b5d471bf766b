package dev.maas.installer.stages.portal;

import dev.maas.installer.portal.DesiredPortal;
import dev.maas.installer.portal.PortalTree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Our own MaaS portal content ({@code installer-assets/portal}), which the build copies onto the class path
 * (pom.xml, resources). Read from wherever the class path has it (a folder while developing, the jar, or the jlink
 * image) by copying it into a temporary folder, reading that with {@link PortalTree}, and deleting the copy.
 */
public final class DefaultPortalContent {
    /** The class-path folder. */
    public static final String RESOURCE = "/installer-assets/portal";

    private DefaultPortalContent() { }

    /** Reads our default content. */
    public static DesiredPortal read() {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("maas-portal-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the default portal content", e);
        }
        try {
            copyTo(tmp);
            DesiredPortal read = PortalTree.read(tmp);
            // the problems and items name files relative to the folder, so the temporary root does not leak into
            // messages except as DesiredPortal.root(); give the class-path name instead
            return new DesiredPortal(Path.of("installer-assets", "portal"), read.sections(), read.templates(),
                    read.files(), read.problems());
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Copies the class-path folder into {@code target} (an existing, empty folder). */
    public static void copyTo(Path target) {
        URL url = DefaultPortalContent.class.getResource(RESOURCE);
        if (url == null) {
            throw new IllegalStateException("the default portal content " + RESOURCE + " is not on the class path;"
                    + " the installer was built without installer-assets/portal");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                boolean close = false;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                    close = true;
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                try {
                    copyTree(fs.provider().getPath(uri), target);
                } finally {
                    if (close) {
                        fs.close();
                    }
                }
            } else {
                copyTree(Path.of(uri), target);
            }
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad class-path URL " + url, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the default portal content from " + url, e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(source)) {
            all = walk.toList();
        }
        for (Path p : all) {
            String rel = source.relativize(p).toString();
            if (rel.isEmpty()) {
                continue;
            }
            Path dest = target;
            for (String part : rel.split("[/\\\\]")) {
                dest = dest.resolve(part);
            }
            if (Files.isDirectory(p)) {
                Files.createDirectories(dest);
            } else {
                Files.createDirectories(dest.getParent());
                Files.copy(p, dest);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the OS cleans its temporary folder
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}

package dev.maas.installer.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the docs that messages point to are: in the installed package, the app folder's {@code lib/docs} (the
 * package ships them, see jpackage/build-linux.sh), named by absolute path so that a user of the menu entry or of
 * {@code maas-installer} on the PATH can open them; run from the sources, {@code docs/}. The CLI's help texts read
 * the folder from the system property {@value #PROPERTY}, which {@link #install()} sets.
 */
public final class Docs {
    /** The system property that holds the docs folder, for picocli's {@code ${sys:maas.docs}} in help texts. */
    public static final String PROPERTY = "maas.docs";

    private Docs() { }

    /** The docs folder: the package's {@code lib/docs} when it is there, else {@code docs}. */
    public static String folder() {
        String app = System.getProperty("jpackage.app-path"); // set by jpackage's launcher: <app>/bin/<name>
        if (app != null && !app.isBlank()) {
            Path bin = Path.of(app).toAbsolutePath().getParent();
            Path docs = bin == null || bin.getParent() == null ? null : bin.getParent().resolve("lib").resolve("docs");
            if (docs != null && Files.isDirectory(docs)) {
                return docs.toString();
            }
        }
        return "docs";
    }

    /** A doc by file name, e.g. {@code cli.md}: {@code /opt/maas-installer/lib/docs/cli.md} in the package. */
    public static String file(String name) {
        return folder() + "/" + name;
    }

    /** Sets {@value #PROPERTY} (unless given) so that help texts name the docs where they are. */
    public static void install() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, folder());
        }
    }
}

package dev.maas.installer.ui;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads the classes of the wizard's pages and views, and the JavaFX skins they use, on a background thread, so that
 * the JavaFX thread does not read, define and verify them when it first builds or shows a page. Classes are loaded
 * without being initialised (no static initialiser runs here: JavaFX's own run on the JavaFX thread, as before).
 * <p>
 * The wizard's classes are found by listing its own code source (the classes folder, or the application jar) under
 * {@link #PACKAGES}. It then parses a small kubeconfig in memory ({@code Kubeconfigs.warmUp}), which loads and
 * initialises the YAML classes the Connect page's list of contexts needs. A class that cannot be loaded is skipped: this only moves work earlier, the JavaFX thread would
 * load the same classes on first use anyway.
 */
final class ClassPreloader {
    /** The wizard's packages whose classes a page's first show needs. */
    static final List<String> PACKAGES = List.of("dev/maas/installer/ui/view/", "dev/maas/installer/ui/pages/",
            "dev/maas/installer/ui/model/");

    /** JavaFX skins and the classes they make, as the wizard's pages use them (javafx.controls). */
    static final List<String> JAVAFX = List.of(
            "javafx.scene.control.skin.TextFieldSkin", "javafx.scene.control.skin.TextInputControlSkin",
            "com.sun.javafx.scene.control.behavior.TextFieldBehavior",
            "javafx.scene.control.skin.TextAreaSkin", "com.sun.javafx.scene.control.behavior.TextAreaBehavior",
            "javafx.scene.control.skin.ComboBoxListViewSkin", "javafx.scene.control.skin.ComboBoxPopupControl",
            "com.sun.javafx.scene.control.behavior.ComboBoxListViewBehavior",
            "javafx.scene.control.skin.ChoiceBoxSkin", "javafx.scene.control.skin.CheckBoxSkin",
            "javafx.scene.control.skin.RadioButtonSkin", "javafx.scene.control.skin.HyperlinkSkin",
            "javafx.scene.control.skin.ProgressIndicatorSkin", "javafx.scene.control.skin.ProgressBarSkin",
            "javafx.scene.control.skin.TitledPaneSkin", "javafx.scene.control.skin.ScrollPaneSkin",
            "javafx.scene.control.skin.SpinnerSkin", "javafx.scene.control.skin.TooltipSkin",
            "javafx.scene.control.skin.MenuButtonSkin", "javafx.scene.control.skin.ContextMenuSkin",
            "javafx.scene.control.skin.ListViewSkin", "javafx.scene.control.skin.ListCellSkin",
            "javafx.scene.control.skin.SeparatorSkin", "javafx.scene.control.skin.SplitPaneSkin",
            "javafx.scene.control.skin.ToggleButtonSkin", "javafx.scene.control.skin.ButtonSkin",
            "javafx.scene.control.skin.LabelSkin", "javafx.scene.control.skin.ScrollBarSkin",
            "javafx.scene.control.Spinner", "javafx.scene.control.TitledPane", "javafx.scene.control.ComboBox",
            "javafx.scene.control.CheckBox", "javafx.scene.control.RadioButton", "javafx.scene.control.Hyperlink",
            "javafx.scene.control.TextArea", "javafx.scene.control.ProgressBar", "javafx.scene.text.TextFlow",
            "javafx.scene.control.PasswordField", "javafx.scene.control.Separator");

    private ClassPreloader() { }

    /** Starts loading on a daemon thread; the future completes with the number of classes loaded. */
    static CompletableFuture<Integer> start() {
        CompletableFuture<Integer> loaded = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            int n = loadAll();
            // the Connect page lists a kubeconfig's contexts on the FX thread (the sandbox's, once it runs)
            dev.maas.installer.cluster.Kubeconfigs.warmUp();
            loaded.complete(n);
        }, "maas-class-preload");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return loaded;
    }

    static int loadAll() {
        ClassLoader loader = ClassPreloader.class.getClassLoader();
        int n = 0;
        for (String name : wizardClasses()) {
            n += load(name, loader);
        }
        for (String name : JAVAFX) {
            n += load(name, javafx.scene.Node.class.getClassLoader());
        }
        return n;
    }

    private static int load(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader);
            return 1;
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return 0;   // the JavaFX thread loads it on first use, as without this
        }
    }

    /** The names of the classes under {@link #PACKAGES} in the wizard's own code source. */
    static List<String> wizardClasses() {
        List<String> names = new ArrayList<>();
        try {
            var source = ClassPreloader.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return names;
            }
            Path where = Path.of(source.getLocation().toURI());
            if (Files.isDirectory(where)) {
                for (String pkg : PACKAGES) {
                    Path dir = where.resolve(pkg);
                    if (Files.isDirectory(dir)) {
                        try (Stream<Path> files = Files.list(dir)) {
                            files.map(f -> where.relativize(f).toString().replace('\\', '/'))
                                    .filter(ClassPreloader::isClass).map(ClassPreloader::className).forEach(names::add);
                        }
                    }
                }
            } else if (Files.isRegularFile(where)) {
                try (JarFile jar = new JarFile(where.toFile())) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        String e = entries.nextElement().getName();
                        if (isClass(e) && PACKAGES.stream().anyMatch(p -> e.startsWith(p)
                                && e.indexOf('/', p.length()) < 0)) {
                            names.add(className(e));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // nothing preloaded: the JavaFX thread loads the classes on first use
        }
        return names;
    }

    private static boolean isClass(String path) {
        return path.endsWith(".class") && !path.endsWith("module-info.class") && !path.endsWith("package-info.class");
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.');
    }
}

package dev.maas.installer.ui.view;

import dev.maas.installer.testing.StartsJavaFx;
import javafx.css.CssMetaData;
import javafx.css.Styleable;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.Region;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The opening stylesheets ({@link Themes#openingStylesheet}) are exactly the rules of their AtlantaFX theme that can
 * style the {@link OpeningView}, generated here from the view's own nodes (after CSS and skins) and the theme, and the
 * opening view looks the same with either: the same value for every CSS property of every node, and the same
 * pixels.
 * <p>
 * When the opening view, the theme or AtlantaFX's version changes, the check of the files fails; make them again with
 * {@code ./mvnw test -Dtest=OpeningThemeFxTest -Dmaas.opening.theme.write=true} and rebuild.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class OpeningThemeFxTest {
    private static final long TIMEOUT_S = 60;
    private static final double WIDTH = 1366;
    private static final double HEIGHT = 800;
    private static final String WRITE_PROPERTY = "maas.opening.theme.write";

    @Start
    void start(Stage window) {
        // the scenes below are not shown; JavaFX only has to be running
    }

    @ParameterizedTest(name = "dark theme: {0}")
    @ValueSource(booleans = {false, true})
    void theOpeningStylesheetIsTheThemesRulesForTheOpeningView(boolean dark) throws Exception {
        ThemeSubset.Names names = fx(() -> names(styled(new OpeningView(dark), Themes.userAgentStylesheet(dark))));
        assertThat(names.styleClasses()).contains("root", "label", "button", "toggle-button", "text");
        ThemeSubset.Subset subset = ThemeSubset.of(read(Objects.requireNonNull(
                Themes.class.getResource(Themes.userAgentStylesheet(dark)))), names);
        assertThat(subset.rules()).as("the theme's rules").isGreaterThan(500);
        assertThat(subset.kept()).as("rules kept for the opening view").isBetween(10, subset.rules() / 10);
        String expected = header(dark, subset) + subset.css();

        String resource = dark ? Themes.OPENING_DARK : Themes.OPENING_LIGHT;
        if (Boolean.getBoolean(WRITE_PROPERTY)) {
            Files.writeString(Path.of("src/main/resources" + resource), expected, StandardCharsets.UTF_8);
        }
        URL shipped = Themes.class.getResource(resource);
        assertThat(shipped).as(resource + " on the class path").isNotNull();
        assertThat(read(shipped)).as("%s is not what the opening view and the theme give now: make it again with"
                + " ./mvnw test -Dtest=OpeningThemeFxTest -D%s=true", resource, WRITE_PROPERTY).isEqualTo(expected);
        URL binary = Themes.class.getResource(Themes.binaryOpeningStylesheet(dark));
        assertThat(binary).as("its binary form beside it (exec-maven-plugin, process-classes)").isNotNull();
    }

    @ParameterizedTest(name = "dark theme: {0}")
    @ValueSource(booleans = {false, true})
    void theOpeningViewLooksTheSameInTheOpeningStylesheetAsInTheTheme(boolean dark) throws Exception {
        List<String> differences = fx(() -> {
            Parent themed = styled(new OpeningView(dark), Themes.userAgentStylesheet(dark));
            Parent opening = styled(new OpeningView(dark), Themes.openingStylesheet(dark));
            List<String> found = new ArrayList<>();
            compare(themed, opening, "OpeningView", found);
            return found;
        });
        assertThat(differences).as("CSS property values that differ between the theme and the opening stylesheet")
                .isEmpty();

        int[][] pixels = fx(() -> new int[][] {
                pixels(styled(new OpeningView(dark), Themes.userAgentStylesheet(dark))),
                pixels(styled(new OpeningView(dark), Themes.openingStylesheet(dark)))});
        assertThat(pixels[1]).hasSameSizeAs(pixels[0]);
        int differing = 0;
        for (int i = 0; i < pixels[0].length; i++) {
            if (pixels[0][i] != pixels[1][i]) {
                differing++;
            }
        }
        assertThat(differing).as("pixels that differ between the theme and the opening stylesheet").isZero();
        // not trivially equal: the view draws something (text and buttons on the background)
        assertThat(java.util.Arrays.stream(pixels[0]).distinct().count()).isGreaterThan(10);
    }

    @Test
    void aSelectorIsKeptOnlyWhenEachOfItsStepsCanMatch() {
        ThemeSubset.Names names = new ThemeSubset.Names(java.util.Set.of("Text"),
                java.util.Set.of("root", "button", "accent", "text"), java.util.Set.of("start"));
        assertThat(ThemeSubset.canMatch(".button.accent:hover > .text", names)).isTrue();
        assertThat(ThemeSubset.canMatch(".root Text", names)).isTrue();
        assertThat(ThemeSubset.canMatch("#start:focused", names)).isTrue();
        assertThat(ThemeSubset.canMatch(".button.danger", names)).isFalse();
        assertThat(ThemeSubset.canMatch(".table-view .button", names)).isFalse();
        assertThat(ThemeSubset.canMatch("Label", names)).isFalse();
        ThemeSubset.Subset s = ThemeSubset.of("/* c */ .button, .table-view .button { -fx-a: 1; }\n"
                + ".menu { -fx-b: 2; }\n.root { -fx-c: 3; }", names);
        assertThat(s.rules()).isEqualTo(3);
        assertThat(s.kept()).isEqualTo(2);
        assertThat(s.css()).isEqualTo(".button { -fx-a: 1; }\n.root { -fx-c: 3; }\n");
    }

    /** The root in a scene of the wizard's size, with {@code userAgentStylesheet}, styled and laid out. */
    private static Parent styled(Parent root, String userAgentStylesheet) {
        Scene scene = new Scene(root, WIDTH, HEIGHT);
        scene.setUserAgentStylesheet(userAgentStylesheet);
        root.applyCss();
        root.layout();
        return root;
    }

    private static int[] pixels(Parent root) {
        WritableImage image = root.getScene().snapshot(null);
        int w = (int) image.getWidth();
        int h = (int) image.getHeight();
        int[] argb = new int[w * h];
        image.getPixelReader().getPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), argb, 0, w);
        return argb;
    }

    /** The type selectors, style classes and ids of the root and every node below it. */
    private static ThemeSubset.Names names(Parent root) {
        TreeSet<String> types = new TreeSet<>();
        TreeSet<String> classes = new TreeSet<>();
        TreeSet<String> ids = new TreeSet<>();
        for (Node n : nodes(root, new ArrayList<>())) {
            types.add(n.getTypeSelector());
            classes.addAll(n.getStyleClass());
            if (n.getId() != null) {
                ids.add(n.getId());
            }
        }
        return new ThemeSubset.Names(types, classes, ids);
    }

    private static List<Node> nodes(Node n, List<Node> into) {
        into.add(n);
        if (n instanceof Parent p) {
            for (Node child : p.getChildrenUnmodifiable()) {
                nodes(child, into);
            }
        }
        return into;
    }

    /** Every CSS property of the two trees (built alike) that has different values in them. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void compare(Node a, Node b, String path, List<String> differences) {
        assertThat(b.getClass()).as(path).isEqualTo(a.getClass());
        for (CssMetaData<? extends Styleable, ?> meta : a.getCssMetaData()) {
            Object va = ((CssMetaData) meta).getStyleableProperty(a).getValue();
            Object vb = ((CssMetaData) meta).getStyleableProperty(b).getValue();
            if (!(va instanceof javafx.scene.effect.Effect) && !Objects.deepEquals(va, vb)) {
                differences.add(path + " " + meta.getProperty() + ": " + va + " / " + vb);
            }
        }
        if (a instanceof Region ra && ra.getWidth() != ((Region) b).getWidth()) {
            differences.add(path + " width: " + ra.getWidth() + " / " + ((Region) b).getWidth());
        }
        if (a instanceof Parent pa) {
            List<Node> ca = pa.getChildrenUnmodifiable();
            List<Node> cb = ((Parent) b).getChildrenUnmodifiable();
            assertThat(cb).as(path + " children").hasSameSizeAs(ca);
            for (int i = 0; i < ca.size(); i++) {
                Node child = ca.get(i);
                compare(child, cb.get(i), path + " > " + child.getTypeSelector()
                        + (child.getId() != null ? "#" + child.getId() : "") + child.getStyleClass(), differences);
            }
        }
    }

    private static String header(boolean dark, ThemeSubset.Subset subset) throws IOException {
        String theme = dark ? "primer-dark" : "primer-light";
        return "/*\n"
                + " * The opening stylesheet of AtlantaFX's Primer " + (dark ? "Dark" : "Light") + " theme: the "
                + subset.kept() + " of its " + subset.rules() + " rules\n"
                + " * that can style the wizard's opening view (dev.maas.installer.ui.view.OpeningView), in its order.\n"
                + " * From atlantafx/base/theme/" + theme + ".css of atlantafx-base " + atlantafxVersion()
                + " (AtlantaFX by mkpaz, MIT License,\n"
                + " * https://github.com/mkpaz/atlantafx). Made and checked by OpeningThemeFxTest: do not edit; see\n"
                + " * dev.maas.installer.ui.view.Themes.\n"
                + " */\n";
    }

    private static String atlantafxVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Objects.requireNonNull(OpeningThemeFxTest.class.getResourceAsStream(
                "/META-INF/maven/io.github.mkpaz/atlantafx-base/pom.properties"))) {
            p.load(in);
        }
        return p.getProperty("version");
    }

    private static String read(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static <T> T fx(Callable<T> body) throws Exception {
        return WaitForAsyncUtils.asyncFx(body).get(TIMEOUT_S, TimeUnit.SECONDS);
    }
}

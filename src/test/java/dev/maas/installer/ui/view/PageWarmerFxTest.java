package dev.maas.installer.ui.view;

import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warm-up styles a large page in several steps, a few of its parts at a time, and leaves it whole between steps
 * and after: every part back in its place and order, skinned, the page out of the scene; a page shown for real
 * meanwhile is left as it is.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class PageWarmerFxTest {
    private static final long TIMEOUT_S = 60;

    private StackPane holder;
    private Node shownPage;

    @Start
    void start(Stage window) {
        shownPage = new Label("the page on screen");
        holder = new StackPane(shownPage);
        window.setScene(new Scene(holder, 1000, 700));
        window.show();
    }

    @Test
    void aLargePageIsStyledInSeveralStepsAndIsWholeBetweenThemAndAfter() throws Exception {
        List<List<Node>> made = new ArrayList<>();
        ScrollPane page = fx(() -> largePage(made));
        VBox content = (VBox) page.getContent();
        List<Node> sections = fx(() -> List.copyOf(content.getChildren()));
        PageWarmer warmer = fx(() -> new PageWarmer(holder));
        fx(() -> {
            warmer.add("large page", () -> page);
            warmer.start();
            return null;
        });
        List<String> wholeBetween = new ArrayList<>();
        FxWait.until(TIMEOUT_S, () -> {
            // between two steps: the page is whole and out of the scene
            if (page.getParent() != null || !content.getChildren().equals(sections)
                    || made.stream().anyMatch(row -> row.stream().anyMatch(n -> n.getParent() == null))) {
                wholeBetween.add("not whole after " + warmer.costs().size() + " steps");
            }
            return warmer.doneProperty().get();
        });
        assertThat(wholeBetween).isEmpty();
        List<String> steps = fx(() -> warmer.costs().stream().map(PageWarmer.Cost::step).toList());
        assertThat(steps.get(0)).isEqualTo("large page: build");
        assertThat(steps.stream().filter("large page: style and lay out"::equals).count())
                .as("styled in several steps: " + steps).isGreaterThan(1);
        assertThat(fx(() -> content.getChildren())).containsExactlyElementsOf(sections);
        assertThat(fx(() -> holder.getChildren())).containsExactly(shownPage);
        for (List<Node> row : made) {
            for (Node n : row) {
                if (n instanceof javafx.scene.control.Control c) {
                    assertThat(fx(c::getSkin)).as("skinned by the warm-up: " + c).isNotNull();
                }
                assertThat(fx(() -> n.isVisible() && n.isManaged())).isTrue();
            }
        }
    }

    @Test
    void aPageShownWhileItIsWarmedIsLeftWhole() throws Exception {
        List<List<Node>> made = new ArrayList<>();
        ScrollPane page = fx(() -> largePage(made));
        VBox content = (VBox) page.getContent();
        List<Node> sections = fx(() -> List.copyOf(content.getChildren()));
        PageWarmer warmer = fx(() -> new PageWarmer(holder));
        fx(() -> {
            warmer.add("large page", () -> page);
            warmer.start();
            return null;
        });
        FxWait.until(TIMEOUT_S, () -> warmer.costs().size() >= 2);
        int stepsBefore = fx(() -> {
            warmer.shown(page);
            holder.getChildren().setAll(page);
            return warmer.costs().size();
        });
        FxWait.until(TIMEOUT_S, () -> warmer.doneProperty().get());
        assertThat(fx(() -> warmer.costs().size())).as("at most the step under way ran").isLessThanOrEqualTo(stepsBefore + 1);
        assertThat(fx(() -> content.getChildren())).containsExactlyElementsOf(sections);
        assertThat(fx(() -> page.getParent())).isSameAs(holder);
        assertThat(fx(() -> page.isVisible() && page.isManaged())).isTrue();
        fx(() -> holder.getChildren().setAll(shownPage));
    }

    /** A page of 60 sections (a wrapped text, a form row, a combo box, every tenth a table). */
    private static ScrollPane largePage(List<List<Node>> made) {
        VBox content = new VBox(8);
        for (int i = 0; i < 60; i++) {
            Label text = new Label("Section " + i + ": a long explanation that wraps over several lines at the width"
                    + " of the page, as the stage pages' help texts do, so that laying it out measures it.");
            text.setWrapText(true);
            TextField field = new TextField("value " + i);
            ComboBox<String> choice = new ComboBox<>();
            GridPane form = new GridPane();
            form.addRow(0, new Label("Field " + i), field);
            form.addRow(1, new Label("Choice " + i), choice);
            List<Node> row = new ArrayList<>(List.of(text, field, choice));
            VBox section = new VBox(4, text, form);
            if (i % 10 == 0) {
                TableView<String> table = new TableView<>();
                row.add(table);
                section.getChildren().add(new HBox(table));
            }
            made.add(row);
            content.getChildren().add(section);
        }
        return new ScrollPane(content);
    }

    private static <T> T fx(Callable<T> body) throws Exception {
        return WaitForAsyncUtils.asyncFx(body).get(TIMEOUT_S, TimeUnit.SECONDS);
    }
}

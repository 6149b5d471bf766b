package dev.maas.installer.ui.view;

import dev.maas.installer.engine.Check;
import dev.maas.installer.engine.CheckStatus;
import dev.maas.installer.testing.StartsJavaFx;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.VBox;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stage page's rows are made once per different check or change: a verify that finds what the last one found
 * keeps the rows as they were (no new nodes to style and lay out, a row the user opened stays open), and a changed
 * check replaces its own row only.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class ResultRowsFxTest {
    private static final Check REALM = new Check(CheckStatus.OK, "Realm", "realm maas exists", null);
    private static final Check CLIENT = new Check(CheckStatus.OK, "Client", "client 3scale exists", null);
    private static final Check CLIENT_DRIFTED = new Check(CheckStatus.FAILED_RETRYABLE, "Client",
            "redirect URIs differ", null);

    @Test
    void equalChecksKeepTheirRowsAndAChangedCheckReplacesOnlyItsOwn() throws Exception {
        WaitForAsyncUtils.asyncFx(() -> {
            VBox box = new VBox();
            Label empty = new Label("none");
            ResultRows.fill(box, List.of(REALM, CLIENT), ResultRows::check, ResultRows.checkOrder(), empty);
            List<Node> first = List.copyOf(box.getChildren());
            assertThat(first).hasSize(2);
            ((TitledPane) first.get(0)).setExpanded(true);   // the user opened a row

            box.getChildren().addListener((javafx.collections.ListChangeListener<Node>) c -> {
                throw new AssertionError("the same checks again must not touch the rows");
            });
            ResultRows.fill(box, List.of(new Check(CheckStatus.OK, "Realm", "realm maas exists", null),
                    new Check(CheckStatus.OK, "Client", "client 3scale exists", null)), ResultRows::check,
                    ResultRows.checkOrder(), empty);
            assertThat(box.getChildren()).containsExactlyElementsOf(first);
            assertThat(((TitledPane) first.get(0)).isExpanded()).as("still open").isTrue();

            VBox other = new VBox();
            ResultRows.fill(other, List.of(REALM, CLIENT), ResultRows::check, ResultRows.checkOrder(), empty);
            List<Node> kept = List.copyOf(other.getChildren());
            ResultRows.fill(other, List.of(REALM, CLIENT_DRIFTED), ResultRows::check, ResultRows.checkOrder(), empty);
            assertThat(other.getChildren()).hasSize(2);
            assertThat(other.getChildren().get(0)).as("the failure first, a new row").isNotIn(kept);
            assertThat(((TitledPane) other.getChildren().get(0)).getAccessibleText()).contains("redirect URIs differ");
            assertThat(other.getChildren().get(1)).as("the unchanged check's row kept").isSameAs(kept.get(0));

            ResultRows.fill(other, List.of(), ResultRows::check, ResultRows.checkOrder(), empty);
            assertThat(other.getChildren()).containsExactly(empty);
            return null;
        }).get(30, TimeUnit.SECONDS);
    }
}

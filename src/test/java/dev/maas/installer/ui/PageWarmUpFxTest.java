package dev.maas.installer.ui;

import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.testing.FxWait;
import dev.maas.installer.testing.StartsJavaFx;
import dev.maas.installer.ui.model.WizardViewModel;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ComboBox;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.Mnemonic;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Once the window is shown, the pages not shown yet are built ahead of their first show ({@code MainView
 * .warmUpPages}): each stage's inputs are made once, get their skins in the window's own scene (so the first show
 * finds them styled), and are out of the scene again afterwards, leaving the page on screen, its focus and the
 * window's mnemonics as they were.
 */
@StartsJavaFx
@ExtendWith(ApplicationExtension.class)
class PageWarmUpFxTest {
    private static final long TIMEOUT_S = 30;

    @TempDir
    static Path dir;

    private final TestStage alpha = new TestStage("alpha", 1);
    private final TestStage gamma = new TestStage("gamma", 1, "alpha");
    private final AtomicInteger gammaBuilt = new AtomicInteger();
    private final List<Node> gammaInputs = new ArrayList<>();
    private WizardShell shell;
    private WizardViewModel model;
    private Scene scene;

    @Start
    void start(javafx.stage.Stage window) {
        shell = WizardShell.builder()
                .stages(List.of(alpha, gamma))
                .env(k -> null)
                .home(dir)
                .contextFactory(c -> new StageContext(InstallerConfig.defaults(), new SecretRegistry(), c))
                .page("gamma", new StagePage() {
                    @Override
                    public String description() { return "Gamma has inputs."; }

                    @Override
                    public Node inputs(dev.maas.installer.ui.model.StageViewModel stage, WizardViewModel wizard) {
                        gammaBuilt.incrementAndGet();
                        TextField realm = new TextField("maas");
                        realm.setId("gammaRealm");
                        ComboBox<String> flavour = new ComboBox<>();
                        flavour.setId("gammaFlavour");
                        javafx.scene.control.Button more = new javafx.scene.control.Button("_Gamma more");
                        more.setId("gammaMore");
                        VBox box = new VBox(realm, flavour, more);
                        gammaInputs.add(box);
                        return box;
                    }
                })
                .build();
        model = shell.model();
        scene = shell.scene(1366, 768);
        window.setScene(scene);
        window.show();
    }

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void pagesAreBuiltAndStyledAheadOfTheirFirstShowAndLeaveNothingBehind(FxRobot robot) throws Exception {
        assertThat(model.page()).isEqualTo(WizardViewModel.Page.WELCOME);
        assertThat(gammaBuilt).as("nothing built before the window is shown").hasValue(0);
        Node focusBefore = fx(() -> scene.getFocusOwner());
        Map<KeyCombination, ?> mnemonicsBefore = fx(() -> Map.copyOf(scene.getMnemonics()));

        robot.interact(() -> shell.windowShown());
        FxWait.until(TIMEOUT_S, () -> shell.view().pagesWarmProperty().get());

        assertThat(gammaBuilt).as("gamma's inputs, built once ahead of its page").hasValue(1);
        Node inputs = gammaInputs.get(0);
        assertThat(fx(() -> inputs.getParent())).as("out of the scene again").isNull();
        assertThat(fx(() -> ((TextField) inputs.lookup("#gammaRealm")).getSkin())).as("skinned by the warm-up")
                .isNotNull();
        assertThat(fx(() -> ((ComboBox<?>) inputs.lookup("#gammaFlavour")).getSkin())).isNotNull();
        assertThat(fx(() -> inputs.isVisible() && inputs.isManaged())).as("shown as it was made").isTrue();
        StackPane holder = fx(() -> (StackPane) scene.lookup("#pageHolder"));
        assertThat(fx(() -> holder.getChildren().size())).as("only the shown page in the holder").isEqualTo(1);
        assertThat(fx(() -> scene.lookup("#welcomePage") != null)).as("the welcome page still shown").isTrue();
        assertThat(fx(() -> scene.lookup("#stagePage"))).as("the stage page, built but not shown").isNull();
        assertThat(fx(() -> scene.getFocusOwner())).as("the focus did not move").isSameAs(focusBefore);
        assertThat(fx(() -> Map.copyOf(scene.getMnemonics())).keySet()).as("no mnemonic left by a warmed page")
                .isEqualTo(mnemonicsBefore.keySet());
        List<Mnemonic> alt = fx(() -> {
            List<Mnemonic> all = new ArrayList<>();
            scene.getMnemonics().values().forEach(all::addAll);
            return all;
        });
        assertThat(alt).as("no mnemonic of a page not shown").noneMatch(m -> "gammaMore".equals(m.getNode().getId()));

        // the first show uses what was built: gamma's inputs are not made again
        robot.interact(() -> {
            model.select("gamma");
            model.showStagePage();
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(gammaBuilt).hasValue(1);
        assertThat(fx(() -> scene.lookup("#gammaRealm"))).isSameAs(inputs.lookup("#gammaRealm"));
        assertThat(fx(() -> scene.lookup("#gammaRealm").isVisible())).isTrue();
    }

    private static <T> T fx(java.util.concurrent.Callable<T> body) throws Exception {
        return WaitForAsyncUtils.asyncFx(body).get(TIMEOUT_S, TimeUnit.SECONDS);
    }
}

package dev.maas.installer.ui.pages;

import dev.maas.installer.cluster.DiscoveredModel;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.ui.model.ConfigViewModel;
import dev.maas.installer.ui.model.LogViewModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The model list's view model without a window: edits, validation, write-back and discovery. */
class ModelsPageModelTest {
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-bg"));
    private final ConfigViewModel config = new ConfigViewModel(InstallerConfig.defaults(),
            p -> CompletableFuture.failedFuture(new UnsupportedOperationException()), Runnable::run,
            new LogViewModel());

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    private ModelsPageModel model(java.util.function.Supplier<List<DiscoveredModel>> discovery) {
        return new ModelsPageModel(config, discovery, background, Runnable::run);
    }

    @Test
    void addEditAndRemoveChangeTheConfigurationOfTheNextRun() throws Exception {
        ModelsPageModel m = model(List::of);
        assertThat(m.rows()).isEmpty();
        ModelsPageModel.Row granite = m.add();
        assertThat(m.validProperty().get()).isFalse();
        assertThat(granite.error()).contains("Name: required").contains("URL: required");
        assertThat(config.problems().get("models").stages()).containsExactlyInAnyOrder("preflight", "backends",
                "products", "plans");

        granite.nameProperty().set("Granite 8B");
        granite.urlProperty().set("http://granite.models.svc.cluster.local:8080");
        assertThat(granite.error()).isEmpty();
        assertThat(config.problems()).isEmpty();
        assertThat(config.current().models()).containsExactly(new ModelConfig("Granite 8B", "granite-8b",
                "http://granite.models.svc.cluster.local:8080", null, null));

        Path openapi = Files.writeString(dir.resolve("granite.json"), "{\"openapi\":\"3.0.0\"}");
        granite.systemNameProperty().set("granite");
        granite.openapiProperty().set(openapi.toString());
        ModelsPageModel.Row llama = m.add();
        llama.nameProperty().set("Llama");
        llama.urlProperty().set("https://llama.models.svc:8443");
        assertThat(config.current().models()).containsExactly(
                new ModelConfig("Granite 8B", "granite", "http://granite.models.svc.cluster.local:8080",
                        openapi.toString(), null),
                new ModelConfig("Llama", "llama", "https://llama.models.svc:8443", null, null));

        m.remove(granite);
        assertThat(config.current().models()).containsExactly(
                new ModelConfig("Llama", "llama", "https://llama.models.svc:8443", null, null));
        m.remove(llama);
        assertThat(config.current().models()).isEmpty();
    }

    @Test
    void invalidUrlOrDuplicateNameShowsTheMessageAndStopsTheStagesItFeeds() {
        ModelsPageModel m = model(List::of);
        ModelsPageModel.Row a = m.add();
        a.nameProperty().set("Granite");
        a.urlProperty().set("http://granite:8080");
        assertThat(config.current().models()).hasSize(1);
        assertThat(config.problems()).isEmpty();

        a.urlProperty().set("granite:8080/v1");
        assertThat(a.error()).startsWith("URL: must be an http(s) URL");
        assertThat(m.validProperty().get()).isFalse();
        // the list as shown, never the older URL: the model stages do not run until it is fixed
        assertThat(config.current().models()).extracting(ModelConfig::url).containsExactly("granite:8080/v1");
        assertThat(config.problems()).containsKey("models");
        a.urlProperty().set("http://granite:8080");
        assertThat(a.error()).isEmpty();
        assertThat(config.problems()).isEmpty();

        ModelsPageModel.Row b = m.add();
        b.nameProperty().set("granite");
        b.urlProperty().set("http://other:8080");
        assertThat(a.error()).isEmpty();
        assertThat(b.error()).contains("Name: 'granite' is already used by Model 1");
        assertThat(config.problems().get("models").text()).contains("already used");

        Path missing = dir.resolve("nope.yaml");
        b.openapiProperty().set(missing.toString());
        b.nameProperty().set("Other");
        assertThat(b.error()).contains("OpenAPI file: file not found");
        assertThat(config.problems()).containsKey("models");

        b.openapiProperty().set("");
        assertThat(b.error()).isEmpty();
        assertThat(config.problems()).isEmpty();
        assertThat(config.current().models()).extracting(ModelConfig::name).containsExactly("Granite", "Other");
    }

    @Test
    void showsTheModelsOfTheConfigurationInUse() {
        config.use(new InstallerConfig(null, null, null, null,
                List.of(new ModelConfig("Mistral", "mistral", "http://mistral:80", null, "a model")),
                null, null, null));
        ModelsPageModel m = model(List::of);
        assertThat(m.rows()).hasSize(1);
        assertThat(m.rows().get(0).nameProperty().get()).isEqualTo("Mistral");
        m.rows().get(0).urlProperty().set("http://mistral:8080");
        assertThat(config.current().models()).containsExactly(
                new ModelConfig("Mistral", "mistral", "http://mistral:8080", null, "a model"));
    }

    @Test
    void discoveryRunsOnTheBackgroundExecutorAndAddsTheReadyModels() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        ModelsPageModel m = model(() -> {
            ranOn.set(Thread.currentThread());
            return List.of(
                    new DiscoveredModel("granite", "Granite 8B", "models", true, "http://granite.models.svc:8080"),
                    new DiscoveredModel("llama", "llama", "models", false, null),
                    new DiscoveredModel("mistral", "Mistral", "team", true, "http://mistral.team.svc:8080"));
        });
        ModelsPageModel.Row mine = m.add();
        mine.nameProperty().set("Mistral (mine)");
        mine.systemNameProperty().set("mistral");
        mine.urlProperty().set("http://mistral.mine:8080");

        int added = m.discover().get(10, TimeUnit.SECONDS);
        assertThat(ranOn.get().getName()).isEqualTo("test-bg");
        assertThat(added).isEqualTo(1);
        assertThat(m.rows()).extracting(r -> r.nameProperty().get()).containsExactly("Mistral (mine)", "Granite 8B");
        assertThat(m.discoveryStatusProperty().get()).contains("Found 3").contains("added 1")
                .contains("left out 1");
        assertThat(config.current().models()).extracting(ModelConfig::systemName).containsExactly("mistral", "granite");
        assertThat(m.discoveringProperty().get()).isFalse();
    }

    @Test
    void modelsApicastCannotCallAreLeftOutWithTheReasonAndWhatToDo() throws Exception {
        ModelsPageModel m = model(() -> List.of(
                new DiscoveredModel("granite", "Granite 8B", "models", true, "http://granite.models.svc:8080"),
                new DiscoveredModel("llama", "Llama", "models", true, null, "RawDeployment",
                        "token authentication is on", "turn token authentication off for it")));

        assertThat(m.discover().get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(m.rows()).extracting(r -> r.nameProperty().get()).containsExactly("Granite 8B");
        assertThat(m.discoveryStatusProperty().get()).isEqualTo("Found 2 served models: added 1, left out 1 APIcast"
                + " cannot call as they are: models/llama (token authentication is on; to publish it: turn token"
                + " authentication off for it).");
    }

    @Test
    void aFailedDiscoverySaysWhyAndChangesNothing() throws Exception {
        ModelsPageModel m = model(() -> {
            throw new IllegalStateException("Connect first: the wizard is not connected to a cluster");
        });
        assertThat(m.discover().get(10, TimeUnit.SECONDS)).isZero();
        assertThat(m.discoveryStatusProperty().get()).isEqualTo(
                "Discovery failed: Connect first: the wizard is not connected to a cluster");
        assertThat(m.rows()).isEmpty();
    }

    @Test
    void aConfigurationFileLoadedLaterReplacesTheRows() throws Exception {
        InstallerConfig fromFile = new InstallerConfig(null, null, null, null,
                List.of(new ModelConfig("Phi", "phi", "http://phi:8080", null, null)), null, null, null);
        ConfigViewModel loading = new ConfigViewModel(InstallerConfig.defaults(),
                p -> CompletableFuture.completedFuture(fromFile), Runnable::run, new LogViewModel());
        ModelsPageModel m = new ModelsPageModel(loading, List::of, background, Runnable::run);
        m.add().nameProperty().set("half typed");
        assertThat(loading.load(dir.resolve("maas-installer.yaml")).get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(m.rows()).extracting(r -> r.nameProperty().get()).containsExactly("Phi");
        assertThat(m.validProperty().get()).isTrue();
        assertThat(loading.current()).isSameAs(fromFile);
    }
}

package dev.maas.installer.ui.pages;

import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.config.InstallerConfig;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.e2e.EndToEnd;
import dev.maas.installer.stages.e2e.EndToEndReport;
import dev.maas.installer.ui.model.TryItViewModel;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The summary page's "Try it" in the real wizard: the engine's end-to-end test ({@link EndToEnd}) through a stage
 * context of the shell's factory (connected like a run's). Never on the FX thread.
 */
public final class TryItEngine {
    private TryItEngine() { }

    public static TryItViewModel.Engine engine(Function<Cancellation, StageContext> contexts) {
        return new TryItViewModel.Engine() {
            @Override
            public List<TryItViewModel.Model> models(InstallerConfig config) {
                SsoPage.assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    return DesiredCatalog.of(ctx).stream()
                            .map((ModelProduct m) -> new TryItViewModel.Model(m.modelName(), m.systemName())).toList();
                }
            }

            @Override
            public TryItViewModel.Answer tryModel(InstallerConfig config, String systemName) {
                SsoPage.assertOffFx();
                AtomicReference<String> key = new AtomicReference<>();
                EndToEndReport report;
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    report = EndToEnd.run(ctx, EndToEnd.Options.all().withSignIn(false)
                            .withModels(List.of(systemName)), line -> { }, (model, k) -> key.set(k));
                }
                EndToEndReport.ModelResult m = report.models().get(0);
                String status = switch (m.status()) {
                    case PASS -> m.name() + " answered through the gateway.";
                    case UNREACHABLE -> "This machine cannot reach the gateway: run the command from a machine"
                            + " that can, with a key from the developer portal.";
                    default -> m.name() + " did not answer as it should: " + m.checks().stream()
                            .filter(c -> c.status() == EndToEndReport.Status.FAIL).findFirst()
                            .map(c -> c.message() + (c.fix() == null ? "" : " Fix: " + c.fix())).orElse("");
                };
                return new TryItViewModel.Answer(m.status() == EndToEndReport.Status.PASS, status
                        + (key.get() == null ? "" : " The key was temporary and is removed already."),
                        m.curl(), key.get(), m.answer(), EndToEndReport.lines(m.checks()));
            }

            @Override
            public TryItViewModel.Report testAll(InstallerConfig config) {
                SsoPage.assertOffFx();
                try (StageContext ctx = contexts.apply(new Cancellation())) {
                    EndToEndReport report = EndToEnd.run(ctx, EndToEnd.Options.all(), line -> { });
                    return new TryItViewModel.Report(report.allPass(), report.toText(ctx.secrets()));
                }
            }
        };
    }
}

package dev.maas.installer.ui.pages;

import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.engine.StageException;
import dev.maas.installer.stages.usage.UsageReport;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.ui.model.UsageViewModel;

import java.util.List;
import java.util.function.Function;

/**
 * The summary page's usage panel in the real wizard: the engine's {@link UsageReport} (3scale's analytics, as
 * {@code maas-installer usage} reads them) through a stage context of the shell's factory, connected like a run's.
 * Never on the FX thread.
 */
public final class UsageEngine {
    private UsageEngine() { }

    public static UsageViewModel.Engine engine(Function<Cancellation, StageContext> contexts) {
        return (config, since, until, cancellation) -> {
            SsoPage.assertOffFx();
            try (StageContext ctx = contexts.apply(cancellation)) {
                return usage(UsageReport.read(ctx, List.of(), since, until));
            } catch (StageException e) {
                throw new UsageViewModel.Unreadable(e.getMessage(), e.fix() == null ? null : e.fix().hint());
            } catch (ThreescaleApiException e) {
                throw new UsageViewModel.Unreadable("3scale's Analytics API answered: " + e.getMessage(),
                        "Check that 3scale's system-app pods are running and ready, then press Refresh.");
            }
        };
    }

    static UsageViewModel.Usage usage(UsageReport report) {
        return new UsageViewModel.Usage(report.models().stream().map(m -> new UsageViewModel.ModelUsage(m.name(),
                m.systemName(), counts(m.counts()), m.applications().stream().map(a -> new UsageViewModel.AppUsage(
                        a.name(), a.plan(), a.account(), counts(a.counts()))).toList())).toList());
    }

    private static UsageViewModel.Counts counts(UsageReport.Counts c) {
        return c == null ? null : new UsageViewModel.Counts(c.requests(), c.promptTokens(), c.completionTokens(),
                c.totalTokens());
    }
}

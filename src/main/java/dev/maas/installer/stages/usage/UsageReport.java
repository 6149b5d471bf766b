package dev.maas.installer.stages.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.ModelCatalog;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.TokenMetrics;
import dev.maas.installer.engine.StageContext;
import dev.maas.installer.stages.common.DesiredCatalog;
import dev.maas.installer.stages.common.ThreescaleAccess;
import dev.maas.installer.stages.e2e.EndToEnd;
import dev.maas.installer.threescale.Analytics;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The usage of the models for the platform engineer, read from 3scale's analytics ({@link Analytics}): per model,
 * its requests ({@code hits}) and tokens (the token usage policy's metrics) from {@code since} to {@code until},
 * in all and per application with traffic. A product without token metrics (no tier limits tokens, so its chain does
 * not meter them) has no token counts ({@code null}). What the CLI's {@code usage} and a wizard panel show.
 *
 * @param models one entry per model, in the configuration's order
 */
public record UsageReport(Instant since, Instant until, List<ModelUsage> models) {
    /** Counts of one model or application; token counts are null when the product does not meter tokens. */
    public record Counts(long requests, Long promptTokens, Long completionTokens, Long totalTokens) { }

    /** One application with traffic in the range. */
    public record AppUsage(long id, String name, String plan, String account, Counts counts) { }

    public record ModelUsage(String name, String systemName, Counts counts, List<AppUsage> applications) { }

    /**
     * Reads the usage of the chosen models ({@code models} by system name; empty: every model) from {@code since}
     * to {@code until}. An unknown model is invalid input naming {@code --model}.
     */
    public static UsageReport read(StageContext ctx, List<String> models, Instant since, Instant until) {
        List<ModelProduct> chosen = EndToEnd.chosenModels(DesiredCatalog.of(ctx), models);
        ThreescaleClient threescale = ThreescaleAccess.client(ctx);
        Map<String, Long> services = new LinkedHashMap<>();
        for (Service s : threescale.services().list()) {
            services.put(s.systemName(), s.id());
        }
        String granularity = Duration.between(since, until).compareTo(Duration.ofDays(2)) <= 0 ? "hour"
                : Duration.between(since, until).compareTo(Duration.ofDays(300)) <= 0 ? "day" : "month";
        Analytics analytics = threescale.analytics();
        List<ModelUsage> out = new ArrayList<>();
        for (ModelProduct m : chosen) {
            ctx.cancellation().throwIfCancelled();
            Long sid = services.get(m.systemName());
            if (sid == null) {
                out.add(new ModelUsage(m.modelName(), m.systemName(), null, List.of()));
                continue;
            }
            boolean tokens = threescale.product(sid).metrics().findBySystemName("total_tokens").isPresent();
            Counts total = counts(metric -> analytics.productUsage(sid, metric, since, until, granularity), tokens);
            List<AppUsage> apps = new ArrayList<>();
            if (total.requests() > 0 || total.totalTokens() != null && total.totalTokens() > 0) {
                for (Analytics.App a : analytics.applications(sid)) {
                    ctx.cancellation().throwIfCancelled();
                    Counts c = counts(metric -> analytics.applicationUsage(a.id(), metric, since, until, granularity),
                            tokens);
                    if (c.requests() > 0 || c.totalTokens() != null && c.totalTokens() > 0) {
                        apps.add(new AppUsage(a.id(), a.name(), a.plan(), a.account(), c));
                    }
                }
            }
            out.add(new ModelUsage(m.modelName(), m.systemName(), total, List.copyOf(apps)));
        }
        return new UsageReport(since, until, List.copyOf(out));
    }

    private static Counts counts(java.util.function.Function<String, Analytics.Series> read, boolean tokens) {
        long hits = read.apply(ModelCatalog.HITS).total();
        if (!tokens) {
            return new Counts(hits, null, null, null);
        }
        List<Long> t = new ArrayList<>();
        for (String metric : TokenMetrics.METRICS.keySet()) {
            try {
                t.add(read.apply(metric).total());
            } catch (ThreescaleApiException e) {
                // a product without the token metrics (no tier limits tokens): porta answers 400 "metric <name>
                // not found" (app/lib/stats/base.rb extract_metric: InvalidParameterError, "metric
                // #{options[:metric_name]} not found"; rendered by stats/data/base_controller.rb); any other 400 is
                // a failure
                if (e.status() != 400 || !String.valueOf(e.getMessage()).contains("metric " + metric + " not found")) {
                    throw e;
                }
                t.add(null);
            }
        }
        return new Counts(hits, t.get(0), t.get(1), t.get(2));
    }

    /** The JSON document of {@code maas-installer usage --output json} (docs/cli-json.md). */
    public String toJson() {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("since", since.toString());
        root.put("until", until.toString());
        ArrayNode ms = root.putArray("models");
        for (ModelUsage m : models) {
            ObjectNode o = ms.addObject();
            o.put("name", m.name());
            o.put("systemName", m.systemName());
            o.put("found", m.counts() != null);
            counts(o, m.counts());
            ArrayNode apps = o.putArray("applications");
            for (AppUsage a : m.applications()) {
                ObjectNode ao = apps.addObject();
                ao.put("id", a.id());
                ao.put("name", a.name());
                ao.put("plan", a.plan());
                ao.put("account", a.account());
                counts(ao, a.counts());
            }
        }
        try {
            return json.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void counts(ObjectNode o, Counts c) {
        if (c == null) {
            o.putNull("requests");
            o.putNull("promptTokens");
            o.putNull("completionTokens");
            o.putNull("totalTokens");
            return;
        }
        o.put("requests", c.requests());
        o.put("promptTokens", c.promptTokens());
        o.put("completionTokens", c.completionTokens());
        o.put("totalTokens", c.totalTokens());
    }

    /** The text table: a line per model, under it a line per application with traffic. */
    public String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"MODEL / APPLICATION", "PLAN", "ACCOUNT", "REQUESTS", "PROMPT", "COMPLETION",
                "TOTAL TOKENS"});
        for (ModelUsage m : models) {
            if (m.counts() == null) {
                rows.add(new String[] {m.systemName(), "", "", "no product", "", "", ""});
                continue;
            }
            rows.add(row(m.systemName(), "", "", m.counts()));
            for (AppUsage a : m.applications()) {
                rows.add(row("  " + a.name() + " (" + a.id() + ")", nz(a.plan()), nz(a.account()), a.counts()));
            }
        }
        int[] width = new int[rows.get(0).length];
        rows.forEach(r -> {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        StringBuilder b = new StringBuilder("Usage from " + since + " to " + until + " (3scale analytics)\n");
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String cell = i >= 3 ? " ".repeat(width[i] - r[i].length()) + r[i]
                        : r[i] + " ".repeat(width[i] - r[i].length());
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        if (models.stream().anyMatch(m -> m.counts() != null && m.counts().totalTokens() == null)) {
            b.append("Tokens: - where the product does not meter them (no tier in plans.tiers limits tokens, so its"
                    + " chain has no llm-token-usage policy).\n");
        }
        return b.toString();
    }

    private static String[] row(String name, String plan, String account, Counts c) {
        return new String[] {name, plan, account, Long.toString(c.requests()), n(c.promptTokens()),
                n(c.completionTokens()), n(c.totalTokens())};
    }

    private static String n(Long v) { return v == null ? "-" : v.toString(); }

    private static String nz(String s) { return s == null ? "" : s; }
}

package dev.maas.installer.stages.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.installer.catalog.ModelProduct;
import dev.maas.installer.catalog.policy.PolicyBundle;
import dev.maas.installer.engine.Cancellation;
import dev.maas.installer.engine.StageIds;
import dev.maas.installer.engine.config.InstallerConfig.TierConfig;
import dev.maas.installer.engine.secrets.SecretRegistry;
import dev.maas.installer.engine.wait.Backoff;
import dev.maas.installer.stages.e2e.EndToEndReport.Check;
import dev.maas.installer.stages.e2e.EndToEndReport.ModelResult;
import dev.maas.installer.stages.e2e.EndToEndReport.Status;
import dev.maas.installer.threescale.Product;
import dev.maas.installer.threescale.ThreescaleApiException;
import dev.maas.installer.threescale.ThreescaleClient;
import dev.maas.installer.threescale.model.Application;
import dev.maas.installer.threescale.model.ApplicationPlan;
import dev.maas.installer.threescale.model.Proxy;
import dev.maas.installer.threescale.model.ProxyConfig;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One model called through its product's production APIcast, the way the portal tells developers to: an application
 * of the temporary developer account on the model's application plan, then {@code GET <endpoint>/v1/models} with
 * the key (200 and a model list), the same with a wrong key (the promoted configuration's "authentication failed"
 * answer, 403 by default), a path no mapping rule matches ("no mapping rule matched", 404 by default), and, when asked,
 * a one-token chat completion or embedding. The error statuses expected are those of the product's promoted
 * configuration ({@code proxy.error_status_*}, as APIcast reads them: gateway/src/apicast/configuration.lua).
 * When the valid key is refused, the promoted configuration is compared with what the products stage sets, so that
 * the report names what differs and which stage repairs it.
 */
final class GatewayCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");
    static final String APPLICATION_NAME = "MaaS installer test";

    /**
     * Where and how to call.
     *
     * @param override  {@code endpoints.apicastProductionUrl}: where to connect instead of the product's host (the
     *                  request still names the product's host); null: the product's URL itself
     * @param planName  the application plan the plans stage makes ({@code plans.name})
     * @param keyWait   how long a fresh key may take to reach the gateway (3scale's backend learns of new
     *                  applications asynchronously) before a refusal counts
     * @param keys      told each model's temporary key (system name, key), for the wizard to show
     */
    record Target(ThreescaleClient threescale, OkHttpClient http, String override, String planName,
                  Duration keyWait, boolean inference, java.util.function.BiConsumer<String, String> keys) { }

    private final Target t;
    private final SecretRegistry secrets;
    private final Cancellation cancellation;

    GatewayCheck(Target target, SecretRegistry secrets, Cancellation cancellation) {
        this.t = target;
        this.secrets = secrets;
        this.cancellation = cancellation;
    }

    /** Tests one model; {@code serviceId} is its product (null: the product does not exist). */
    ModelResult run(ModelProduct want, Long serviceId, long accountId) {
        return run(want, serviceId, accountId, t.planName(), List.of());
    }

    /**
     * Tests one model with a key on {@code planName}, then, when {@code tiers} is not empty, each tier's request
     * limit ({@link TierCheck}) once the model answered.
     */
    ModelResult run(ModelProduct want, Long serviceId, long accountId, String planName, List<TierConfig> tiers) {
        List<Check> checks = new ArrayList<>();
        String name = want.modelName();
        String sn = want.systemName();
        if (serviceId == null) {
            checks.add(Check.fail("product", null, null, "product " + sn + " does not exist",
                    rerun(StageIds.PRODUCTS, "it creates the model's product")));
            return new ModelResult(name, sn, null, Status.FAIL, checks, null, null);
        }
        Product product = t.threescale().product(serviceId);
        Proxy proxy = product.proxy();
        String endpoint = proxy.endpoint() == null ? null : trimDefaultPort(proxy.endpoint());
        if (endpoint == null || endpoint.isBlank()) {
            checks.add(Check.fail("product", null, null, "product " + sn + " has no production gateway URL",
                    rerun(StageIds.PRODUCTS, "it deploys and promotes the product")));
            return new ModelResult(name, sn, null, Status.FAIL, checks, null, null);
        }
        Optional<ProxyConfig> promoted = product.latestConfig(Product.PRODUCTION);
        if (promoted.isEmpty()) {
            checks.add(Check.fail("product", null, null, "product " + sn + " has no configuration promoted to"
                    + " production, so its gateway does not know it", rerun(StageIds.PRODUCTS,
                    "it deploys and promotes the product")));
            return new ModelResult(name, sn, endpoint, Status.FAIL, checks, curl(endpoint, want, "/v1/models"), null);
        }
        JsonNode live = promoted.get().content().path("proxy");
        Optional<ApplicationPlan> plan = product.findApplicationPlan(planName);
        if (plan.isEmpty()) {
            checks.add(Check.fail("application", null, null, "product " + sn + " has no application plan '"
                    + planName + "' to give a key on", rerun(StageIds.PLANS, "it creates the plan")));
            return new ModelResult(name, sn, endpoint, Status.FAIL, checks, curl(endpoint, want, "/v1/models"), null);
        }
        long start = System.nanoTime();
        Application app;
        try {
            app = t.threescale().tenant().createApplication(accountId, plan.get().id(), APPLICATION_NAME,
                    "Temporary application of `maas-installer test`; removed when the test ends");
        } catch (ThreescaleApiException e) {
            checks.add(Check.fail("application", e.status() == 0 ? null : e.status(), SignInCheck.ms(start),
                    "cannot create an application on plan '" + planName + "' of product " + sn + ": "
                            + secrets.redact(e.getMessage()), rerun(StageIds.PLANS, "then run the test again")));
            return new ModelResult(name, sn, endpoint, Status.FAIL, checks, curl(endpoint, want, "/v1/models"), null);
        }
        String key = secrets.register(app.userKey());
        t.keys().accept(sn, key);
        checks.add(Check.pass("application", null, SignInCheck.ms(start), "a key on plan '" + planName + "'"
                + ("live".equals(app.state()) || app.state() == null ? "" : " (application " + app.state() + ")")));
        cancellation.throwIfCancelled();

        // the valid key: 200 and a model list
        Reply ok = callWithKey(endpoint, want, "GET", "/v1/models", key, null, live);
        String answer = null;
        String modelId = null;
        if (ok.failure() != null) {
            checks.add(Check.unreachable("models list", ok.latencyMs(), ok.failure()));
            return new ModelResult(name, sn, endpoint, Status.UNREACHABLE, checks, curl(endpoint, want,
                    "/v1/models"), null);
        }
        JsonNode list = readJson(ok.body());
        if (ok.code() == 200 && list.path("data").isArray()) {
            modelId = list.path("data").path(0).path("id").asText(null);
            answer = firstLines(ok.body());
            checks.add(Check.pass("models list", 200, ok.latencyMs(), "the model list: " + ids(list)));
        } else {
            checks.add(judgeRefusal("models list", ok, want, live, proxy));
        }
        cancellation.throwIfCancelled();

        // a wrong key: the "authentication failed" answer
        int authFailed = live.path("error_status_auth_failed").asInt(403);
        String wrongKey = Marker.random(16);
        Reply wrong = call(endpoint, want, "GET", "/v1/models", wrongKey, null);
        checks.add(wrong.failure() != null ? Check.unreachable("wrong key", wrong.latencyMs(), wrong.failure())
                : wrong.code() == authFailed
                ? Check.pass("wrong key", wrong.code(), wrong.latencyMs(), "refused, as it should be")
                : Check.fail("wrong key", wrong.code(), wrong.latencyMs(), "a wrong key got HTTP " + wrong.code()
                        + " instead of " + authFailed + (wrong.code() / 100 == 2 ? ": the gateway does not check keys"
                        : ""), rerun(StageIds.PRODUCTS, "it sets the product's authentication and promotes it")));
        cancellation.throwIfCancelled();

        // a path no mapping rule matches
        int noMatch = live.path("error_status_no_match").asInt(404);
        String unmapped = "/" + Marker.PREFIX + "unmapped";
        Reply none = call(endpoint, want, "GET", unmapped, key, null);
        checks.add(none.failure() != null ? Check.unreachable("unmapped path", none.latencyMs(), none.failure())
                : none.code() == noMatch
                ? Check.pass("unmapped path", none.code(), none.latencyMs(), "GET " + unmapped + " matched no"
                        + " mapping rule")
                : Check.fail("unmapped path", none.code(), none.latencyMs(), "GET " + unmapped + " got HTTP "
                        + none.code() + " instead of " + noMatch + (none.code() / 100 == 2
                        ? ": a catch-all mapping rule lets every path through to the model" : ""),
                        rerun(StageIds.PRODUCTS, "it sets the product's mapping rules to the model's operations")));

        if (t.inference()) {
            cancellation.throwIfCancelled();
            checks.add(inference(endpoint, want, key, modelId));
        }
        if (!tiers.isEmpty()) {
            if (modelId == null) {
                tiers.forEach(tier -> checks.add(Check.skipped("tier " + tier.name(), tier.name()
                        + ": not exercised, the model list did not answer")));
            } else {
                checks.addAll(new TierCheck(t.threescale(), secrets, cancellation, (k, first) -> {
                    Reply r = first ? callWithKey(endpoint, want, "GET", "/v1/models", k, null, live)
                            : call(endpoint, want, "GET", "/v1/models", k, null);
                    return new TierCheck.Outcome(r.code(), r.failure());
                }).run(serviceId, tiers, live, accountId));
            }
        }
        return new ModelResult(name, sn, endpoint, EndToEndReport.overall(checks), checks,
                curl(endpoint, want, "/v1/models"), answer);
    }

    /** A one-token chat completion, or an embedding when the model only embeds. */
    private Check inference(String endpoint, ModelProduct want, String key, String modelId) {
        boolean chat = mapped(want, "POST", "/v1/chat/completions");
        boolean embed = mapped(want, "POST", "/v1/embeddings");
        if (!chat && !embed) {
            return Check.skipped("inference", "the product maps neither POST /v1/chat/completions nor POST"
                    + " /v1/embeddings");
        }
        if (modelId == null) {
            return Check.skipped("inference", "no model id: the model list did not answer");
        }
        Reply r = null;
        String path = null;
        if (chat) {
            path = "/v1/chat/completions";
            ObjectNode body = JSON.createObjectNode().put("model", modelId);
            body.putArray("messages").addObject().put("role", "user").put("content", "Say OK.");
            body.put("max_tokens", 1);
            r = call(endpoint, want, "POST", path, key, body.toString());
        }
        // an embedding model served with the default operations refuses chat (vLLM: 400 "does not support Chat
        // Completions API"; text-embeddings-inference has no such route): then it is asked for an embedding
        if (embed && (r == null || r.failure() == null && (r.code() == 400 || r.code() == 404
                || r.code() == 422 || r.code() == 501))) {
            path = "/v1/embeddings";
            r = call(endpoint, want, "POST", path, key, JSON.createObjectNode().put("model", modelId)
                    .put("input", "MaaS").toString());
        }
        if (r.failure() != null) {
            return Check.unreachable("inference", r.latencyMs(), r.failure());
        }
        JsonNode answer = readJson(r.body());
        if (r.code() == 200 && answer.path("usage").isObject()) {
            return Check.pass("inference", 200, r.latencyMs(), "POST " + path + " answered, usage "
                    + answer.path("usage"));
        }
        return Check.fail("inference", r.code(), r.latencyMs(), "POST " + path + " got HTTP " + r.code()
                        + (r.code() == 200 ? " without a usage object" : "") + ": " + firstLines(r.body()),
                r.code() >= 500 ? "check that the model's InferenceService is ready and serves " + modelId
                        : rerun(StageIds.PRODUCTS, "it maps the model's operations"));
    }

    private static boolean mapped(ModelProduct want, String method, String path) {
        return want.mappingRules().stream().anyMatch(r -> r.httpMethod().equalsIgnoreCase(method)
                && r.pattern().replaceAll("\\$$", "").equals(path));
    }

    /**
     * What a refused valid key means. The promoted configuration is compared with what the products stage sets:
     * where the key is read ({@code credentials_location}, {@code auth_user_key}) and the remove-bearer policy that
     * turns "Bearer KEY" into the key. When they agree, the product's current settings are compared with the
     * promoted ones (changed but not promoted), else the gateway or the model is named.
     */
    private Check judgeRefusal(String name, Reply r, ModelProduct want, JsonNode promoted, Proxy current) {
        String location = promoted.path("credentials_location").asText("query");
        String userKey = promoted.path("auth_user_key").asText("user_key");
        String wantLocation = want.proxy().credentialsLocation();
        String wantKey = want.proxy().authUserKey();
        String status = "HTTP " + r.code() + " with a valid key";
        if (r.code() == 200) {
            return Check.fail(name, r.code(), r.latencyMs(), "the model answered without a model list: "
                    + firstLines(r.body()), "check that the model's server speaks the OpenAI-compatible API");
        }
        if (!Objects.equals(location, wantLocation) || !userKey.equalsIgnoreCase(wantKey)) {
            return Check.fail(name, r.code(), r.latencyMs(), status + ": the promoted configuration expects the key"
                    + " " + where(location, userKey) + ", the products stage gives it " + where(wantLocation, wantKey),
                    rerun(StageIds.PRODUCTS, "it sets the product's authentication back and promotes it"));
        }
        boolean wantsRemoveBearer = want.policyChain().policies().stream()
                .anyMatch(p -> PolicyBundle.REMOVE_BEARER.equals(p.name()));
        boolean hasRemoveBearer = false;
        for (JsonNode p : promoted.path("policy_chain")) {
            hasRemoveBearer |= PolicyBundle.REMOVE_BEARER.equals(p.path("name").asText());
        }
        if (wantsRemoveBearer && !hasRemoveBearer) {
            return Check.fail(name, r.code(), r.latencyMs(), status + ": the promoted configuration has no "
                    + PolicyBundle.REMOVE_BEARER + " policy, so the gateway takes \"Bearer KEY\" for the key",
                    rerun(StageIds.PRODUCTS, "it sets the product's policy chain and promotes it"));
        }
        if (!Objects.equals(current.credentialsLocation(), location)
                || !userKey.equalsIgnoreCase(Objects.toString(current.authUserKey(), ""))) {
            return Check.fail(name, r.code(), r.latencyMs(), status + ": the products stage's auth settings differ"
                    + " from the promoted configuration", rerun(StageIds.PRODUCTS, "it deploys and promotes them"));
        }
        int authFailed = promoted.path("error_status_auth_failed").asInt(403);
        int noMatch = promoted.path("error_status_no_match").asInt(404);
        if (r.code() == authFailed || r.code() == promoted.path("error_status_auth_missing").asInt(401)) {
            return Check.fail(name, r.code(), r.latencyMs(), status + ": the promoted configuration reads the key"
                    + " where it is sent, yet the gateway refuses it" + (hasRemoveBearer ? "; the "
                    + PolicyBundle.REMOVE_BEARER + " policy may be missing from the APIcast deployment" : ""),
                    hasRemoveBearer ? rerun(StageIds.THREESCALE, "it gives APIcast the custom policies")
                            : "check the application's state in the 3scale admin portal");
        }
        if (r.code() == noMatch) {
            return Check.fail(name, r.code(), r.latencyMs(), status + ": no mapping rule of the promoted"
                    + " configuration matches GET /v1/models", rerun(StageIds.PRODUCTS,
                    "it sets the product's mapping rules and promotes them"));
        }
        if (r.code() >= 500) {
            return Check.fail(name, r.code(), r.latencyMs(), status + ": the gateway could not get an answer from"
                    + " the model (" + firstLines(r.body()) + ")", "check that the model's InferenceService is ready;"
                    + " if its URL changed, rerun `maas-installer apply --stage " + StageIds.BACKENDS + "`");
        }
        return Check.fail(name, r.code(), r.latencyMs(), status + ": " + firstLines(r.body()),
                rerun(StageIds.PRODUCTS, "then run the test again"));
    }

    private static String where(String location, String key) {
        return switch (location) {
            case "headers" -> "in header " + key;
            case "authorization" -> "in the Authorization header";
            default -> "in query parameter " + key;
        };
    }

    // ----------------------------------------------------------------------------------------- calls

    private record Reply(int code, String body, long latencyMs, String failure) { }

    /**
     * The valid key's call: when the promoted configuration reads the key where it is sent, a refusal is retried
     * for up to {@link Target#keyWait()} (3scale's backend learns of a new application a moment after it is made).
     */
    private Reply callWithKey(String endpoint, ModelProduct want, String method, String path, String key,
                              String body, JsonNode promoted) {
        Reply first = call(endpoint, want, method, path, key, body);
        boolean sameAuth = Objects.equals(promoted.path("credentials_location").asText("query"),
                want.proxy().credentialsLocation())
                && promoted.path("auth_user_key").asText("user_key").equalsIgnoreCase(want.proxy().authUserKey());
        int authFailed = promoted.path("error_status_auth_failed").asInt(403);
        if (first.failure() != null || first.code() != authFailed || !sameAuth || t.keyWait().isZero()) {
            return first;
        }
        Reply[] last = {first};
        try {
            return Backoff.of(t.keyWait()).delays(Duration.ofMillis(500), Duration.ofSeconds(3))
                    .cancellation(cancellation).await("the new key to reach the gateway", () -> {
                        Reply r = call(endpoint, want, method, path, key, body);
                        last[0] = r;
                        return r.failure() != null || r.code() != authFailed ? Optional.of(r) : Optional.empty();
                    });
        } catch (java.util.concurrent.TimeoutException e) {
            return last[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return last[0];
        }
    }

    private Reply call(String endpoint, ModelProduct want, String method, String path, String key, String body) {
        HttpUrl product = HttpUrl.get(endpoint);
        HttpUrl base = t.override() == null ? product : HttpUrl.get(t.override());
        HttpUrl.Builder url = base.newBuilder().encodedPath(path);
        Request.Builder b = new Request.Builder();
        if ("query".equals(want.proxy().credentialsLocation())) {
            url.addQueryParameter(want.proxy().authUserKey(), key);
        } else if ("headers".equals(want.proxy().credentialsLocation())
                && !"authorization".equalsIgnoreCase(want.proxy().authUserKey())) {
            b.header(want.proxy().authUserKey(), key);
        } else {
            b.header("Authorization", "Bearer " + key);
        }
        b.url(url.build());
        if (t.override() != null) {
            b.header("Host", hostHeader(product));
        }
        b.method(method, body == null ? null : RequestBody.create(body, APPLICATION_JSON));
        long start = System.nanoTime();
        try (Response r = t.http().newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            return new Reply(r.code(), text, SignInCheck.ms(start), null);
        } catch (UnknownHostException e) {
            return new Reply(0, "", SignInCheck.ms(start), "this machine cannot resolve " + base.host());
        } catch (ConnectException e) {
            return new Reply(0, "", SignInCheck.ms(start), "this machine cannot connect to " + base.host() + ":"
                    + base.port() + " (" + e.getMessage() + ")");
        } catch (SocketTimeoutException e) {
            return new Reply(0, "", SignInCheck.ms(start), "no answer from " + base.host() + " in time");
        } catch (javax.net.ssl.SSLException e) {
            return new Reply(0, "", SignInCheck.ms(start), "the TLS connection to " + base.host() + " failed: "
                    + e.getMessage());
        } catch (IOException e) {
            return new Reply(0, "", SignInCheck.ms(start), "the call to " + base.host() + " failed: "
                    + e.getMessage());
        }
    }

    private static String hostHeader(HttpUrl url) {
        return url.port() == HttpUrl.defaultPort(url.scheme()) ? url.host() : url.host() + ":" + url.port();
    }

    /** The request a developer sends, as the portal documents it; the key is {@code $KEY}. */
    static String curl(String endpoint, ModelProduct want, String path) {
        String location = want.proxy().credentialsLocation();
        String userKey = want.proxy().authUserKey();
        if ("query".equals(location)) {
            return "curl -sS '" + endpoint + path + "?" + userKey + "='\"$KEY\"";
        }
        if ("headers".equals(location) && !"authorization".equalsIgnoreCase(userKey)) {
            return "curl -sS -H \"" + userKey + ": $KEY\" " + endpoint + path;
        }
        return "curl -sS -H \"Authorization: Bearer $KEY\" " + endpoint + path;
    }

    private static String trimDefaultPort(String url) {
        HttpUrl u = HttpUrl.parse(url.trim());
        if (u == null) {
            return url.trim();
        }
        String s = u.scheme() + "://" + hostHeader(u);
        String path = u.encodedPath();
        return "/".equals(path) ? s : s + path.replaceAll("/+$", "");
    }

    private static String ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("data").forEach(d -> ids.add(d.path("id").asText()));
        return ids.isEmpty() ? "(empty)" : String.join(", ", ids);
    }

    /** The first lines of an answer (pretty-printed when it is JSON), for the report and the wizard. */
    static String firstLines(String body) {
        String text = body == null ? "" : body;
        try {
            JsonNode n = JSON.readTree(text);
            if (n != null && n.isContainerNode()) {
                text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
            }
        } catch (IOException e) {
            // not JSON: as it is
        }
        List<String> lines = text.lines().limit(8).toList();
        String out = String.join("\n", lines);
        if (out.length() > 600) {
            out = out.substring(0, 600);
        }
        return text.lines().count() > lines.size() || out.length() < String.join("\n", lines).length()
                ? out + "\n..." : out;
    }

    private static JsonNode readJson(String text) {
        try {
            JsonNode n = JSON.readTree(text == null ? "" : text);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String rerun(String stage, String why) {
        return "rerun `maas-installer apply --stage " + stage + "` (" + why + ")";
    }

}

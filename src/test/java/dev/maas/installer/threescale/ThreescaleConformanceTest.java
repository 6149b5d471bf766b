package dev.maas.installer.threescale;

import dev.maas.installer.sandbox.threescale.OpenApiIndex;
import dev.maas.installer.sandbox.threescale.RequestJournal;
import dev.maas.installer.sandbox.threescale.SimulatorOptions;
import dev.maas.installer.sandbox.threescale.ThreescaleSimulator;
import dev.maas.installer.testing.StartsSandbox;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Every request shape the client can send exists in the reference specs: the path template with that method in the
 * 2.15 spec (2.16 for service subscriptions), and every parameter name defined by that operation. The specs are
 * porta's own ({@code doc/active_docs}), bundled with the simulator; that they are porta's files unchanged is checked
 * against the git blob ids recorded in their PROVENANCE.md.
 */
@StartsSandbox
class ThreescaleConformanceTest {

    private static Path reference() throws Exception {
        Path dir = Path.of(OpenApiIndex.class.getResource("spec/PROVENANCE.md").toURI()).getParent();
        assertThat(dir).as("bundled specs").isDirectory();
        return dir;
    }

    @Test
    void everyRequestShapeIsInTheSpec() throws Exception {
        Path ref = reference();
        OpenApiIndex v215 = OpenApiIndex.of(List.of(ref.resolve("account_management_api.2.15-stable.json"),
                ref.resolve("cms_api.2.15-stable.json"), ref.resolve("policy_registry_api.2.15-stable.json")));
        OpenApiIndex v216 = OpenApiIndex.of(List.of(ref.resolve("account_management_api.2.16-stable.json")));

        List<ThreescaleHttp.RequestShape> shapes = new CopyOnWriteArrayList<>();
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withVersion("2.16"))) {
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
            c.onRequest(shapes::add);
            ClientTour.run(c, sim, true);
            assertThat(sim.journal().entries()).as("the simulator accepted every request (no 422 for a parameter, "
                    + "no unimplemented route)").allSatisfy(e -> assertThat(e.status()).isBetween(200, 299));
        }

        Set<String> covered = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (ThreescaleHttp.RequestShape shape : shapes) {
            assertThat(shape.path()).as("JSON format").endsWith(".json").doesNotContain("?");
            boolean subscriptions = shape.path().contains("/service_subscriptions");
            Optional<OpenApiIndex.Match> match = (subscriptions ? v216 : v215).match(shape.method(), shape.path());
            if (match.isEmpty()) {
                problems.add(shape.method() + " " + shape.path() + " is not in the " + (subscriptions ? "2.16" : "2.15")
                        + " spec");
                continue;
            }
            OpenApiIndex.Operation op = match.get().operation();
            covered.add(op.method() + " " + op.specTemplate());
            for (String param : shape.parameterNames()) {
                if (!op.params().contains(param)) {
                    problems.add(shape.method() + " " + op.specTemplate() + ": parameter '" + param
                            + "' is not defined (" + op.params() + ")");
                }
            }
            for (String required : op.required()) {
                if (!shape.parameterNames().contains(required)) {
                    problems.add(shape.method() + " " + op.specTemplate() + ": required parameter '" + required
                            + "' was not sent");
                }
            }
        }
        assertThat(problems).isEmpty();
        // The client's whole surface was exercised: 75 distinct operations.
        assertThat(covered).contains(
                "GET /admin/api/provider.xml", "PUT /admin/api/provider.xml",
                "GET /admin/api/backend_apis.json", "POST /admin/api/backend_apis.json",
                "PUT /admin/api/backend_apis/{id}.json", "DELETE /admin/api/backend_apis/{id}.json",
                "POST /admin/api/backend_apis/{backend_api_id}/mapping_rules.json",
                "PUT /admin/api/backend_apis/{backend_api_id}/mapping_rules/{id}.json",
                "POST /admin/api/backend_apis/{backend_api_id}/metrics/{metric_id}/methods.json",
                "POST /admin/api/services.xml", "PUT /admin/api/services/{id}.xml",
                "PATCH /admin/api/services/{service_id}/proxy.xml",
                "POST /admin/api/services/{service_id}/proxy/deploy.xml",
                "PUT /admin/api/services/{service_id}/proxy/policies.json",
                "GET /admin/api/services/{service_id}/proxy/configs/{environment}.json",
                "POST /admin/api/services/{service_id}/proxy/configs/{environment}/{version}/promote.json",
                "POST /admin/api/services/{service_id}/backend_usages.json",
                "PUT /admin/api/services/{service_id}/backend_usages/{id}.json",
                "DELETE /admin/api/services/{service_id}/backend_usages/{id}.json",
                "PATCH /admin/api/services/{service_id}/proxy/mapping_rules/{id}.xml",
                "POST /admin/api/services/{service_id}/application_plans.xml",
                "PUT /admin/api/services/{service_id}/application_plans/{id}.xml",
                "PUT /admin/api/services/{service_id}/application_plans/{id}/default.xml",
                "GET /admin/api/services/{id}/service_plans.xml",
                "PUT /admin/api/services/{service_id}/service_plans/{id}/default.xml",
                "POST /admin/api/authentication_providers.xml", "PUT /admin/api/authentication_providers/{id}.xml",
                "GET /admin/api/accounts.xml", "POST /admin/api/accounts/{account_id}/applications.xml",
                "DELETE /admin/api/accounts/{account_id}/applications/{id}.xml",
                "POST /admin/api/signup.xml", "DELETE /admin/api/accounts/{id}.xml",
                "GET /admin/api/accounts/{account_id}/service_subscriptions.json",
                "POST /admin/api/accounts/{account_id}/service_subscriptions.json",
                "GET /admin/api/registry/policies.json", "POST /admin/api/registry/policies.json",
                "PUT /admin/api/registry/policies/{id}.json",
                "POST /admin/api/cms/sections.json", "PUT /admin/api/cms/sections/{id}.json",
                "POST /admin/api/cms/templates.json", "PUT /admin/api/cms/templates/{id}.json",
                "PUT /admin/api/cms/templates/{id}/publish.json",
                "POST /admin/api/cms/files.json", "PUT /admin/api/cms/files/{id}.json",
                "GET /admin/api/active_docs.json", "POST /admin/api/active_docs.json",
                "GET /admin/api/active_docs/{id}.json", "PUT /admin/api/active_docs/{id}.json",
                "DELETE /admin/api/active_docs/{id}.json");
    }

    /**
     * The Master API's spec (porta's master_api.json at 3scale-2.15-stable), bundled with the simulator. Tenant Update's body allows additional properties (account fields): org_name is
     * the default account field the stage sets.
     */
    @Test
    void masterApiRequestShapesAreInTheMasterSpec() throws Exception {
        Path spec = Path.of(OpenApiIndex.class.getResource("spec/master_api.2.15-stable.json").toURI());
        OpenApiIndex master = OpenApiIndex.of(List.of(spec));
        List<ThreescaleHttp.RequestShape> shapes = new CopyOnWriteArrayList<>();
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults())) {
            long tenantId = ThreescaleClient.builder(sim.url(), sim.accessToken()).build().tenant().provider().id();
            ThreescaleClient m = ThreescaleClient.builder(sim.url(), sim.masterToken()).build();
            m.onRequest(shapes::add);
            assertThat(m.master().tenant(tenantId)).get().extracting(a -> a.orgName()).isEqualTo("maas");
            assertThat(m.master().updateTenant(tenantId, Map.of("org_name", "ACME")).orgName())
                    .isEqualTo("ACME");
            assertThat(m.master().tenant(tenantId + 1000)).isEmpty();
            assertThat(ThreescaleClient.builder(sim.url(), sim.accessToken()).build().tenant().provider().orgName())
                    .isEqualTo("ACME");
            assertThatCode(() -> ThreescaleClient.builder(sim.url(), sim.accessToken())
                    .retry(RetryPolicy.none()).build().master().tenant(tenantId))
                    .as("the tenant's admin token is not the master token").isInstanceOf(ThreescaleApiException.class);
        }
        assertThat(shapes).isNotEmpty();
        for (ThreescaleHttp.RequestShape shape : shapes) {
            Optional<OpenApiIndex.Match> match = master.match(shape.method(), shape.path());
            assertThat(match).as(shape.method() + " " + shape.path()).isPresent();
            OpenApiIndex.Operation op = match.get().operation();
            for (String param : shape.parameterNames()) {
                assertThat(op.params().contains(param) || (param.equals("org_name")
                        && op.params().contains(OpenApiIndex.ANY_PARAM)))
                        .as(op.method() + " " + op.specTemplate() + " " + param).isTrue();
            }
        }
        assertThat(shapes).extracting(s -> s.method() + " " + master.match(s.method(), s.path()).orElseThrow()
                .operation().specTemplate()).contains("GET /master/api/providers/{id}.xml",
                "PUT /master/api/providers/{id}.xml");
    }

    /** Each bundled spec is porta's file unchanged: its git blob id is the one PROVENANCE.md records from porta. */
    @Test
    void theBundledSpecsArePortasFiles() throws Exception {
        Path dir = reference();
        String provenance = Files.readString(dir.resolve("PROVENANCE.md"));
        Matcher row = Pattern
                .compile("(?m)^\\| ([\\w.-]+\\.json) \\|.*\\| ([0-9a-f]{40}) \\|$").matcher(provenance);
        Map<String, String> blobs = new TreeMap<>();
        while (row.find()) {
            blobs.put(row.group(1), row.group(2));
        }
        try (var files = Files.list(dir)) {
            assertThat(blobs.keySet()).as("every bundled spec has a row").containsExactlyInAnyOrderElementsOf(
                    files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList());
        }
        for (var e : blobs.entrySet()) {
            assertThat(gitBlobId(Files.readAllBytes(dir.resolve(e.getKey())))).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** What {@code git hash-object} prints for these bytes. */
    static String gitBlobId(byte[] content) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(sha1.digest(content));
    }

    @Test
    void journalLinesHaveTheDocumentedShape() throws Exception {
        Path dir = Files.createTempDirectory("sim-journal");
        Path file = ThreescaleSimulator.journalIn(dir);
        try (ThreescaleSimulator sim = ThreescaleSimulator.start(SimulatorOptions.defaults().withJournal(file))) {
            ThreescaleClient c = ThreescaleClient.builder(sim.url(), sim.accessToken()).build();
            c.backends().create("J", "jj", null, "http://j.svc:80"); // porta: two characters at least
            c.services().list();
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        var first = m.readTree(lines.get(0));
        assertThat(first.get("method").asText()).isEqualTo("POST");
        assertThat(first.get("path").asText()).isEqualTo("/admin/api/backend_apis.json");
        assertThat(first.get("params").get("access_token").asText()).isEqualTo(RequestJournal.MASK);
        assertThat(first.get("params").get("system_name").asText()).isEqualTo("jj");
        assertThat(first.get("status").asInt()).isEqualTo(201);
        var second = m.readTree(lines.get(1));
        assertThat(second.get("path").asText()).isEqualTo("/admin/api/services.json");
        assertThat(second.get("params").get("per_page").asText()).isEqualTo("500");
    }
}

package dev.maas.installer.engine;

import dev.maas.installer.engine.config.ConfigException;
import dev.maas.installer.engine.config.ConfigLoader;
import dev.maas.installer.engine.config.ConfigProblem;
import dev.maas.installer.engine.config.InstallerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private InstallerConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml", dir);
    }

    private ConfigProblem onlyProblem(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("expected the config to be rejected");
    }

    @Test
    void emptyFileGivesDefaults() {
        InstallerConfig c = parse("");
        assertThat(c.sso().namespace()).isEqualTo("rh-sso");
        assertThat(c.sso().realm()).isEqualTo("maas");
        assertThat(c.threescale().namespace()).isEqualTo("3scale");
        assertThat(c.threescale().channel()).isEqualTo("threescale-2.15");
        assertThat(c.products().concurrency()).isEqualTo(4);
        assertThat(c.plans().name()).isEqualTo("Standard");
        assertThat(c.models()).isEmpty();
    }

    @Test
    void timezoneConfirmedDefaultsToFalseAndIsReadAsABoolean() {
        assertThat(parse("").threescale().timezoneConfirmed()).isFalse();
        InstallerConfig c = parse("threescale:\n  organizationName: ACME\n  timezoneConfirmed: true\n");
        assertThat(c.threescale().timezoneConfirmed()).isTrue();
        assertThat(c.threescale().organizationName()).isEqualTo("ACME");
        assertThat(ConfigLoader.parse(ConfigLoader.toYaml(c), "round trip", dir).threescale().timezoneConfirmed())
                .isTrue();
    }

    @Test
    void theCommentedExampleInDocsIsValid() throws Exception {
        Path example = Path.of("docs/maas-installer.example.yaml");
        String text = Files.readString(example);
        // the example names OpenAPI files relative to its own folder; give them a home
        InstallerConfig c = ConfigLoader.parse(text.replaceAll("(?m)^\\s*openapi:.*$", ""), example.toString(), dir);
        assertThat(c.models()).isNotEmpty();
        assertThat(c.models()).allSatisfy(m -> assertThat(m.systemName()).isNotBlank());
    }

    @Test
    void systemNameDefaultsToASlugOfTheName() {
        InstallerConfig c = parse("""
                models:
                  - name: Granite 3.0 8B Instruct
                    url: http://granite.models.svc:8080
                """);
        assertThat(c.models().get(0).systemName()).isEqualTo("granite-3-0-8b-instruct");
    }

    @Test
    void unknownKeyNamesThePathAndTheKnownKeys() {
        ConfigProblem p = onlyProblem("sso:\n  relm: maas\n");
        assertThat(p.path()).isEqualTo("sso.relm");
        assertThat(p.message()).contains("unknown key").contains("realm").contains("line 2");
    }

    @Test
    void aKeyGivenTwiceIsAnErrorNotASilentOverride() {
        ConfigProblem p = onlyProblem("endpoints:\n  keycloakUrl: http://a.example\nendpoints:\n  threescaleAdminUrl: http://b.example\n");
        assertThat(p.message()).contains("endpoints").containsIgnoringCase("duplicate");
    }

    @Test
    void aNestedDuplicateKeyNamesItsPath() {
        ConfigProblem p = onlyProblem("plans:\n  name: A\n  name: B\n");
        assertThat(p.path()).isEqualTo("plans.name");
        assertThat(p.message()).contains("duplicate key 'name'").contains("line 3").contains("keep only one");
        ConfigProblem m = onlyProblem("models:\n  - name: a\n    url: http://a\n  - name: b\n    name: c\n");
        assertThat(m.path()).isEqualTo("models[1].name");
    }

    @Test
    void aSyntaxErrorSaysWhatTheParserFoundAndHowToFixIt() {
        ConfigProblem p = onlyProblem("plans:\n\tname: A\n");
        assertThat(p.message()).contains("not valid YAML (line 2").contains("found character '\\t(TAB)'")
                .contains("indented with spaces (no tabs)").doesNotContain("in 'reader'");
    }

    @Test
    void unknownTopLevelKey() {
        assertThat(onlyProblem("modles: []\n").path()).isEqualTo("modles");
    }

    @Test
    void badYamlSaysWhere() {
        ConfigProblem p = onlyProblem("sso:\n  realm: [unclosed\n");
        assertThat(p.message()).contains("line");
    }

    @Test
    void wrongTypeNamesTheField() {
        ConfigProblem p = onlyProblem("products:\n  concurrency: lots\n");
        assertThat(p.path()).isEqualTo("products.concurrency");
        assertThat(p.message()).contains("whole number");
    }

    @Test
    void invalidModelUrlNamesTheIndex() {
        ConfigProblem p = onlyProblem("""
                models:
                  - name: alpha
                    url: http://a.svc
                  - name: beta
                    url: http://b.svc
                  - name: gamma
                    url: ftp://c.svc
                """);
        assertThat(p).hasToString("models[2].url: must be an http(s) URL with a host, e.g. https://host.example.com"
                + " (got 'ftp://c.svc')");
    }

    @Test
    void duplicateNamesAndClashingSystemNames() {
        assertThatThrownBy(() -> parse("""
                models:
                  - name: Granite
                    url: http://a.svc
                  - name: granite
                    systemName: other
                    url: http://b.svc
                  - name: Mistral
                    systemName: granite
                    url: http://c.svc
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                .extracting(ConfigProblem::path)
                .containsExactly("models[1].name", "models[2].systemName"));
    }

    @Test
    void missingFilesAreReportedRelativeToTheConfigFolder() throws Exception {
        Files.writeString(dir.resolve("granite.json"), "{}");
        InstallerConfig ok = parse("models:\n  - name: granite\n    url: http://g.svc\n    openapi: granite.json\n");
        assertThat(ok.models().get(0).openapi()).isEqualTo(dir.resolve("granite.json").toString());
        ConfigProblem p = onlyProblem("portal:\n  contentDir: nowhere\n");
        assertThat(p.path()).isEqualTo("portal.contentDir");
        assertThat(p.message()).contains("folder not found");
    }

    @Test
    void aPolicyFolderNameMustBeADns1123LabelAndItsApicastVolumeNameFitIn63Characters() throws Exception {
        Path underscore = Files.createDirectories(dir.resolve("my_policy"));
        ConfigProblem p = onlyProblem("threescale:\n  policies:\n    - my_policy\n");
        assertThat(p.path()).isEqualTo("threescale.policies[0]");
        assertThat(p.message()).contains("'my_policy'").contains("DNS-1123").contains("rename the folder")
                .contains("'my-policy'");
        assertThat(underscore).exists();

        // policy-<version>-<name>: "policy-" + "100" + "-" + 53 characters = 64 > 63
        String longName = "a".repeat(53);
        Path tooLong = Files.createDirectories(dir.resolve(longName));
        Files.writeString(tooLong.resolve("apicast-policy.json"), "{\"version\": \"1.0.0\"}");
        p = onlyProblem("threescale:\n  policies:\n    - " + longName + "\n");
        assertThat(p.path()).isEqualTo("threescale.policies[0]");
        assertThat(p.message()).contains("policy-100-" + longName).contains("64 characters")
                .contains("Kubernetes allows 63").contains("at most 52 characters");

        Path fits = Files.createDirectories(dir.resolve("a".repeat(52)));
        Files.writeString(fits.resolve("apicast-policy.json"), "{\"version\": \"1.0.0\"}");
        assertThat(parse("threescale:\n  policies:\n    - " + "a".repeat(52) + "\n").threescale().policies())
                .hasSize(1);
    }

    @Test
    void portalSkipKeycloakCertificateVerificationDefaultsToFalseAndIsKeptByTheDefaults() {
        assertThat(parse("").portal().skipKeycloakCertificateVerification()).isFalse();
        assertThat(parse("portal:\n  skipKeycloakCertificateVerification: true\n").portal()
                .skipKeycloakCertificateVerification()).isTrue();
    }

    @Test
    void identityProviderNeedsAnEnvironmentVariableNotASecret() {
        ConfigProblem p = onlyProblem("""
                sso:
                  identityProvider:
                    type: oidc
                    clientId: maas
                    clientSecretEnv: "my secret value"
                    issuer: https://idp.example.com/realms/x
                """);
        assertThat(p.path()).isEqualTo("sso.identityProvider.clientSecretEnv");
        assertThat(p.message()).contains("environment variable");
    }

    @Test
    void identityProviderSecretFromAFileRelativeToTheConfig() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("idp-secret"), "s3cret\n");
        InstallerConfig c = parse("""
                sso:
                  identityProvider:
                    type: oidc
                    clientId: maas
                    clientSecretFile: idp-secret
                    issuer: https://idp.example.com/realms/x
                """);
        assertThat(c.sso().identityProvider().clientSecretFile()).isEqualTo(dir.resolve("idp-secret").toString());
        assertThat(c.sso().identityProvider().clientSecretEnv()).isNull();

        ConfigProblem missing = onlyProblem("""
                sso:
                  identityProvider:
                    type: github
                    clientId: maas
                    clientSecretFile: nowhere
                """);
        assertThat(missing.path()).isEqualTo("sso.identityProvider.clientSecretFile");
        assertThat(missing.message()).contains("file not found");

        ConfigProblem both = onlyProblem("""
                sso:
                  identityProvider:
                    type: github
                    clientId: maas
                    clientSecretEnv: MAAS_IDP
                    clientSecretFile: idp-secret
                """);
        assertThat(both.path()).isEqualTo("sso.identityProvider.clientSecretFile");
        assertThat(both.message()).contains("either clientSecretEnv or clientSecretFile");

        ConfigProblem none = onlyProblem("""
                sso:
                  identityProvider:
                    type: github
                    clientId: maas
                """);
        assertThat(none.path()).isEqualTo("sso.identityProvider.clientSecretEnv");
        assertThat(none.message()).contains("clientSecretFile");
    }

    @Test
    void enumsListTheChoices() {
        ConfigProblem p = onlyProblem("sso:\n  flavour: wildfly\n");
        assertThat(p.message()).contains("auto, rhbk, rhsso");
    }

    @Test
    void missingFileIsAnInputError() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("absent.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("file not found");
    }

    @Test
    void exportRoundTrips() {
        InstallerConfig c = parse("""
                sso:
                  realm: demo
                models:
                  - name: Granite
                    url: http://a.svc
                """);
        InstallerConfig again = parse(ConfigLoader.toYaml(c));
        assertThat(again).isEqualTo(c);
    }

    @Test
    void onlyTheThreescaleChannelsWhoseOperatorRunsDeploymentsAreAccepted() {
        assertThat(parse("threescale:\n  channel: threescale-2.15\n").threescale().channel()).isEqualTo("threescale-2.15");
        assertThat(parse("threescale:\n  channel: threescale-2.16\n").threescale().channel()).isEqualTo("threescale-2.16");
        for (String channel : new String[] {"threescale-2.14", "threescale-2.17", "threescale-3.0"}) {
            ConfigProblem p = onlyProblem("threescale:\n  channel: " + channel + "\n");
            assertThat(p.path()).isEqualTo("threescale.channel");
            assertThat(p.message()).isEqualTo("'" + channel + "' is not a channel the installer supports: use"
                    + " threescale-2.15 or threescale-2.16 (threescale-2.14 and earlier run 3scale on"
                    + " DeploymentConfigs)");
        }
    }

    @Test
    void catalogSourceAndInstallPlanApprovalAreReadAndChecked() {
        InstallerConfig c = parse("cluster:\n  catalogSource: my-mirror\n  installPlanApproval: Manual\n");
        assertThat(c.cluster().catalogSource()).isEqualTo("my-mirror");
        assertThat(c.cluster().installPlanApproval()).isEqualTo("Manual");
        assertThat(ConfigLoader.parse(ConfigLoader.toYaml(c), "round trip", dir).cluster()).isEqualTo(c.cluster());
        assertThat(parse("").cluster().installPlanApproval()).isNull();

        ConfigProblem approval = onlyProblem("cluster:\n  installPlanApproval: manual\n");
        assertThat(approval.path()).isEqualTo("cluster.installPlanApproval");
        assertThat(approval.message()).isEqualTo("'manual' is not allowed: use one of Automatic, Manual");
        assertThat(onlyProblem("cluster:\n  catalogSource: My_Catalog\n").path()).isEqualTo("cluster.catalogSource");
    }

    @Test
    void theKeycloakDatabaseIsManagedByDefaultAndAnExternalOneIsRead() {
        InstallerConfig d = parse("");
        assertThat(d.sso().database().type()).isEqualTo("managed");
        assertThat(d.sso().database().managed()).isTrue();
        InstallerConfig managed = parse("sso:\n  database:\n    storageSize: 5Gi\n    storageClass: gp3-csi\n");
        assertThat(managed.sso().database().storageSize()).isEqualTo("5Gi");
        assertThat(managed.sso().database().storageClass()).isEqualTo("gp3-csi");
        InstallerConfig ext = parse("""
                sso:
                  database:
                    type: external
                    vendor: postgres
                    host: postgres.db.svc
                    port: 5433
                    database: kc
                    credentialsSecret: keycloak-db
                """);
        assertThat(ext.sso().database()).isEqualTo(new InstallerConfig.DatabaseConfig("external", null, null, null,
                "postgres", "postgres.db.svc", 5433, "kc", "keycloak-db"));
        assertThat(ConfigLoader.parse(ConfigLoader.toYaml(ext), "round trip", dir).sso().database())
                .isEqualTo(ext.sso().database());
    }

    @Test
    void aWrongKeycloakDatabaseNamesTheFieldAndTheFix() {
        ConfigProblem type = onlyProblem("sso:\n  database:\n    type: h2\n");
        assertThat(type.path()).isEqualTo("sso.database.type");
        assertThat(type.message()).contains("external, managed");
        ConfigProblem host = onlyProblem("sso:\n  database:\n    type: external\n    credentialsSecret: db\n");
        assertThat(host.path()).isEqualTo("sso.database.host");
        assertThat(host.message()).contains("required with type external");
        ConfigProblem secret = onlyProblem("sso:\n  database:\n    type: external\n    host: db.example.com\n");
        assertThat(secret.path()).isEqualTo("sso.database.credentialsSecret");
        assertThat(secret.message()).contains("keys username and password").contains("rh-sso");
        ConfigProblem hostOnManaged = onlyProblem("sso:\n  database:\n    host: db.example.com\n");
        assertThat(hostOnManaged.path()).isEqualTo("sso.database.host");
        assertThat(hostOnManaged.message()).contains("only used with type external");
        ConfigProblem size = onlyProblem("sso:\n  database:\n    storageSize: 1 GB\n");
        assertThat(size.path()).isEqualTo("sso.database.storageSize");
        assertThat(size.message()).contains("e.g. 1Gi");
        ConfigProblem vendor = onlyProblem("sso:\n  database:\n    type: external\n    vendor: dev-file\n"
                + "    host: db\n    credentialsSecret: db\n");
        assertThat(vendor.path()).isEqualTo("sso.database.vendor");
        ConfigProblem port = onlyProblem("sso:\n  database:\n    type: external\n    port: 70000\n"
                + "    host: db\n    credentialsSecret: db\n");
        assertThat(port.path()).isEqualTo("sso.database.port");
        ConfigProblem hostWithPort = onlyProblem("sso:\n  database:\n    type: external\n"
                + "    host: db:5432\n    credentialsSecret: db\n");
        assertThat(hostWithPort.message()).contains("the port goes in port");
    }
}

package dev.maas.installer.stages.preflight;

import dev.maas.installer.engine.config.InstallerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The permissions preflight asks the cluster about follow from the configuration (no cluster needed). */
class PreflightPermissionsTest {
    @Test
    void requiredPermissionsCoverWhatTheInstallDoes() {
        List<String> all = PreflightStage.requiredPermissions(InstallerConfig.defaults()).stream()
                .map(Permission::describe).toList();
        assertThat(all).contains("create namespaces (cluster-wide)",
                "create operatorgroups.operators.coreos.com in namespace rh-sso",
                "watch installplans.operators.coreos.com in namespace 3scale",
                "create apimanagers.apps.3scale.net in namespace 3scale",
                "list packagemanifests.packages.operators.coreos.com in namespace openshift-marketplace",
                "watch keycloaks.keycloak.org in namespace rh-sso",
                "patch keycloakrealms.keycloak.org in namespace rh-sso",
                "patch keycloaks.k8s.keycloak.org in namespace rh-sso",
                "create statefulsets.apps in namespace rh-sso",
                "watch statefulsets.apps in namespace rh-sso",
                "create services in namespace rh-sso",
                "get secrets in namespace rh-sso",
                "get leases.coordination.k8s.io in namespace maas-installer",
                "create leases.coordination.k8s.io in namespace maas-installer",
                "update leases.coordination.k8s.io in namespace maas-installer");
    }

    @Test
    void theKeycloakDatabasePermissionsAreAskedOnlyWhenTheStageRunsIt() {
        var d = InstallerConfig.defaults();
        java.util.function.Function<InstallerConfig.SsoConfig, List<String>> perms = sso -> PreflightStage
                .requiredPermissions(new InstallerConfig(d.cluster(), d.endpoints(), sso, d.threescale(), d.models(),
                        d.products(), d.plans(), d.portal())).stream().map(Permission::describe).toList();
        assertThat(perms.apply(new InstallerConfig.SsoConfig("rhsso", null, null, null, null)))
                .noneMatch(p -> p.contains("statefulsets"));
        assertThat(perms.apply(new InstallerConfig.SsoConfig("rhbk", null, null, null, null, new InstallerConfig
                .DatabaseConfig("external", null, null, null, null, "db.example.com", null, null, "db"))))
                .noneMatch(p -> p.contains("statefulsets"));
        assertThat(perms.apply(new InstallerConfig.SsoConfig("rhbk", null, null, null, null)))
                .contains("patch statefulsets.apps in namespace rh-sso", "get persistentvolumeclaims in namespace rh-sso");
    }
}

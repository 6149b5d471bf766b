package dev.maas.installer.engine.config;

import dev.maas.installer.engine.config.InstallerConfig.ClusterConfig;
import dev.maas.installer.engine.config.InstallerConfig.ModelConfig;
import dev.maas.installer.engine.config.InstallerConfig.PortalConfig;
import dev.maas.installer.engine.config.InstallerConfig.ThreescaleConfig;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;

/** Fills derived defaults (model system names) and resolves file paths against the config file's folder. */
public final class ConfigDefaults {
    private ConfigDefaults() { }

    public static InstallerConfig resolve(InstallerConfig c, Path baseDir) {
        ClusterConfig cl = c.cluster();
        ClusterConfig cluster = new ClusterConfig(file(cl.kubeconfig(), baseDir), cl.context(), cl.apiUrl(),
                file(cl.caFile(), baseDir), cl.catalogSource(), cl.installPlanApproval());
        ThreescaleConfig t = c.threescale();
        List<String> policies = t.policies().stream().map(p -> file(p, baseDir)).toList();
        ThreescaleConfig threescale = new ThreescaleConfig(t.namespace(), t.channel(), t.tenantName(),
                t.organizationName(), t.storage(), policies, t.timezoneConfirmed());
        List<ModelConfig> models = c.models().stream().map(m -> m == null ? null : new ModelConfig(m.name(),
                m.systemName() == null || m.systemName().isBlank() ? slug(m.name()) : m.systemName(),
                m.url(), file(m.openapi(), baseDir), m.description())).toList();
        PortalConfig portal = new PortalConfig(file(c.portal().contentDir(), baseDir), c.portal().onError(),
                c.portal().skipKeycloakCertificateVerification());
        InstallerConfig.SsoConfig sso = c.sso();
        InstallerConfig.IdentityProviderConfig idp = sso.identityProvider();
        if (idp != null && idp.clientSecretFile() != null) {
            sso = new InstallerConfig.SsoConfig(sso.flavour(), sso.namespace(), sso.realm(), sso.redirectPolicy(),
                    new InstallerConfig.IdentityProviderConfig(idp.type(), idp.alias(), idp.displayName(),
                            idp.clientId(), idp.clientSecretEnv(), idp.issuer(), file(idp.clientSecretFile(), baseDir)),
                    sso.database());
        }
        return new InstallerConfig(cluster, c.endpoints(), sso, threescale, models, c.products(), c.plans(),
                portal);
    }

    /** A 3scale system_name from a display name: lower case ASCII letters, digits and dashes. */
    public static String slug(String name) {
        if (name == null) {
            return null;
        }
        String ascii = Normalizer.normalize(name, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        String s = ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? null : s;
    }

    static String file(String value, Path baseDir) {
        if (value == null || value.isBlank()) {
            return value;
        }
        String v = value;
        if (v.equals("~") || v.startsWith("~/")) {
            v = System.getProperty("user.home") + v.substring(1);
        }
        Path p = Path.of(v);
        if (!p.isAbsolute() && baseDir != null) {
            p = baseDir.resolve(p);
        }
        return p.normalize().toString();
    }
}

package dev.maas.installer.stages.common;

import dev.maas.installer.cluster.ClusterErrors;
import dev.maas.installer.engine.Fix;
import dev.maas.installer.engine.StageException;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.openshift.api.model.config.v1.Ingress;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Facts about the cluster that preflight checks and the stages act on, read the same way everywhere: the apps
 * domain, the ReadWriteMany-capable StorageClasses, and which 3scale channels need external databases.
 */
public final class ClusterFacts {
    /** Secrets 3scale 2.16 and later need for its external databases. */
    public static final List<String> EXTERNAL_DB_SECRETS = List.of("system-database", "backend-redis", "system-redis");

    /** Provisioners known to offer ReadWriteMany volumes (CephFS, NFS, EFS, Azure Files, Filestore, ...). */
    private static final Pattern RWX_PROVISIONER = Pattern.compile(
            ".*(cephfs|nfs|efs\\.csi\\.aws\\.com|azure-file|file\\.csi\\.azure\\.com|filestore|vpc\\.file\\.csi"
                    + "|ibmc-file|glusterfs|spectrumscale|manila|isilon|powerscale|trident).*");
    private static final Pattern CHANNEL = Pattern.compile("threescale-(\\d+)\\.(\\d+)");

    private ClusterFacts() { }

    /** What is wrong when the cluster has no apps domain, and what to do about it. */
    public static final String NO_APPS_DOMAIN = "the cluster's apps domain is not set (ingresses.config.openshift.io"
            + " 'cluster' has no spec.domain)";
    public static final Fix APPS_DOMAIN_FIX = Fix.manual("check `oc get ingresses.config.openshift.io cluster -o yaml`");

    /** The cluster's apps domain (ingresses.config.openshift.io {@code cluster}, spec.domain), when set. */
    public static Optional<String> appsDomain(KubernetesClient client) {
        try {
            Ingress ingress = client.resources(Ingress.class).withName("cluster").get();
            String domain = ingress == null || ingress.getSpec() == null ? null : ingress.getSpec().getDomain();
            return domain == null || domain.isBlank() ? Optional.empty() : Optional.of(domain);
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "reading the cluster's apps domain");
        }
    }

    /** The cluster's apps domain; a {@link StageException} saying what to check when it is not set. */
    public static String requireAppsDomain(KubernetesClient client) {
        return appsDomain(client).orElseThrow(() -> new StageException(NO_APPS_DOMAIN, APPS_DOMAIN_FIX));
    }

    /** Where OpenShift publishes the default ingress certificate (cluster-ingress-operator, publish_ca.go). */
    public static final String INGRESS_CERT_NAMESPACE = "openshift-config-managed";
    public static final String INGRESS_CERT_CONFIG_MAP = "default-ingress-cert";
    public static final String INGRESS_CERT_KEY = "ca-bundle.crt";

    /**
     * The cluster's default ingress certificate in PEM form, as the cluster-ingress-operator publishes it: ConfigMap
     * {@code openshift-config-managed/default-ingress-cert}, key {@code ca-bundle.crt}, holding the {@code tls.crt} of
     * the default IngressController's certificate (the wildcard certificate the router serves for every Route without
     * one of its own, then the CA that signed it; cluster-ingress-operator {@code certificate/controller.go}). Empty
     * when it is not there or not readable (not OpenShift, or no right to read it).
     */
    public static Optional<String> defaultIngressCertificate(KubernetesClient client) {
        try {
            var cm = client.configMaps().inNamespace(INGRESS_CERT_NAMESPACE).withName(INGRESS_CERT_CONFIG_MAP).get();
            String pem = cm == null || cm.getData() == null ? null : cm.getData().get(INGRESS_CERT_KEY);
            return pem == null || pem.isBlank() ? Optional.empty() : Optional.of(pem);
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
    }

    /** Whether the StorageClass's provisioner is known to offer ReadWriteMany. */
    public static boolean rwx(StorageClass c) {
        String p = c.getProvisioner() == null ? "" : c.getProvisioner().toLowerCase(Locale.ROOT);
        return RWX_PROVISIONER.matcher(p).matches();
    }

    public static List<StorageClass> storageClasses(KubernetesClient client) {
        try {
            return client.storage().v1().storageClasses().list().getItems();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "listing StorageClasses");
        }
    }

    /** {@code threescale-2.16} → {2, 16}; null when the channel does not have that form. */
    public static int[] channelVersion(String channel) {
        Matcher m = CHANNEL.matcher(channel == null ? "" : channel);
        return m.matches() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    /** 3scale 2.16 dropped the internal databases: channels 2.16 and later need external ones. */
    public static boolean needsExternalDatabases(String channel) {
        int[] v = channelVersion(channel);
        return v != null && (v[0] > 2 || (v[0] == 2 && v[1] >= 16));
    }

    /** The external database Secrets missing in the namespace (all of them when it does not exist). */
    public static List<String> missingExternalDbSecrets(KubernetesClient client, String namespace) {
        try {
            return EXTERNAL_DB_SECRETS.stream()
                    .filter(s -> client.secrets().inNamespace(namespace).withName(s).get() == null).toList();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.translate(e, "reading Secrets in " + namespace);
        }
    }
}

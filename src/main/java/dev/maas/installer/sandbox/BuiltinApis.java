package dev.maas.installer.sandbox;

import java.util.List;
import java.util.Map;

/**
 * What the real API servers publish in discovery about the built-in resources the sandbox serves: their short names
 * and categories. CRDs carry theirs in {@code spec.names}; built-in kinds declare them in their REST storage
 * ({@code ShortNames()} / {@code Categories()}), e.g. kubernetes v1.29
 * {@code pkg/registry/apps/deployment/storage/storage.go}: {@code ShortNames() = ["deploy"]},
 * {@code Categories() = ["all"]}.
 */
final class BuiltinApis {
    /** The discovery names of one resource besides its plural. */
    record Names(List<String> shortNames, List<String> categories) {
        static final Names NONE = new Names(List.of(), List.of());
    }

    private static final List<String> ALL = List.of("all");

    /** "group/plural" -> names; absent: none. */
    private static final Map<String, Names> NAMES = Map.ofEntries(
            // kubernetes v1.29 pkg/registry/core/*/storage/storage.go
            Map.entry("/namespaces", new Names(List.of("ns"), List.of())),
            Map.entry("/configmaps", new Names(List.of("cm"), List.of())),
            Map.entry("/services", new Names(List.of("svc"), ALL)),
            Map.entry("/serviceaccounts", new Names(List.of("sa"), List.of())),
            Map.entry("/pods", new Names(List.of("po"), ALL)),
            Map.entry("/persistentvolumeclaims", new Names(List.of("pvc"), List.of())),
            Map.entry("/persistentvolumes", new Names(List.of("pv"), List.of())),
            Map.entry("/events", new Names(List.of("ev"), List.of())),
            Map.entry("/endpoints", new Names(List.of("ep"), List.of())),
            Map.entry("/nodes", new Names(List.of("no"), List.of())),
            // pkg/registry/apps/{deployment,statefulset,replicaset,daemonset}/storage/storage.go
            Map.entry("apps/deployments", new Names(List.of("deploy"), ALL)),
            Map.entry("apps/statefulsets", new Names(List.of("sts"), ALL)),
            Map.entry("apps/replicasets", new Names(List.of("rs"), ALL)),
            Map.entry("apps/daemonsets", new Names(List.of("ds"), ALL)),
            // pkg/registry/batch/{job,cronjob}/storage/storage.go
            Map.entry("batch/jobs", new Names(List.of(), ALL)),
            Map.entry("batch/cronjobs", new Names(List.of("cj"), ALL)),
            // pkg/registry/storage/storageclass/storage/storage.go
            Map.entry("storage.k8s.io/storageclasses", new Names(List.of("sc"), List.of())),
            // pkg/registry/networking/{ingress,networkpolicy}/storage/storage.go
            Map.entry("networking.k8s.io/ingresses", new Names(List.of("ing"), List.of())),
            Map.entry("networking.k8s.io/networkpolicies", new Names(List.of("netpol"), List.of())),
            // apiextensions-apiserver pkg/registry/customresourcedefinition/etcd.go
            Map.entry("apiextensions.k8s.io/customresourcedefinitions",
                    new Names(List.of("crd", "crds"), List.of("api-extensions"))),
            // openshift-apiserver pkg/route/apiserver/registry/route/etcd/etcd.go: Categories() = ["all"]
            Map.entry("route.openshift.io/routes", new Names(List.of(), ALL)),
            // kserve config/crd/full/serving.kserve.io_inferenceservices.yaml: shortNames [isvc]
            Map.entry("serving.kserve.io/inferenceservices", new Names(List.of("isvc"), List.of())));

    private BuiltinApis() { }

    static Names names(String group, String plural) {
        return NAMES.getOrDefault(group + "/" + plural, Names.NONE);
    }
}

/**
 * The strict test cluster, which is also the local sandbox.
 * <p>
 * {@link dev.maas.installer.sandbox.SandboxCluster#start(SandboxCluster.Options)} runs fabric8's mock API server on
 * 127.0.0.1 (HTTPS with a fresh self-signed certificate by default) behind
 * {@code ApiServerDispatcher}, which makes it behave like an OpenShift API server where the installer cares:
 * bearer-token authentication (401), permissions taken away with {@link dev.maas.installer.sandbox.AccessRule}
 * (403 and SelfSubjectAccessReviews), API discovery for built-in kinds and every stored CRD, 404 for kinds that are
 * not served and for namespaces that do not exist, server-side apply (field managers, conflicts, force) and
 * strategic-merge/merge/JSON patches, dry-run, Secret {@code stringData}, Route host defaulting and admission,
 * name/label validation, and CRD schema pruning and validation (422 naming the field path) of every write to a
 * custom resource. It is seeded like a fresh OpenShift cluster (apps domain, StorageClasses with an RWX one, OLM
 * CRDs, a Red Hat catalog of PackageManifests, the KServe models of the runbook), and simulated operators
 * ({@link dev.maas.installer.sandbox.SimulatedOperator}: {@link dev.maas.installer.sandbox.OlmSimulator}, the 3scale
 * operator's {@link dev.maas.installer.sandbox.ApiManagerSimulator}) react through informers over the same HTTP API.
 * <p>
 * {@link dev.maas.installer.sandbox.Sandbox#run(java.nio.file.Path)} runs it as the local sandbox and writes the
 * kubeconfig, {@code sandbox.json} and a {@code maas-installer.yaml} that targets it; it also runs the 3scale
 * simulator behind the simulated APIManager (its token in Secret {@code system-seed}, its URL as the config's
 * endpoint overrides, its journal in {@code DIR/3scale-requests.jsonl}).
 * <p>
 * No stage, engine or cluster-connection class may use this package (an ArchUnit rule): they reach the sandbox only
 * through the network, like a real cluster.
 */
package dev.maas.installer.sandbox;

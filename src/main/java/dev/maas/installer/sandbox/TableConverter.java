package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import static dev.maas.installer.sandbox.PrinterCells.*;

/**
 * Server-side printing: the {@code meta.k8s.io/v1 Table} a real API server answers when a client (kubectl get) asks
 * for {@code application/json;as=Table;v=v1;g=meta.k8s.io}. Built-in kinds get the columns of their printers
 * (kubernetes v1.29 pkg/printers/internalversion/printers.go; OpenShift's in openshift-apiserver
 * pkg/route/printers/internalversion/printer.go and pkg/project/printers/internalversion/printer.go), custom
 * resources the {@code additionalPrinterColumns} of their CRD version, or Age when it has none
 * (apiextensions-apiserver pkg/apiserver/helpers.go serveDefaultColumnsIfEmpty,
 * pkg/registry/customresource/tableconvertor/tableconvertor.go), and kinds without a printer Name and Created At
 * (apiserver pkg/registry/rest/table.go). Columns are always generated as for {@code -o wide}
 * (printerstorage.TableConvertor passes {@code Wide: true}); the client hides those with a priority.
 */
final class TableConverter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One column definition. */
    record Column(String name, String type, String format, String description, int priority) {
        static Column of(String name, String type, String description) {
            return new Column(name, type, "", description, 0);
        }

        static Column wide(String name, String type, String description) {
            return new Column(name, type, "", description, 1);
        }

        ObjectNode json() {
            return NODES.objectNode().put("name", name).put("type", type).put("format", format)
                    .put("description", description).put("priority", priority);
        }
    }

    /** The columns of a kind and how to fill them from one object (cells: String, Long, Boolean, Double or null). */
    record Printer(List<Column> columns, Function<JsonNode, List<Object>> row) { }

    private static final String NAME_DOC = "Name must be unique within a namespace. Is required when creating "
            + "resources, although some resources may allow a client to request the generation of an appropriate "
            + "name automatically. Name is primarily intended for creation idempotence and configuration "
            + "definition. Cannot be updated. More info: "
            + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private static final String AGE_DOC = "CreationTimestamp is a timestamp representing the server time when this "
            + "object was created. It is not guaranteed to be set in happens-before order across separate "
            + "operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\n"
            + "Populated by the system. Read-only. Null for lists. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    private static final Column NAME = new Column("Name", "string", "name", NAME_DOC, 0);
    private static final Column AGE = Column.of("Age", "string", AGE_DOC);

    /** "group/Kind" -> printer of a built-in kind. */
    private static final Map<String, Printer> BUILTIN = builtinPrinters();
    /** "group/plural" -> printer columns of built-in kinds served as CRDs on a real cluster. */
    private static final Map<String, List<ObjectNode>> CRD_LIKE = crdLikeColumns();

    private final ApiCatalog catalog;

    TableConverter(ApiCatalog catalog) {
        this.catalog = catalog;
    }

    /** Whether an Accept header asks for a meta.k8s.io v1 (or v1beta1) Table. */
    static boolean acceptsTable(String accept) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            Map<String, String> p = Discovery.mediaTypeParameters(range);
            if ("Table".equals(p.get("as")) && "meta.k8s.io".equals(p.get("g"))
                    && ("v1".equals(p.get("v")) || "v1beta1".equals(p.get("v")))) {
                return true;
            }
        }
        return false;
    }

    /** The printer of a served resource. */
    Printer printer(ApiCatalog.Resource r) {
        JsonNode crd = catalog.crd(r);
        if (crd != null) {
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (v.path("name").asText().equals(r.version())) {
                    return crdPrinter(v.path("additionalPrinterColumns"));
                }
            }
            return crdPrinter(NODES.arrayNode());
        }
        Printer builtin = BUILTIN.get(r.group() + "/" + r.kind());
        if (builtin != null) {
            return builtin;
        }
        List<ObjectNode> crdLike = CRD_LIKE.get(r.group() + "/" + r.plural());
        if (crdLike != null) {
            ArrayNode columns = NODES.arrayNode();
            crdLike.forEach(columns::add);
            return crdPrinter(columns);
        }
        // apiserver pkg/registry/rest/table.go: defaultTableConvertor
        return new Printer(List.of(NAME, new Column("Created At", "date", "", AGE_DOC, 0)),
                o -> cells(meta(o, "name"), o.path("metadata").path("creationTimestamp").asText(null)));
    }

    /**
     * The Table for an object or a list ({@code items}). {@code includeObject}: None, Metadata (the default:
     * PartialObjectMetadata) or Object; {@code headers}: false leaves out the column definitions (the events of a
     * watch after the first, apiserver pkg/endpoints/handlers/response.go).
     */
    ObjectNode table(ApiCatalog.Resource r, JsonNode objectOrList, String includeObject, boolean headers) {
        Printer printer = printer(r);
        ObjectNode table = NODES.objectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        String rv = objectOrList.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty()) {
            meta.put("resourceVersion", rv);
        }
        if (headers) {
            ArrayNode columns = table.putArray("columnDefinitions");
            printer.columns().forEach(c -> columns.add(c.json()));
        } else {
            table.putNull("columnDefinitions");
        }
        ArrayNode rows = table.putArray("rows");
        List<JsonNode> objects = new ArrayList<>();
        if (objectOrList.has("items") && objectOrList.path("items").isArray()) {
            objectOrList.path("items").forEach(objects::add);
        } else {
            objects.add(objectOrList);
        }
        for (JsonNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Object cell : printer.row().apply(o)) {
                if (cell == null) {
                    cells.addNull();
                } else if (cell instanceof Long l) {
                    cells.add(l);
                } else if (cell instanceof Integer i) {
                    cells.add(i.longValue());
                } else if (cell instanceof Boolean b) {
                    cells.add(b);
                } else if (cell instanceof Double d) {
                    cells.add(d);
                } else {
                    cells.add(String.valueOf(cell));
                }
            }
            String include = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
            if (include.equals("Object")) {
                row.set("object", o);
            } else if (include.equals("Metadata")) {
                ObjectNode partial = row.putObject("object").put("kind", "PartialObjectMetadata")
                        .put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", o.path("metadata").deepCopy());
            }
        }
        return table;
    }

    // ---- custom resources ----

    private static Printer crdPrinter(JsonNode declared) {
        JsonNode columns = declared;
        if (columns == null || !columns.isArray() || columns.isEmpty()) {
            // apiextensions-apiserver pkg/apiserver/helpers.go: serveDefaultColumnsIfEmpty
            columns = NODES.arrayNode().add(NODES.objectNode().put("name", "Age").put("type", "date")
                    .put("description", AGE_DOC).put("jsonPath", ".metadata.creationTimestamp"));
        }
        List<Column> defs = new ArrayList<>();
        defs.add(NAME);
        List<KubeJsonPath> paths = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (JsonNode c : columns) {
            String path = c.path("jsonPath").asText();
            String description = c.path("description").asText("");
            if (description.isEmpty()) {
                description = "Custom resource definition column (in JSONPath format): " + path;
            }
            defs.add(new Column(c.path("name").asText(), c.path("type").asText("string"),
                    c.path("format").asText(""), description, c.path("priority").asInt(0)));
            paths.add(KubeJsonPath.parse(path));
            types.add(c.path("type").asText("string"));
        }
        return new Printer(defs, o -> {
            List<Object> cells = new ArrayList<>();
            cells.add(meta(o, "name"));
            for (int i = 0; i < paths.size(); i++) {
                List<JsonNode> found = paths.get(i).evaluate(o);
                cells.add(found.isEmpty() ? null : crdCell(types.get(i), found.get(0)));
            }
            return cells;
        });
    }

    /** tableconvertor.go: a string column prints the value, others keep their JSON type; dates become ages. */
    private static Object crdCell(String type, JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        switch (type) {
            case "string":
                return KubeJsonPath.text(value);
            case "integer":
                return value.isNumber() ? (Object) value.longValue() : null;
            case "number":
                return value.isNumber() ? (Object) value.doubleValue() : null;
            case "boolean":
                return value.isBoolean() ? (Object) value.booleanValue() : null;
            case "date":
                if (!value.isTextual()) {
                    return null;
                }
                try {
                    return humanDuration(Duration.between(Instant.parse(value.asText()), Instant.now()));
                } catch (DateTimeParseException e) {
                    return "<invalid>";
                }
            default:
                return null;
        }
    }

    // ---- the built-in printers ----

    private static Map<String, Printer> builtinPrinters() {
        Map<String, Printer> p = new TreeMap<>();
        p.put("/Namespace", new Printer(List.of(NAME, Column.of("Status", "string", "The status of the namespace"),
                AGE), o -> cells(meta(o, "name"), o.path("status").path("phase").asText(""), age(o))));
        p.put("/Secret", new Printer(List.of(NAME, Column.of("Type", "string", "Used to facilitate programmatic "
                + "handling of secret data."), Column.of("Data", "string", "Data contains the secret data."), AGE),
                o -> cells(meta(o, "name"), o.path("type").asText(""), count(o.get("data")), age(o))));
        p.put("/ConfigMap", new Printer(List.of(NAME, Column.of("Data", "string", "Data contains the configuration "
                + "data."), AGE), o -> cells(meta(o, "name"), count(o.get("data")) + count(o.get("binaryData")),
                age(o))));
        p.put("/ServiceAccount", new Printer(List.of(NAME, Column.of("Secrets", "string", "Secrets is a list of "
                + "the secrets in the same namespace that pods running using this ServiceAccount are allowed to "
                + "use."), AGE), o -> cells(meta(o, "name"), count(o.get("secrets")), age(o))));
        p.put("/Service", new Printer(List.of(NAME, Column.of("Type", "string", "type determines how the Service "
                        + "is exposed."), Column.of("Cluster-IP", "string", "clusterIP is the IP address of the "
                        + "service."), Column.of("External-IP", "string", "externalIPs of the service."),
                Column.of("Port(s)", "string", "The list of ports that are exposed by this service."), AGE,
                Column.wide("Selector", "string", "Route service traffic to pods with label keys and values "
                        + "matching this selector.")), TableConverter::service));
        p.put("/Pod", new Printer(List.of(NAME, Column.of("Ready", "string", "The aggregate readiness state of this "
                        + "pod for accepting traffic."), Column.of("Status", "string", "The aggregate status of the "
                        + "containers in this pod."), Column.of("Restarts", "string", "The number of times the "
                        + "containers in this pod have been restarted and when the last container in this pod has "
                        + "restarted."), AGE, Column.wide("IP", "string", "podIP address allocated to the pod."),
                Column.wide("Node", "string", "NodeName indicates in which node this pod is scheduled."),
                Column.wide("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts "
                        + "other pods on the node."),
                Column.wide("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for "
                        + "pod readiness.")), TableConverter::pod));
        p.put("/PersistentVolumeClaim", new Printer(List.of(NAME, Column.of("Status", "string", "phase represents "
                        + "the current phase of PersistentVolumeClaim."), Column.of("Volume", "string", "volumeName "
                        + "is the binding reference to the PersistentVolume backing this claim."),
                Column.of("Capacity", "string", "capacity represents the actual resources of the underlying "
                        + "volume."), Column.of("Access Modes", "string", "accessModes contains the actual access "
                        + "modes the volume backing the PVC has."), Column.of("StorageClass", "string",
                        "StorageClass of the pvc"), Column.of("VolumeAttributesClass", "string",
                        "VolumeAttributesClass of the pvc"), AGE, Column.wide("VolumeMode", "string", "volumeMode "
                        + "defines what type of volume is required by the claim.")), TableConverter::pvc));
        p.put("/PersistentVolume", new Printer(List.of(NAME, Column.of("Capacity", "string", "capacity is the "
                        + "description of the persistent volume's resources and capacity."),
                Column.of("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
                Column.of("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a "
                        + "persistent volume when released from its claim."),
                Column.of("Status", "string", "phase indicates if a volume is available, bound to a claim, or "
                        + "released by a claim."), Column.of("Claim", "string", "claimRef is part of a bi-directional "
                        + "binding between PersistentVolume and PersistentVolumeClaim."),
                Column.of("StorageClass", "string", "StorageClass of the pv"),
                Column.of("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
                Column.of("Reason", "string", "reason is a brief CamelCase string that describes any failure."),
                AGE, Column.wide("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with "
                        + "a formatted filesystem or to remain in raw block state.")), TableConverter::pv));
        p.put("/Event", new Printer(List.of(Column.of("Last Seen", "string", "The time at which the most recent "
                        + "occurrence of this event was recorded."), Column.of("Type", "string", "Type of this event "
                        + "(Normal, Warning), new types could be added in the future"),
                Column.of("Reason", "string", "This should be a short, machine understandable string that gives the "
                        + "reason for the transition into the object's current status."),
                Column.of("Object", "string", "The object that this event is about."),
                Column.wide("Subobject", "string", "If referring to a piece of an object instead of an entire "
                        + "object, this string should contain a valid JSON/Go field access statement."),
                Column.wide("Source", "string", "The component reporting this event."),
                Column.of("Message", "string", "A human-readable description of the status of this operation."),
                Column.wide("First Seen", "string", "The time at which the event was first recorded."),
                Column.wide("Count", "string", "The number of times this event has occurred."),
                new Column("Name", "string", "name", NAME_DOC, 1)), TableConverter::event));
        p.put("/Endpoints", new Printer(List.of(NAME, Column.of("Endpoints", "string", "The set of all endpoints "
                + "is the union of all subsets."), AGE), o -> cells(meta(o, "name"), endpoints(o), age(o))));
        p.put("/Node", new Printer(List.of(NAME, Column.of("Status", "string", "The status of the node"),
                Column.of("Roles", "string", "The roles of the node"), AGE,
                Column.of("Version", "string", "Kubelet Version reported by the node."),
                Column.wide("Internal-IP", "string", "List of addresses reachable to the node."),
                Column.wide("External-IP", "string", "List of addresses reachable to the node."),
                Column.wide("OS-Image", "string", "OS Image reported by the node from /etc/os-release"),
                Column.wide("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r'"),
                Column.wide("Container-Runtime", "string", "ContainerRuntime Version reported by the node through "
                        + "runtime remote API")), TableConverter::node));
        p.put("apps/Deployment", new Printer(List.of(NAME, Column.of("Ready", "string", "Number of the pod with "
                        + "ready state"), Column.of("Up-to-date", "string", "Total number of non-terminated pods "
                        + "targeted by this deployment that have the desired template spec."),
                Column.of("Available", "string", "Total number of available pods (ready for at least "
                        + "minReadySeconds) targeted by this deployment."), AGE,
                Column.wide("Containers", "string", "Names of each container in the template."),
                Column.wide("Images", "string", "Images referenced by each container in the template."),
                Column.wide("Selector", "string", "Label selector for pods.")), o -> {
                    JsonNode spec = o.path("spec");
                    JsonNode status = o.path("status");
                    String[] c = containers(spec.path("template").path("spec"));
                    // the API server defaults spec.replicas to 1 (pkg/apis/apps/v1/defaults.go)
                    return cells(meta(o, "name"), num(status.get("readyReplicas")) + "/"
                                    + spec.path("replicas").asLong(1), num(status.get("updatedReplicas")),
                            num(status.get("availableReplicas")), age(o), c[0], c[1], selector(spec.get("selector")));
                }));
        p.put("apps/StatefulSet", new Printer(List.of(NAME, Column.of("Ready", "string", "Number of the pod with "
                        + "ready state"), AGE, Column.wide("Containers", "string", "Names of each container in the "
                        + "template."), Column.wide("Images", "string", "Images referenced by each container in the "
                        + "template.")), o -> {
                    String[] c = containers(o.path("spec").path("template").path("spec"));
                    return cells(meta(o, "name"), num(o.path("status").get("readyReplicas")) + "/"
                            + o.path("spec").path("replicas").asLong(1), age(o), c[0], c[1]);
                }));
        p.put("apps/ReplicaSet", new Printer(List.of(NAME, Column.of("Desired", "integer", "Replicas is the number "
                        + "of desired replicas."), Column.of("Current", "integer", "Replicas is the most recently "
                        + "observed number of replicas."), Column.of("Ready", "integer", "readyReplicas is the number "
                        + "of pods targeted by this ReplicaSet with a Ready Condition."), AGE,
                Column.wide("Containers", "string", "Names of each container in the template."),
                Column.wide("Images", "string", "Images referenced by each container in the template."),
                Column.wide("Selector", "string", "Selector is a label query over pods that should match the "
                        + "replica count.")), o -> {
                    String[] c = containers(o.path("spec").path("template").path("spec"));
                    return cells(meta(o, "name"), o.path("spec").path("replicas").asLong(1),
                            num(o.path("status").get("replicas")), num(o.path("status").get("readyReplicas")), age(o),
                            c[0], c[1], formatLabelSelector(o.path("spec").get("selector")));
                }));
        p.put("apps/DaemonSet", new Printer(List.of(NAME, Column.of("Desired", "integer", "The total number of nodes "
                        + "that should be running the daemon pod."), Column.of("Current", "integer", "The number of "
                        + "nodes that are running at least 1 daemon pod."), Column.of("Ready", "integer",
                        "The number of nodes that should be running the daemon pod and have one or more of the "
                                + "daemon pod running and ready."), Column.of("Up-to-date", "integer", "The total "
                        + "number of nodes that are running updated daemon pod"), Column.of("Available", "integer",
                        "The number of nodes that should be running the daemon pod and have one or more of the "
                                + "daemon pod running and available."), Column.of("Node Selector", "string",
                        "NodeSelector is a selector which must be true for the pod to fit on a node."), AGE,
                Column.wide("Containers", "string", "Names of each container in the template."),
                Column.wide("Images", "string", "Images referenced by each container in the template."),
                Column.wide("Selector", "string", "A label query over pods that are managed by the daemon set.")),
                o -> {
                    JsonNode st = o.path("status");
                    String[] c = containers(o.path("spec").path("template").path("spec"));
                    return cells(meta(o, "name"), num(st.get("desiredNumberScheduled")),
                            num(st.get("currentNumberScheduled")), num(st.get("numberReady")),
                            num(st.get("updatedNumberScheduled")), num(st.get("numberAvailable")),
                            formatLabels(o.path("spec").path("template").path("spec").get("nodeSelector")), age(o),
                            c[0], c[1], formatLabelSelector(o.path("spec").get("selector")));
                }));
        p.put("batch/Job", new Printer(List.of(NAME, Column.of("Completions", "string", "The number of pods which "
                        + "reached phase Succeeded."), Column.of("Duration", "string", "Time required to complete the "
                        + "job."), AGE, Column.wide("Containers", "string", "Names of each container in the template."),
                Column.wide("Images", "string", "Images referenced by each container in the template."),
                Column.wide("Selector", "string", "A label query over pods that should match the pod count.")),
                TableConverter::job));
        p.put("batch/CronJob", new Printer(List.of(NAME, Column.of("Schedule", "string", "The schedule in Cron "
                        + "format."), Column.of("Suspend", "boolean", "This flag tells the controller to suspend "
                        + "subsequent executions."), Column.of("Active", "integer", "A list of pointers to currently "
                        + "running jobs."), Column.of("Last Schedule", "string", "Information when was the last time "
                        + "the job was successfully scheduled."), AGE,
                Column.wide("Containers", "string", "Names of each container in the template."),
                Column.wide("Images", "string", "Images referenced by each container in the template."),
                Column.wide("Selector", "string", "A label query over pods that should match the pod count.")),
                o -> {
                    JsonNode spec = o.path("spec");
                    JsonNode last = o.path("status").get("lastScheduleTime");
                    JsonNode jobSpec = spec.path("jobTemplate").path("spec");
                    String[] c = containers(jobSpec.path("template").path("spec"));
                    return cells(meta(o, "name"), spec.path("schedule").asText(""),
                            spec.has("suspend") ? String.valueOf(spec.path("suspend").asBoolean()) : "<unset>",
                            count(o.path("status").get("active")), last == null ? "<none>" : since(last), age(o),
                            c[0], c[1], formatLabelSelector(jobSpec.get("selector")));
                }));
        Printer binding = new Printer(List.of(NAME, Column.of("Role", "string", "RoleRef can reference a Role in the "
                        + "current namespace or a ClusterRole in the global namespace."), AGE,
                Column.wide("Users", "string", "Users in the roleBinding"),
                Column.wide("Groups", "string", "Groups in the roleBinding"),
                Column.wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding")),
                TableConverter::binding);
        p.put("rbac.authorization.k8s.io/RoleBinding", binding);
        p.put("rbac.authorization.k8s.io/ClusterRoleBinding", binding);
        p.put("storage.k8s.io/StorageClass", new Printer(List.of(NAME, Column.of("Provisioner", "string",
                        "provisioner indicates the type of the provisioner."), Column.of("ReclaimPolicy", "string",
                        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of "
                                + "this storage class."), Column.of("VolumeBindingMode", "string", "volumeBindingMode "
                        + "indicates how PersistentVolumeClaims should be provisioned and bound."),
                Column.of("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class "
                        + "allow volume expand."), AGE), o -> {
                    String name = meta(o, "name");
                    // pkg/apis/storage/util/helpers.go IsDefaultAnnotation (and its beta variant)
                    JsonNode ann = o.path("metadata").path("annotations");
                    if ("true".equals(ann.path("storageclass.kubernetes.io/is-default-class").asText())
                            || "true".equals(ann.path("storageclass.beta.kubernetes.io/is-default-class").asText())) {
                        name += " (default)";
                    }
                    return cells(name, o.path("provisioner").asText(""), o.path("reclaimPolicy").asText("Delete"),
                            o.path("volumeBindingMode").asText("Immediate"),
                            o.path("allowVolumeExpansion").asBoolean(false), age(o));
                }));
        p.put("networking.k8s.io/Ingress", new Printer(List.of(NAME, Column.of("Class", "string", "The name of the "
                        + "IngressClass resource that should be used for additional configuration"),
                Column.of("Hosts", "string", "Hosts that incoming requests are matched against before the ingress "
                        + "rule"), Column.of("Address", "string", "Address is a list containing ingress points for "
                        + "the load-balancer"), Column.of("Ports", "string", "Ports of TLS configurations that open"),
                AGE), TableConverter::ingress));
        p.put("networking.k8s.io/NetworkPolicy", new Printer(List.of(NAME, Column.of("Pod-Selector", "string",
                "podSelector selects the pods to which this NetworkPolicy object applies."), AGE),
                o -> cells(meta(o, "name"), formatLabelSelector(o.path("spec").path("podSelector")), age(o))));
        p.put("coordination.k8s.io/Lease", new Printer(List.of(NAME, Column.of("Holder", "string", "holderIdentity "
                + "contains the identity of the holder of a current lease."), AGE),
                o -> cells(meta(o, "name"), o.path("spec").path("holderIdentity").asText(""), age(o))));
        p.put("route.openshift.io/Route", new Printer(List.of(NAME, Column.of("Host/Port", "string", "host is an "
                        + "alias/DNS that points to the service."), Column.of("Path", "string", "path that the "
                        + "router watches for, to route traffic for to the service."),
                Column.of("Services", "string", "Primary and alternate route backends."),
                Column.of("Port", "string", "If specified, the port to be used by the router."),
                Column.of("Termination", "string", "Indicates termination type."),
                Column.of("Wildcard", "string", "Wildcard policy if any for the route.")), TableConverter::route));
        p.put("project.openshift.io/Project", new Printer(List.of(NAME, Column.of("Display Name", "string",
                "The name displayed by a UI when referencing a project."), Column.of("Status", "string",
                "Phase is the current lifecycle phase of the project")), o -> cells(meta(o, "name"),
                o.path("metadata").path("annotations").path("openshift.io/display-name").asText(""),
                o.path("status").path("phase").asText(""))));
        return p;
    }

    private static List<Object> service(JsonNode o) {
        JsonNode spec = o.path("spec");
        String type = spec.path("type").asText("ClusterIP");
        String clusterIp = spec.path("clusterIPs").size() > 0 ? spec.path("clusterIPs").get(0).asText()
                : spec.path("clusterIP").asText("<none>");
        List<String> external = new ArrayList<>();
        spec.path("externalIPs").forEach(ip -> external.add(ip.asText()));
        String externalIp;
        switch (type) {
            case "ClusterIP", "NodePort" -> externalIp = external.isEmpty() ? "<none>" : String.join(",", external);
            case "LoadBalancer" -> {
                TreeSet<String> lb = new TreeSet<>();
                for (JsonNode i : o.path("status").path("loadBalancer").path("ingress")) {
                    if (!i.path("ip").asText("").isEmpty()) {
                        lb.add(i.path("ip").asText());
                    } else if (!i.path("hostname").asText("").isEmpty()) {
                        lb.add(i.path("hostname").asText());
                    }
                }
                List<String> all = new ArrayList<>(lb);
                all.addAll(external);
                externalIp = all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case "ExternalName" -> externalIp = spec.path("externalName").asText("");
            default -> externalIp = "<unknown>";
        }
        List<String> ports = new ArrayList<>();
        for (JsonNode port : spec.path("ports")) {
            String protocol = port.path("protocol").asText("TCP");
            ports.add(port.path("nodePort").asInt(0) > 0
                    ? port.path("port").asInt() + ":" + port.path("nodePort").asInt() + "/" + protocol
                    : port.path("port").asInt() + "/" + protocol);
        }
        return cells(meta(o, "name"), type, clusterIp, externalIp, ports.isEmpty() ? "<none>" : String.join(",", ports),
                age(o), formatLabels(spec.get("selector")));
    }

    /** printers.go printPod, for the regular containers and the common init container states. */
    private static List<Object> pod(JsonNode o) {
        JsonNode spec = o.path("spec");
        JsonNode status = o.path("status");
        int total = spec.path("containers").size();
        int ready = 0;
        long restarts = 0;
        String reason = status.path("reason").asText("").isEmpty() ? status.path("phase").asText("")
                : status.path("reason").asText();
        boolean initializing = false;
        JsonNode inits = status.path("initContainerStatuses");
        for (int i = 0; i < inits.size(); i++) {
            JsonNode c = inits.get(i);
            restarts += c.path("restartCount").asLong(0);
            JsonNode terminated = c.path("state").get("terminated");
            JsonNode waiting = c.path("state").get("waiting");
            if (terminated != null && terminated.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (terminated != null) {
                reason = terminated.path("reason").asText("").isEmpty()
                        ? "Init:ExitCode:" + terminated.path("exitCode").asInt()
                        : "Init:" + terminated.path("reason").asText();
            } else if (waiting != null && !waiting.path("reason").asText("").isEmpty()
                    && !waiting.path("reason").asText().equals("PodInitializing")) {
                reason = "Init:" + waiting.path("reason").asText();
            } else {
                reason = "Init:" + i + "/" + spec.path("initContainers").size();
            }
            initializing = true;
            break;
        }
        if (!initializing) {
            restarts = 0;
            boolean hasRunning = false;
            JsonNode statuses = status.path("containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode c = statuses.get(i);
                restarts += c.path("restartCount").asLong(0);
                JsonNode state = c.path("state");
                if (!state.path("waiting").path("reason").asText("").isEmpty()) {
                    reason = state.path("waiting").path("reason").asText();
                } else if (!state.path("terminated").path("reason").asText("").isEmpty()) {
                    reason = state.path("terminated").path("reason").asText();
                } else if (state.has("terminated")) {
                    reason = "ExitCode:" + state.path("terminated").path("exitCode").asInt();
                } else if (c.path("ready").asBoolean(false) && state.has("running")) {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                boolean readyCondition = false;
                for (JsonNode cond : status.path("conditions")) {
                    readyCondition |= cond.path("type").asText().equals("Ready")
                            && cond.path("status").asText().equals("True");
                }
                reason = readyCondition ? "Running" : "NotReady";
            }
        }
        if (o.path("metadata").hasNonNull("deletionTimestamp")) {
            reason = "NodeLost".equals(status.path("reason").asText()) ? "Unknown" : "Terminating";
        }
        String ip = status.path("podIPs").size() > 0 ? status.path("podIPs").get(0).path("ip").asText("") : "";
        String gates = "<none>";
        if (spec.path("readinessGates").size() > 0) {
            int trueConditions = 0;
            for (JsonNode gate : spec.path("readinessGates")) {
                for (JsonNode cond : status.path("conditions")) {
                    if (cond.path("type").asText().equals(gate.path("conditionType").asText())) {
                        if (cond.path("status").asText().equals("True")) {
                            trueConditions++;
                        }
                        break;
                    }
                }
            }
            gates = trueConditions + "/" + spec.path("readinessGates").size();
        }
        return cells(meta(o, "name"), ready + "/" + total, reason, String.valueOf(restarts), age(o),
                ip.isEmpty() ? "<none>" : ip, spec.path("nodeName").asText("").isEmpty() ? "<none>"
                        : spec.path("nodeName").asText(),
                status.path("nominatedNodeName").asText("").isEmpty() ? "<none>"
                        : status.path("nominatedNodeName").asText(), gates);
    }

    private static List<Object> pvc(JsonNode o) {
        JsonNode spec = o.path("spec");
        JsonNode status = o.path("status");
        String phase = o.path("metadata").hasNonNull("deletionTimestamp") ? "Terminating"
                : status.path("phase").asText("");
        String capacity = "";
        String modes = "";
        if (!spec.path("volumeName").asText("").isEmpty()) {
            modes = accessModes(status.path("accessModes"));
            capacity = status.path("capacity").path("storage").asText("");
        }
        // core/helper GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName
        String storageClass = o.path("metadata").path("annotations")
                .path("volume.beta.kubernetes.io/storage-class").asText(spec.path("storageClassName").asText(""));
        return cells(meta(o, "name"), phase, spec.path("volumeName").asText(""), capacity, modes, storageClass,
                spec.path("volumeAttributesClassName").asText("<unset>"), age(o),
                spec.path("volumeMode").asText("<unset>"));
    }

    private static List<Object> pv(JsonNode o) {
        JsonNode spec = o.path("spec");
        String claim = spec.has("claimRef") ? spec.path("claimRef").path("namespace").asText("") + "/"
                + spec.path("claimRef").path("name").asText("") : "";
        String phase = o.path("metadata").hasNonNull("deletionTimestamp") ? "Terminating"
                : o.path("status").path("phase").asText("");
        String storageClass = o.path("metadata").path("annotations")
                .path("volume.beta.kubernetes.io/storage-class").asText(spec.path("storageClassName").asText(""));
        return cells(meta(o, "name"), spec.path("capacity").path("storage").asText(""),
                accessModes(spec.path("accessModes")), spec.path("persistentVolumeReclaimPolicy").asText(""), phase,
                claim, storageClass, spec.path("volumeAttributesClassName").asText("<unset>"),
                o.path("status").path("reason").asText(""), age(o), spec.path("volumeMode").asText("<unset>"));
    }

    private static List<Object> event(JsonNode o) {
        JsonNode first = o.get("firstTimestamp");
        String firstSeen = first != null && first.isTextual() ? since(first) : since(o.get("eventTime"));
        JsonNode last = o.get("lastTimestamp");
        String lastSeen = last != null && last.isTextual() ? since(last) : firstSeen;
        long count = o.path("count").asLong(0);
        if (o.has("series") && o.get("series").isObject()) {
            lastSeen = since(o.path("series").get("lastObservedTime"));
            count = o.path("series").path("count").asLong(0);
        } else if (count == 0) {
            count = 1;
        }
        JsonNode involved = o.path("involvedObject");
        String kind = involved.path("kind").asText("").toLowerCase(java.util.Locale.ROOT);
        String target = involved.path("name").asText("").isEmpty() ? kind : kind + "/" + involved.path("name").asText();
        JsonNode source = o.path("source");
        String src = source.path("component").asText("");
        if (src.isEmpty()) {
            src = o.path("reportingComponent").asText("");
        }
        if (!source.path("host").asText("").isEmpty()) {
            src = src + ", " + source.path("host").asText();
        }
        return cells(lastSeen, o.path("type").asText(""), o.path("reason").asText(""), target,
                involved.path("fieldPath").asText(""), src, o.path("message").asText("").trim(), firstSeen, count,
                meta(o, "name"));
    }

    private static String endpoints(JsonNode o) {
        JsonNode subsets = o.path("subsets");
        if (subsets.isEmpty()) {
            return "<none>";
        }
        List<String> list = new ArrayList<>();
        int count = 0;
        boolean more = false;
        for (JsonNode ss : subsets) {
            JsonNode addresses = ss.path("addresses");
            if (ss.path("ports").isEmpty()) {
                count += addresses.size();
                for (JsonNode a : addresses) {
                    if (list.size() == 3) {
                        more = true;
                        break;
                    }
                    list.add(a.path("ip").asText());
                }
                continue;
            }
            for (JsonNode port : ss.path("ports")) {
                count += addresses.size();
                for (JsonNode a : addresses) {
                    if (list.size() == 3) {
                        more = true;
                        break;
                    }
                    String ip = a.path("ip").asText();
                    list.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port.path("port").asInt());
                }
            }
        }
        String ret = String.join(",", list);
        return more ? ret + " + " + (count - 3) + " more..." : ret;
    }

    private static List<Object> node(JsonNode o) {
        String state = "Unknown";
        for (JsonNode c : o.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                state = c.path("status").asText().equals("True") ? "Ready" : "NotReady";
            }
        }
        if (o.path("spec").path("unschedulable").asBoolean(false)) {
            state += ",SchedulingDisabled";
        }
        TreeSet<String> roles = new TreeSet<>();
        o.path("metadata").path("labels").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("node-role.kubernetes.io/")) {
                String role = e.getKey().substring("node-role.kubernetes.io/".length());
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            } else if (e.getKey().equals("kubernetes.io/role") && !e.getValue().asText().isEmpty()) {
                roles.add(e.getValue().asText());
            }
        });
        String internal = "<none>";
        String external = "<none>";
        for (JsonNode a : o.path("status").path("addresses")) {
            if (a.path("type").asText().equals("InternalIP") && internal.equals("<none>")) {
                internal = a.path("address").asText();
            } else if (a.path("type").asText().equals("ExternalIP") && external.equals("<none>")) {
                external = a.path("address").asText();
            }
        }
        JsonNode info = o.path("status").path("nodeInfo");
        return cells(meta(o, "name"), state, roles.isEmpty() ? "<none>" : String.join(",", roles), age(o),
                info.path("kubeletVersion").asText(""), internal, external,
                info.path("osImage").asText("").isEmpty() ? "<unknown>" : info.path("osImage").asText(),
                info.path("kernelVersion").asText("").isEmpty() ? "<unknown>" : info.path("kernelVersion").asText(),
                info.path("containerRuntimeVersion").asText("").isEmpty() ? "<unknown>"
                        : info.path("containerRuntimeVersion").asText());
    }

    private static List<Object> job(JsonNode o) {
        JsonNode spec = o.path("spec");
        JsonNode status = o.path("status");
        long succeeded = status.path("succeeded").asLong(0);
        String completions;
        if (spec.has("completions")) {
            completions = succeeded + "/" + spec.path("completions").asLong();
        } else {
            long parallelism = spec.path("parallelism").asLong(0);
            completions = parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
        }
        String duration = "";
        if (status.hasNonNull("startTime")) {
            try {
                Instant start = Instant.parse(status.path("startTime").asText());
                Instant end = status.hasNonNull("completionTime")
                        ? Instant.parse(status.path("completionTime").asText()) : Instant.now();
                duration = humanDuration(Duration.between(start, end));
            } catch (DateTimeParseException e) {
                duration = "";
            }
        }
        String[] c = containers(spec.path("template").path("spec"));
        return cells(meta(o, "name"), completions, duration, age(o), c[0], c[1],
                formatLabelSelector(spec.get("selector")));
    }

    private static List<Object> binding(JsonNode o) {
        List<String> users = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        List<String> sas = new ArrayList<>();
        for (JsonNode s : o.path("subjects")) {
            switch (s.path("kind").asText()) {
                case "User" -> users.add(s.path("name").asText());
                case "Group" -> groups.add(s.path("name").asText());
                case "ServiceAccount" -> sas.add(s.path("namespace").asText("") + "/" + s.path("name").asText());
                default -> { }
            }
        }
        JsonNode ref = o.path("roleRef");
        return cells(meta(o, "name"), ref.path("kind").asText("") + "/" + ref.path("name").asText(""), age(o),
                String.join(", ", users), String.join(", ", groups), String.join(", ", sas));
    }

    private static List<Object> ingress(JsonNode o) {
        JsonNode spec = o.path("spec");
        List<String> hosts = new ArrayList<>();
        JsonNode rules = spec.path("rules");
        boolean more = false;
        for (JsonNode rule : rules) {
            if (hosts.size() == 3) {
                more = true;
            }
            if (!more && !rule.path("host").asText("").isEmpty()) {
                hosts.add(rule.path("host").asText());
            }
        }
        String hostText = hosts.isEmpty() ? "*" : String.join(",", hosts) + (more ? " + " + (rules.size() - 3)
                + " more..." : "");
        TreeSet<String> addresses = new TreeSet<>();
        for (JsonNode i : o.path("status").path("loadBalancer").path("ingress")) {
            if (!i.path("ip").asText("").isEmpty()) {
                addresses.add(i.path("ip").asText());
            } else if (!i.path("hostname").asText("").isEmpty()) {
                addresses.add(i.path("hostname").asText());
            }
        }
        return cells(meta(o, "name"), spec.path("ingressClassName").asText("<none>"), hostText,
                String.join(",", addresses), spec.path("tls").size() > 0 ? "80, 443" : "80", age(o));
    }

    /** openshift-apiserver pkg/route/printers/internalversion/printer.go printRoute. */
    private static List<Object> route(JsonNode o) {
        JsonNode spec = o.path("spec");
        String term = spec.path("tls").path("termination").asText("");
        String insecure = spec.path("tls").path("insecureEdgeTerminationPolicy").asText("");
        String host = spec.path("host").asText("");
        boolean matchedHost = false;
        String reason = "";
        int admitted = 0;
        int errors = 0;
        JsonNode ingresses = o.path("status").get("ingress");
        if (ingresses != null) {
            for (JsonNode ingress : ingresses) {
                for (JsonNode c : ingress.path("conditions")) {
                    if (!c.path("type").asText().equals("Admitted")) {
                        continue;
                    }
                    if (c.path("status").asText().equals("True")) {
                        admitted++;
                        if (!matchedHost) {
                            matchedHost = ingress.path("host").asText("").equals(spec.path("host").asText(""));
                            host = ingress.path("host").asText("");
                        }
                    } else if (c.path("status").asText().equals("False")) {
                        reason = c.path("reason").asText("");
                        errors++;
                    }
                    break;
                }
            }
        }
        if (ingresses != null && !ingresses.isNull()) {
            if (admitted == 0 && errors > 0) {
                host = reason;
            } else if (errors > 0) {
                host = host + " ... " + errors + " rejected";
            } else if (admitted == 0) {
                host = "Pending";
            } else if (admitted > 1) {
                host = host + " ... " + (admitted - 1) + " more";
            }
        }
        String policy;
        if (!term.isEmpty() && !insecure.isEmpty()) {
            policy = term + "/" + insecure;
        } else if (!term.isEmpty()) {
            policy = term;
        } else if (!insecure.isEmpty()) {
            policy = "default/" + insecure;
        } else {
            policy = "";
        }
        List<JsonNode> backends = new ArrayList<>();
        backends.add(spec.path("to"));
        spec.path("alternateBackends").forEach(backends::add);
        long totalWeight = 0;
        for (JsonNode b : backends) {
            totalWeight += b.path("weight").asLong(0);
        }
        List<String> info = new ArrayList<>();
        for (JsonNode b : backends) {
            if (!b.has("weight") || (backends.size() == 1 && totalWeight != 0)) {
                info.add(b.path("name").asText(""));
            } else if (totalWeight == 0) {
                info.add(b.path("name").asText("") + "(0%)");
            } else {
                info.add(b.path("name").asText("") + "(" + (b.path("weight").asLong() * 100 / totalWeight) + "%)");
            }
        }
        String port = spec.has("port") ? spec.path("port").path("targetPort").asText("") : "<all>";
        return cells(meta(o, "name"), host, spec.path("path").asText(""), String.join(",", info), port, policy,
                spec.path("wildcardPolicy").asText(""));
    }

    /**
     * Built-in kinds of the sandbox that a real cluster serves through CRDs: their printer columns, copied from the
     * CRDs (openshift/api release-4.16 config/v1/zz_generated.crd-manifests/
     * 0000_00_cluster-version-operator_01_clusterversions-Default.crd.yaml; kserve
     * config/crd/full/serving.kserve.io_inferenceservices.yaml and serving.kserve.io_servingruntimes.yaml).
     * Those without columns (ingresses and infrastructures.config.openshift.io) get Age.
     */
    private static Map<String, List<ObjectNode>> crdLikeColumns() {
        Map<String, List<ObjectNode>> m = new TreeMap<>();
        m.put("config.openshift.io/clusterversions", List.of(
                col("Version", "string", ".status.history[?(@.state==\"Completed\")].version"),
                col("Available", "string", ".status.conditions[?(@.type==\"Available\")].status"),
                col("Progressing", "string", ".status.conditions[?(@.type==\"Progressing\")].status"),
                col("Since", "date", ".status.conditions[?(@.type==\"Progressing\")].lastTransitionTime"),
                col("Status", "string", ".status.conditions[?(@.type==\"Progressing\")].message")));
        m.put("config.openshift.io/ingresses", List.of());
        m.put("config.openshift.io/infrastructures", List.of());
        m.put("serving.kserve.io/inferenceservices", List.of(
                col("URL", "string", ".status.url"),
                col("Ready", "string", ".status.conditions[?(@.type=='Ready')].status"),
                col("Prev", "integer", ".status.components.predictor.traffic[?(@.tag=='prev')].percent"),
                col("Latest", "integer", ".status.components.predictor.traffic[?(@.latestRevision==true)].percent"),
                col("PrevRolledoutRevision", "string",
                        ".status.components.predictor.traffic[?(@.tag=='prev')].revisionName"),
                col("LatestReadyRevision", "string",
                        ".status.components.predictor.traffic[?(@.latestRevision==true)].revisionName"),
                col("Age", "date", ".metadata.creationTimestamp")));
        m.put("serving.kserve.io/servingruntimes", List.of(
                col("Disabled", "boolean", ".spec.disabled"),
                col("ModelType", "string", ".spec.supportedModelFormats[*].name"),
                col("Containers", "string", ".spec.containers[*].name"),
                col("Age", "date", ".metadata.creationTimestamp")));
        return m;
    }

    private static ObjectNode col(String name, String type, String jsonPath) {
        return NODES.objectNode().put("name", name).put("type", type).put("jsonPath", jsonPath);
    }
}

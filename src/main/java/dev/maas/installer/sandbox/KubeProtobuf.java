package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the protobuf request bodies of built-in kinds ({@code Content-Type: application/vnd.kubernetes.protobuf}),
 * which kubectl's typed clients send (client-go 1.32 rest/request.go UseProtobufAsDefault: {@code kubectl create
 * namespace}, {@code create secret}, {@code create deployment}...), into the JSON the rest of the server handles.
 * The envelope is apimachinery's (runtime/serializer/protobuf/protobuf.go: the prefix {@code k8s\0} then a
 * {@code runtime.Unknown} with the type meta and the object's bytes); the messages are read with the schema of the
 * Kubernetes v1.29 {@code generated.proto} files bundled under {@code protobuf/} (see PROVENANCE.md there), whose
 * field names are the JSON names. The special types are written as their JSON forms: Time and MicroTime as
 * RFC 3339, Quantity as its string, IntOrString as a number or a string, RawExtension and FieldsV1 as the JSON they
 * carry, bytes in base64.
 */
final class KubeProtobuf {
    static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
    private static final byte[] PREFIX = {'k', '8', 's', 0};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    private static final List<String> FILES = List.of("k8s.io_api_core_v1", "k8s.io_api_apps_v1", "k8s.io_api_batch_v1",
            "k8s.io_api_rbac_v1", "k8s.io_api_storage_v1", "k8s.io_api_networking_v1", "k8s.io_api_coordination_v1",
            "k8s.io_api_authorization_v1", "k8s.io_apimachinery_pkg_apis_meta_v1", "k8s.io_apimachinery_pkg_runtime",
            "k8s.io_apimachinery_pkg_api_resource", "k8s.io_apimachinery_pkg_util_intstr");
    /** API group -> proto package of its v1 types. */
    private static final Map<String, String> PACKAGES = Map.of("", "k8s.io.api.core.", "apps", "k8s.io.api.apps.",
            "batch", "k8s.io.api.batch.", "rbac.authorization.k8s.io", "k8s.io.api.rbac.",
            "storage.k8s.io", "k8s.io.api.storage.", "networking.k8s.io", "k8s.io.api.networking.",
            "coordination.k8s.io", "k8s.io.api.coordination.", "authorization.k8s.io", "k8s.io.api.authorization.");

    private record Field(String name, String type, boolean repeated, String keyType, String valueType) { }

    private static volatile Map<String, Map<Integer, Field>> messages;

    private KubeProtobuf() { }

    static boolean isProtobuf(String contentType) {
        return contentType != null && contentType.split(";")[0].trim().equals(MEDIA_TYPE);
    }

    /** The JSON object of a protobuf-encoded body. */
    static ObjectNode decode(byte[] body) {
        if (body.length < PREFIX.length || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0) {
            throw new IllegalArgumentException("provided data does not appear to be a protobuf message, expected "
                    + "prefix [107 56 115 0]");
        }
        Reader unknown = new Reader(body, PREFIX.length, body.length);
        String apiVersion = "";
        String kind = "";
        byte[] raw = new byte[0];
        while (unknown.more()) {
            long tag = unknown.varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 2) {
                Reader typeMeta = unknown.sub();
                while (typeMeta.more()) {
                    long t = typeMeta.varint();
                    if ((t & 7) != 2) {
                        typeMeta.skip((int) (t & 7));
                    } else if ((t >>> 3) == 1) {
                        apiVersion = typeMeta.string();
                    } else if ((t >>> 3) == 2) {
                        kind = typeMeta.string();
                    } else {
                        typeMeta.skip(2);
                    }
                }
            } else if (field == 2 && wire == 2) {
                raw = unknown.bytes();
            } else {
                unknown.skip(wire);
            }
        }
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
        String pkg = PACKAGES.get(group);
        String type = pkg == null ? null : pkg + version + "." + kind;
        if (kind.equals("DeleteOptions")) {
            type = META + kind;
        }
        if (type == null || !schema().containsKey(type)) {
            throw new IllegalArgumentException("no protobuf schema for " + apiVersion + ", Kind=" + kind);
        }
        ObjectNode out = NODES.objectNode().put("apiVersion", apiVersion).put("kind", kind);
        ObjectNode object = (ObjectNode) message(type, new Reader(raw, 0, raw.length));
        object.fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue()));
        return out;
    }

    private static JsonNode message(String type, Reader r) {
        switch (type) {
            case META + "Time":
            case META + "MicroTime": {
                long seconds = 0;
                long nanos = 0;
                if (!r.more()) {
                    return NODES.nullNode(); // metav1.Time Marshal: the zero time is an empty message; JSON null
                }
                while (r.more()) {
                    long t = r.varint();
                    if ((t >>> 3) == 1) {
                        seconds = r.varint();
                    } else if ((t >>> 3) == 2) {
                        nanos = r.varint();
                    } else {
                        r.skip((int) (t & 7));
                    }
                }
                Instant i = Instant.ofEpochSecond(seconds, nanos);
                return NODES.textNode(type.endsWith("MicroTime")
                        ? DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC).format(i)
                        : DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(seconds)));
            }
            case "k8s.io.apimachinery.pkg.api.resource.Quantity": {
                String s = "";
                while (r.more()) {
                    long t = r.varint();
                    if ((t >>> 3) == 1 && (t & 7) == 2) {
                        s = r.string();
                    } else {
                        r.skip((int) (t & 7));
                    }
                }
                return NODES.textNode(s);
            }
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString": {
                long kind = 0;
                long intVal = 0;
                String strVal = "";
                while (r.more()) {
                    long t = r.varint();
                    switch ((int) (t >>> 3)) {
                        case 1 -> kind = r.varint();
                        case 2 -> intVal = (int) r.varint();
                        case 3 -> strVal = r.string();
                        default -> r.skip((int) (t & 7));
                    }
                }
                return kind == 1 ? NODES.textNode(strVal) : NODES.numberNode(intVal);
            }
            case "k8s.io.apimachinery.pkg.runtime.RawExtension":
            case META + "FieldsV1": {
                byte[] raw = new byte[0];
                while (r.more()) {
                    long t = r.varint();
                    if ((t >>> 3) == 1 && (t & 7) == 2) {
                        raw = r.bytes();
                    } else {
                        r.skip((int) (t & 7));
                    }
                }
                try {
                    return raw.length == 0 ? NODES.nullNode() : JSON.readTree(raw);
                } catch (IOException e) {
                    throw new IllegalArgumentException("the embedded object is not JSON", e);
                }
            }
            default:
                break;
        }
        Map<Integer, Field> fields = schema().get(type);
        if (fields == null) {
            throw new IllegalArgumentException("no protobuf schema for " + type);
        }
        // a named list type wrapping its items (ExtraValue, Verbs) is a JSON array
        if (fields.size() == 1 && fields.containsKey(1) && fields.get(1).repeated()
                && fields.get(1).name().equals("items") && !type.endsWith("List")) {
            ArrayNode arr = NODES.arrayNode();
            while (r.more()) {
                long t = r.varint();
                if ((t >>> 3) == 1) {
                    arr.add(scalarOrMessage(fields.get(1).type(), r, (int) (t & 7)));
                } else {
                    r.skip((int) (t & 7));
                }
            }
            return arr;
        }
        ObjectNode out = NODES.objectNode();
        while (r.more()) {
            long tag = r.varint();
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            Field f = fields.get(number);
            if (f == null) {
                r.skip(wire);
                continue;
            }
            if (f.keyType() != null) {
                Reader entry = r.sub();
                String key = "";
                JsonNode value = NODES.nullNode();
                while (entry.more()) {
                    long t = entry.varint();
                    if ((t >>> 3) == 1) {
                        key = scalarOrMessage(f.keyType(), entry, (int) (t & 7)).asText();
                    } else if ((t >>> 3) == 2) {
                        value = scalarOrMessage(f.valueType(), entry, (int) (t & 7));
                    } else {
                        entry.skip((int) (t & 7));
                    }
                }
                out.withObjectProperty(f.name()).set(key, value);
            } else if (f.repeated()) {
                ArrayNode arr = out.withArrayProperty(f.name());
                if (wire == 2 && isPackable(f.type())) {
                    Reader packed = r.sub();
                    while (packed.more()) {
                        arr.add(scalar(f.type(), packed, f.type().equals("double") ? 1 : 0));
                    }
                } else {
                    arr.add(scalarOrMessage(f.type(), r, wire));
                }
            } else {
                out.set(f.name(), scalarOrMessage(f.type(), r, wire));
            }
        }
        // gogo-protobuf writes every non-pointer field, zero or not; Go's JSON leaves out the zero ones tagged
        // omitempty (the list is read from the Go types, see omitEmpty())
        for (String name : omitEmpty().getOrDefault(type, List.of())) {
            JsonNode v = out.get(name);
            if (v != null && ((v.isTextual() && v.asText().isEmpty()) || (v.isNumber() && v.asLong() == 0)
                    || (v.isBoolean() && !v.asBoolean()))) {
                out.remove(name);
            }
        }
        return out;
    }

    private static volatile Map<String, List<String>> omitEmpty;

    /**
     * Message -> its non-pointer scalar fields tagged {@code json:",omitempty"}, extracted from the Go types of the
     * same Kubernetes version (protobuf/omitempty.json, see PROVENANCE.md).
     */
    private static Map<String, List<String>> omitEmpty() {
        Map<String, List<String>> m = omitEmpty;
        if (m == null) {
            synchronized (KubeProtobuf.class) {
                m = omitEmpty;
                if (m == null) {
                    try {
                        m = JSON.readValue(read("dev/maas/installer/sandbox/protobuf/omitempty.json"),
                                new com.fasterxml.jackson.core.type.TypeReference<Map<String, List<String>>>() { });
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    omitEmpty = m;
                }
            }
        }
        return m;
    }

    private static boolean isPackable(String type) {
        return switch (type) {
            case "int32", "int64", "uint32", "uint64", "bool", "double" -> true;
            default -> false;
        };
    }

    private static JsonNode scalarOrMessage(String type, Reader r, int wire) {
        if (schema().containsKey(type) || type.startsWith("k8s.io.")) {
            return message(type, r.sub());
        }
        return scalar(type, r, wire);
    }

    private static JsonNode scalar(String type, Reader r, int wire) {
        return switch (type) {
            case "string" -> NODES.textNode(r.string());
            case "bytes" -> NODES.textNode(Base64.getEncoder().encodeToString(r.bytes()));
            case "bool" -> NODES.booleanNode(r.varint() != 0);
            case "int32" -> NODES.numberNode((int) r.varint());
            case "int64", "uint64", "uint32" -> NODES.numberNode(r.varint());
            case "double" -> NODES.numberNode(Double.longBitsToDouble(r.fixed64()));
            default -> {
                r.skip(wire);
                yield NODES.nullNode();
            }
        };
    }

    // ---- the schema ----

    private static Map<String, Map<Integer, Field>> schema() {
        Map<String, Map<Integer, Field>> m = messages;
        if (m == null) {
            synchronized (KubeProtobuf.class) {
                m = messages;
                if (m == null) {
                    m = new HashMap<>();
                    for (String file : FILES) {
                        parse(read("dev/maas/installer/sandbox/protobuf/" + file + ".proto"), m);
                    }
                    messages = m;
                }
            }
        }
        return m;
    }

    private static String read(String resource) {
        try (InputStream in = KubeProtobuf.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The message declarations of one proto2 file (no nested messages, as in Kubernetes' generated.proto). */
    private static void parse(String proto, Map<String, Map<Integer, Field>> out) {
        String pkg = "";
        Map<Integer, Field> current = null;
        java.util.regex.Pattern field = java.util.regex.Pattern.compile(
                "^\\s*(optional|repeated|required)\\s+([\\w.]+)\\s+(\\w+)\\s*=\\s*(\\d+)\\s*;.*$");
        java.util.regex.Pattern map = java.util.regex.Pattern.compile(
                "^\\s*map<\\s*([\\w.]+)\\s*,\\s*([\\w.]+)\\s*>\\s+(\\w+)\\s*=\\s*(\\d+)\\s*;.*$");
        for (String line : proto.split("\n")) {
            String l = line.trim();
            if (l.startsWith("package ")) {
                pkg = l.substring("package ".length(), l.indexOf(';')).trim();
            } else if (l.startsWith("message ")) {
                String name = l.substring("message ".length(), l.indexOf('{')).trim();
                current = new HashMap<>();
                out.put(pkg + "." + name, current);
            } else if (l.equals("}")) {
                current = null;
            } else if (current != null) {
                java.util.regex.Matcher f = field.matcher(l);
                java.util.regex.Matcher m = map.matcher(l);
                if (f.matches()) {
                    current.put(Integer.parseInt(f.group(4)), new Field(f.group(3), qualify(pkg, f.group(2)),
                            f.group(1).equals("repeated"), null, null));
                } else if (m.matches()) {
                    current.put(Integer.parseInt(m.group(4)), new Field(m.group(3), null, false,
                            qualify(pkg, m.group(1)), qualify(pkg, m.group(2))));
                }
            }
        }
    }

    private static String qualify(String pkg, String type) {
        return switch (type) {
            case "string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float" -> type;
            default -> type.contains(".") ? type : pkg + "." + type;
        };
    }

    /** A protobuf byte range being read. */
    private static final class Reader {
        private final byte[] data;
        private int pos;
        private final int end;

        Reader(byte[] data, int from, int to) {
            this.data = data;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long result = 0;
            int shift = 0;
            while (pos < end) {
                byte b = data[pos++];
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
                shift += 7;
            }
            throw new IllegalArgumentException("truncated protobuf varint");
        }

        long fixed64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) (data[pos++] & 0xFF) << (8 * i);
            }
            return v;
        }

        byte[] bytes() {
            int length = (int) varint();
            if (length < 0 || pos + length > end) {
                throw new IllegalArgumentException("truncated protobuf field");
            }
            byte[] b = java.util.Arrays.copyOfRange(data, pos, pos + length);
            pos += length;
            return b;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        Reader sub() {
            int length = (int) varint();
            if (length < 0 || pos + length > end) {
                throw new IllegalArgumentException("truncated protobuf message");
            }
            Reader r = new Reader(data, pos, pos + length);
            pos += length;
            return r;
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> bytes();
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wire);
            }
        }
    }

    /**
     * A request whose body is protobuf (kubectl's typed clients) as the same request in JSON: the rest of the server
     * reads JSON. A body that cannot be read is refused as the API server refuses it: 400.
     */
    static RecordedRequest asJson(RecordedRequest request) {
        if (!KubeProtobuf.isProtobuf(request.getHeader("Content-Type")) || request.getBody() == null) {
            return request;
        }
        ObjectNode json;
        try {
            json = KubeProtobuf.decode(request.getBody().readByteArray());
        } catch (IllegalArgumentException e) {
            throw new ApiStatus.Rejection(ApiStatus.status(400, "BadRequest", e.getMessage(), null));
        }
        Headers.Builder headers = Headers.builder();
        request.getHeaders().toMultimap().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> headers.add(name, v));
            }
        });
        headers.add("Content-Type", "application/json");
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), headers.build(),
                new Buffer(json.toString().getBytes(StandardCharsets.UTF_8)));
    }
}

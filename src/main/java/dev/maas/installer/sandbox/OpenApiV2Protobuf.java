package dev.maas.installer.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * The Swagger 2.0 document in the protobuf form kubectl asks for first
 * ({@code Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf}, client-go discovery
 * OpenAPISchema), encoded by hand after gnostic-models openapiv2/OpenAPIv2.proto (the message and field numbers
 * below are that file's). Values the proto keeps as {@code Any} (vendor extensions, defaults, enums, examples) carry
 * their JSON text in {@code Any.yaml}, which YAML readers accept.
 */
final class OpenApiV2Protobuf {
    private OpenApiV2Protobuf() { }

    static byte[] encode(JsonNode doc) {
        Msg m = new Msg();
        m.string(1, doc.path("swagger").asText("2.0"));
        JsonNode info = doc.path("info");
        if (info.isObject()) {
            Msg i = new Msg();
            i.string(1, info.path("title").asText(""));
            i.string(2, info.path("version").asText(""));
            i.string(3, info.path("description").asText(""));
            m.message(2, i);
        }
        if (doc.path("paths").isObject()) {
            Msg paths = new Msg();
            doc.path("paths").fields().forEachRemaining(e -> {
                Msg named = new Msg();
                named.string(1, e.getKey());
                named.message(2, pathItem(e.getValue()));
                paths.message(2, named);
            });
            m.message(8, paths);
        }
        if (doc.path("definitions").isObject()) {
            Msg defs = new Msg();
            doc.path("definitions").fields().forEachRemaining(e -> defs.message(1, namedSchema(e.getKey(),
                    e.getValue())));
            m.message(9, defs);
        }
        for (JsonNode requirement : doc.path("security")) {
            Msg sec = new Msg();
            requirement.fields().forEachRemaining(e -> {
                Msg named = new Msg();
                named.string(1, e.getKey());
                Msg values = new Msg();
                e.getValue().forEach(v -> values.string(1, v.asText()));
                named.message(2, values);
                sec.message(1, named);
            });
            m.message(12, sec);
        }
        if (doc.path("securityDefinitions").isObject()) {
            Msg defs = new Msg();
            doc.path("securityDefinitions").fields().forEachRemaining(e -> {
                JsonNode d = e.getValue();
                if (!"apiKey".equals(d.path("type").asText())) {
                    return;
                }
                Msg apiKey = new Msg();
                apiKey.string(1, "apiKey");
                apiKey.string(2, d.path("name").asText(""));
                apiKey.string(3, d.path("in").asText(""));
                apiKey.string(4, d.path("description").asText(""));
                Msg item = new Msg();
                item.message(2, apiKey);
                Msg named = new Msg();
                named.string(1, e.getKey());
                named.message(2, item);
                defs.message(1, named);
            });
            m.message(13, defs);
        }
        return m.bytes();
    }

    private static Msg pathItem(JsonNode item) {
        Msg m = new Msg();
        int[] numbers = {2, 3, 4, 5, 6, 7, 8};
        String[] methods = {"get", "put", "post", "delete", "options", "head", "patch"};
        for (int i = 0; i < methods.length; i++) {
            JsonNode op = item.get(methods[i]);
            if (op != null && op.isObject()) {
                m.message(numbers[i], operation(op));
            }
        }
        for (JsonNode p : item.path("parameters")) {
            m.message(9, parametersItem(p));
        }
        return m;
    }

    private static Msg operation(JsonNode op) {
        Msg m = new Msg();
        op.path("tags").forEach(t -> m.string(1, t.asText()));
        m.string(2, op.path("summary").asText(""));
        m.string(3, op.path("description").asText(""));
        m.string(5, op.path("operationId").asText(""));
        op.path("produces").forEach(t -> m.string(6, t.asText()));
        op.path("consumes").forEach(t -> m.string(7, t.asText()));
        op.path("parameters").forEach(p -> m.message(8, parametersItem(p)));
        if (op.path("responses").isObject()) {
            Msg responses = new Msg();
            op.path("responses").fields().forEachRemaining(e -> {
                Msg response = new Msg();
                response.string(1, e.getValue().path("description").asText(""));
                if (e.getValue().path("schema").isObject()) {
                    Msg schemaItem = new Msg();
                    schemaItem.message(1, schema(e.getValue().path("schema")));
                    response.message(2, schemaItem);
                }
                Msg value = new Msg();
                value.message(1, response);
                Msg named = new Msg();
                named.string(1, e.getKey());
                named.message(2, value);
                responses.message(1, named);
            });
            m.message(9, responses);
        }
        op.path("schemes").forEach(t -> m.string(10, t.asText()));
        m.bool(11, op.path("deprecated").asBoolean(false));
        vendorExtensions(m, 13, op);
        return m;
    }

    private static Msg parametersItem(JsonNode p) {
        Msg item = new Msg();
        if (p.has("$ref")) {
            Msg ref = new Msg();
            ref.string(1, p.path("$ref").asText());
            item.message(2, ref);
            return item;
        }
        Msg parameter = new Msg();
        String in = p.path("in").asText("");
        if (in.equals("body")) {
            Msg body = new Msg();
            body.string(1, p.path("description").asText(""));
            body.string(2, p.path("name").asText(""));
            body.string(3, in);
            body.bool(4, p.path("required").asBoolean(false));
            if (p.path("schema").isObject()) {
                body.message(5, schema(p.path("schema")));
            }
            parameter.message(1, body);
        } else {
            Msg nonBody = new Msg();
            Msg sub = new Msg();
            sub.bool(1, p.path("required").asBoolean(false));
            sub.string(2, in);
            sub.string(3, p.path("description").asText(""));
            sub.string(4, p.path("name").asText(""));
            if (in.equals("path")) {
                sub.string(5, p.path("type").asText(""));
                sub.string(6, p.path("format").asText(""));
                sub.bool(19, p.path("uniqueItems").asBoolean(false));
                nonBody.message(4, sub);
            } else if (in.equals("query")) {
                sub.string(6, p.path("type").asText(""));
                sub.string(7, p.path("format").asText(""));
                sub.bool(20, p.path("uniqueItems").asBoolean(false));
                nonBody.message(3, sub);
            } else {
                sub.string(5, p.path("type").asText(""));
                sub.string(6, p.path("format").asText(""));
                nonBody.message(in.equals("header") ? 1 : 2, sub);
            }
            parameter.message(2, nonBody);
        }
        item.message(1, parameter);
        return item;
    }

    private static Msg namedSchema(String name, JsonNode schema) {
        Msg named = new Msg();
        named.string(1, name);
        named.message(2, schema(schema));
        return named;
    }

    private static Msg schema(JsonNode s) {
        Msg m = new Msg();
        m.string(1, s.path("$ref").asText(""));
        m.string(2, s.path("format").asText(""));
        m.string(3, s.path("title").asText(""));
        m.string(4, s.path("description").asText(""));
        if (s.has("default")) {
            m.message(5, any(s.get("default")));
        }
        m.number(6, s.get("multipleOf"));
        m.number(7, s.get("maximum"));
        m.bool(8, s.path("exclusiveMaximum").asBoolean(false));
        m.number(9, s.get("minimum"));
        m.bool(10, s.path("exclusiveMinimum").asBoolean(false));
        m.varint(11, s.path("maxLength").asLong(0));
        m.varint(12, s.path("minLength").asLong(0));
        m.string(13, s.path("pattern").asText(""));
        m.varint(14, s.path("maxItems").asLong(0));
        m.varint(15, s.path("minItems").asLong(0));
        m.bool(16, s.path("uniqueItems").asBoolean(false));
        m.varint(17, s.path("maxProperties").asLong(0));
        m.varint(18, s.path("minProperties").asLong(0));
        s.path("required").forEach(r -> m.string(19, r.asText()));
        s.path("enum").forEach(e -> m.message(20, any(e)));
        JsonNode additional = s.get("additionalProperties");
        if (additional != null) {
            Msg a = new Msg();
            if (additional.isObject()) {
                a.message(1, schema(additional));
            } else {
                a.boolAlways(2, additional.asBoolean());
            }
            m.message(21, a);
        }
        JsonNode type = s.get("type");
        if (type != null) {
            Msg t = new Msg();
            if (type.isArray()) {
                type.forEach(v -> t.string(1, v.asText()));
            } else {
                t.string(1, type.asText());
            }
            m.message(22, t);
        }
        JsonNode items = s.get("items");
        if (items != null) {
            Msg i = new Msg();
            if (items.isArray()) {
                items.forEach(x -> i.message(1, schema(x)));
            } else {
                i.message(1, schema(items));
            }
            m.message(23, i);
        }
        s.path("allOf").forEach(x -> m.message(24, schema(x)));
        if (s.path("properties").isObject()) {
            Msg props = new Msg();
            s.path("properties").fields().forEachRemaining(e -> props.message(1, namedSchema(e.getKey(),
                    e.getValue())));
            m.message(25, props);
        }
        m.string(26, s.path("discriminator").asText(""));
        m.bool(27, s.path("readOnly").asBoolean(false));
        if (s.has("example")) {
            m.message(30, any(s.get("example")));
        }
        vendorExtensions(m, 31, s);
        return m;
    }

    private static void vendorExtensions(Msg m, int field, JsonNode node) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("x-")) {
                Msg named = new Msg();
                named.string(1, e.getKey());
                named.message(2, any(e.getValue()));
                m.message(field, named);
            }
        }
    }

    private static Msg any(JsonNode value) {
        Msg a = new Msg();
        a.stringAlways(2, value.isTextual() ? value.asText() + "\n" : value.toString() + "\n");
        return a;
    }

    /** A protobuf message being written (proto3: default values are left out). */
    private static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        byte[] bytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            raw((long) field << 3 | wireType);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        void string(int field, String s) {
            if (s != null && !s.isEmpty()) {
                stringAlways(field, s);
            }
        }

        void stringAlways(int field, String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            tag(field, 2);
            raw(b.length);
            out.write(b, 0, b.length);
        }

        void message(int field, Msg m) {
            byte[] b = m.bytes();
            tag(field, 2);
            raw(b.length);
            out.write(b, 0, b.length);
        }

        void bool(int field, boolean v) {
            if (v) {
                boolAlways(field, true);
            }
        }

        void boolAlways(int field, boolean v) {
            tag(field, 0);
            raw(v ? 1 : 0);
        }

        void varint(int field, long v) {
            if (v != 0) {
                tag(field, 0);
                raw(v);
            }
        }

        void number(int field, JsonNode n) {
            if (n == null || !n.isNumber() || n.doubleValue() == 0) {
                return;
            }
            tag(field, 1);
            long bits = Double.doubleToLongBits(n.doubleValue());
            for (int i = 0; i < 8; i++) {
                out.write((int) (bits >>> (8 * i)) & 0xFF);
            }
        }
    }
}

package dev.maas.installer.sandbox.threescale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import dev.maas.installer.sandbox.threescale.SimStore.Req;
import dev.maas.installer.sandbox.threescale.SimStore.Resp;

/**
 * The helpers every part of the simulated tenant shares: JSON wrappers and pages as porta renders them, errors,
 * request parameters, and the name rules of app/lib/system_name.rb.
 */
final class SimSupport {
    private SimSupport() {
    }

    static final JsonNodeFactory J = JsonNodeFactory.instance;
    static final ObjectMapper MAPPER = new ObjectMapper();

    static final class SimError extends RuntimeException {
        final Resp resp;

        SimError(Resp resp) {
            super(null, null, false, false);
            this.resp = resp;
        }
    }

    @FunctionalInterface
    interface Handler {
        Resp handle(Req r);
    }

    /** porta's format of system names (app/lib/system_name.rb validates_system_name): at least two characters. */
    static final java.util.regex.Pattern SYSTEM_NAME = java.util.regex.Pattern.compile("\\w[\\w\\-/_]+");

    /** The system_name's format, and its uniqueness among {@code scope} (objects deleted but not purged count). */
    static void systemNameValid(String systemName, Collection<ObjectNode> scope, ObjectNode self,
                                        Map<String, List<String>> errs) {
        if (!SYSTEM_NAME.matcher(systemName).matches()) {
            errs.put("system_name", List.of("is invalid"));
        } else if (scope.stream().anyMatch(o -> o != self && systemName.equals(o.path("system_name").asText()))) {
            errs.put("system_name", List.of("has already been taken"));
        }
    }

    /** ActiveSupport's {@code parameterize.underscore}: ASCII letters, digits and underscores, words joined by "_". */
    static String parameterize(String s) {
        String ascii = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKD).replaceAll("\\p{M}", "")
                .replaceAll("[^\\x00-\\x7F]", "?");
        String p = ascii.replaceAll("(?i)[^a-z0-9\\-_]+", "-").replaceAll("-{2,}", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT);
        return p.replace('-', '_');
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** A refused delete: 403 {@code {"errors":{"base":[...]}}} (app/lib/three_scale/api/responder.rb). */
    static SimError refusedDelete(String... messages) {
        ObjectNode o = J.objectNode();
        ArrayNode base = o.putObject("errors").putArray("base");
        for (String m : messages) {
            base.add(m);
        }
        return new SimError(new Resp(403, o));
    }

    /**
     * A page of a collection whose representer is a {@code wraps_collection} one (ServicesRepresenter,
     * MetricsRepresenter, MethodsRepresenter): {@code ThreeScale::Api::Collection#to_json}
     * (app/lib/three_scale/api/collection.rb) adds {@code "metadata"} (per_page, total_entries, total_pages,
     * current_page) when there is more than one page.
     */
    static ObjectNode pageWithMetadata(Req r, List<ObjectNode> items, String listKey, String itemKey) {
        ObjectNode o = page(r, items, listKey, itemKey);
        int perPage = intParam(r, "per_page", 500);
        if (perPage < 1 || perPage > 500) {
            perPage = 500;
        }
        if (perPage < items.size()) {
            ObjectNode m = o.putObject("metadata");
            m.put("per_page", perPage);
            m.put("total_entries", items.size());
            m.put("total_pages", (items.size() + perPage - 1) / perPage);
            m.put("current_page", Math.max(1, intParam(r, "page", 1)));
        }
        return o;
    }

    /** Roar's hypermedia links: {@code "links":[{"rel":..,"href":..}]}. */
    static void links(ObjectNode o, String... relHref) {
        ArrayNode links = o.putArray("links");
        for (int i = 0; i < relHref.length; i += 2) {
            ObjectNode l = links.addObject();
            l.put("rel", relHref[i]);
            l.put("href", relHref[i + 1]);
        }
    }

    /** Copies the fields that are present and not null (representers leave nil properties out). */
    static void copyPresent(ObjectNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            if (v != null && !v.isNull()) {
                to.set(f, v.deepCopy());
            }
        }
    }

    /** Copies the fields, null when absent (as_json keeps nil attributes). */
    static void copyOrNull(ObjectNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            to.set(f, v == null ? J.nullNode() : v.deepCopy());
        }
    }

    static void putIdOrNull(ObjectNode o, String field, Optional<ObjectNode> of) {
        if (of.isPresent()) {
            o.put(field, of.get().get("id").asLong());
        } else {
            o.putNull(field);
        }
    }

    static String hostOf(String url) {
        try {
            return url == null ? null : new URI(url).getHost();
        } catch (Exception e) {
            return null;
        }
    }

    /** Proxy#endpoint_port: the endpoint's port, 80 when it cannot be read. */
    static int portOf(String url) {
        try {
            URI u = new URI(url);
            int port = u.getPort();
            return port != -1 ? port : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        } catch (Exception e) {
            return 80;
        }
    }

    /** Proxy::PortGenerator: the scheme's default port written out. */
    static String withDefaultPort(String value) {
        try {
            URI uri = new URI(value);
            if (uri.getPort() != -1 || uri.getHost() == null) {
                return value;
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
            return scheme + "://" + uri.getRawAuthority() + ":" + port + (uri.getRawPath() == null ? "" : uri.getRawPath());
        } catch (Exception e) {
            return value;
        }
    }

    /** The items of a list, each rendered by a representer. */
    static List<ObjectNode> views(Collection<ObjectNode> items, Function<ObjectNode, ObjectNode> view) {
        return items.stream().map(view).toList();
    }

    static String now() { return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(); }

    static void touch(ObjectNode o) { o.put("updated_at", now()); }

    static String slug(String name) {
        if (name == null) {
            return null;
        }
        String s = name.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return s.isEmpty() ? "item" : s;
    }

    static void copy(Req r, ObjectNode target, String... fields) {
        for (String f : fields) {
            if (r.has(f)) {
                target.put(f, r.p(f));
            }
        }
    }

    static boolean bool(String v) {
        return "true".equalsIgnoreCase(v) || "1".equals(v);
    }

    static int intParam(Req r, String name, int dflt) {
        try {
            return r.has(name) ? Integer.parseInt(r.p(name)) : dflt;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    static long longParam(Req r, String name) {
        try {
            return Long.parseLong(r.p(name));
        } catch (NumberFormatException e) {
            throw unprocessable(name, "is not a number");
        }
    }

    static void require(Req r, String... names) {
        Map<String, List<String>> errs = new LinkedHashMap<>();
        blank(r, errs, names);
        if (!errs.isEmpty()) {
            throw new SimError(errors(errs));
        }
    }

    static void blank(Req r, Map<String, List<String>> errs, String... names) {
        for (String n : names) {
            if (!r.has(n) || r.p(n).isBlank()) {
                errs.put(n, List.of("can't be blank"));
            }
        }
    }

    static JsonNode parseJson(String text, String field) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw unprocessable(field, "is not valid JSON");
        }
    }

    static long pathId(Req r, String name) {
        try {
            return Long.parseLong(r.path().get(name));
        } catch (NumberFormatException | NullPointerException e) {
            throw notFound();
        }
    }

    static ObjectNode find(Map<Long, ObjectNode> table, Req r, String param) {
        ObjectNode o = table.get(pathId(r, param));
        if (o == null) {
            throw notFound();
        }
        return o;
    }

    static ObjectNode wrap(String key, JsonNode entity) {
        ObjectNode o = J.objectNode();
        o.set(key, entity.deepCopy());
        return o;
    }

    static ObjectNode list(Collection<ObjectNode> items, String listKey, String itemKey) {
        ObjectNode o = J.objectNode();
        ArrayNode a = o.putArray(listKey);
        items.forEach(i -> a.add(wrap(itemKey, i)));
        return o;
    }

    /** porta's pagination: page from 1, per_page 1..500 (default 500; out of range falls back to the default). */
    static ObjectNode page(Req r, Collection<ObjectNode> items, String listKey, String itemKey) {
        int perPage = intParam(r, "per_page", 500);
        if (perPage < 1 || perPage > 500) {
            perPage = 500;
        }
        int page = intParam(r, "page", 1);
        if (page < 1) {
            page = 1;
        }
        return list(items.stream().skip((long) (page - 1) * perPage).limit(perPage).toList(), listKey, itemKey);
    }

    static Resp ok(JsonNode body) { return new Resp(200, body); }

    static Resp okEmpty() { return new Resp(200, null); }

    static Resp created(JsonNode body) { return new Resp(201, body); }

    static Resp error(int status, String message) {
        ObjectNode o = J.objectNode();
        if (status == 404) {
            o.put("status", message);
        } else {
            o.put("error", message);
        }
        return new Resp(status, o);
    }

    static Resp errors(Map<String, List<String>> fieldErrors) {
        ObjectNode o = J.objectNode();
        ObjectNode e = o.putObject("errors");
        fieldErrors.forEach((k, v) -> {
            ArrayNode a = e.putArray(k);
            v.forEach(a::add);
        });
        return new Resp(422, o);
    }

    static SimError notFound() { return new SimError(error(404, "Not found")); }

    static SimError unprocessable(String field, String message) {
        return new SimError(errors(Map.of(field, List.of(message))));
    }
}

package dev.maas.installer.catalog.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A custom APIcast policy as a folder: {@code apicast-policy.json} (the manifest), {@code init.lua} and the Lua
 * modules it requires. Loaded and validated in one step; an invalid folder is a {@link PolicyBundleException}
 * naming the folder, file and field.
 *
 * <p>The policy's identifier ({@link #name()}) is the folder name: it is the name APIcast loads the policy by
 * ({@code policies/<name>/<version>/init.lua}), the name in a product's policy chain, in the APIManager's
 * {@code customPolicies} and in the CustomPolicyDefinition. The manifest's own {@code name} is the human-readable
 * title shown in the admin portal ({@link #title()}).
 *
 * <p>{@link #files()} maps each file name to its text: exactly the data of the Kubernetes Secret the
 * {@code threescale} stage creates (Secret keys cannot contain '/', so a bundle is a flat folder).
 */
public final class PolicyBundle {
    public static final String MANIFEST = "apicast-policy.json";
    public static final String INIT = "init.lua";
    /** The policy every product gets by default (see installer-assets/policies/remove-bearer). */
    public static final String REMOVE_BEARER = "remove-bearer";
    /**
     * The policy that meters the tokens of OpenAI-compatible responses and reports them to 3scale (see
     * installer-assets/policies/llm-token-usage and docs/tiers.md).
     */
    public static final String LLM_TOKEN_USAGE = "llm-token-usage";
    /** Where the default policies are on the class path (the build copies installer-assets there). */
    public static final String CLASSPATH_ROOT = "/installer-assets/policies/";
    /** A Kubernetes Secret holds at most 1 MiB of data. */
    static final int MAX_TOTAL_BYTES = 1024 * 1024;
    /** The APIcast manifest schema limits the summary to 75 characters. */
    static final int MAX_SUMMARY = 75;

    /** A DNS-1123 label: the name is a Kubernetes object name (CustomPolicyDefinition, Secret, volume). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** Kubernetes allows at most 63 characters in a volume name (a DNS-1123 label). */
    public static final int MAX_VOLUME_NAME = 63;
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+(\\.\\d+)?(-[0-9A-Za-z.-]+)?");
    private static final Pattern FILE_NAME = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern REQUIRE = Pattern.compile("require\\s*\\(?\\s*['\"]([^'\"]+)['\"]");
    private static final Set<String> PLATFORM_MODULE_PREFIXES = Set.of("apicast", "resty", "ngx", "cjson",
            "inspect", "lrucache", "prometheus");
    private static final Set<String> JSON_TYPES = Set.of("object", "array", "string", "number", "integer",
            "boolean", "null");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String version;
    private final String title;
    private final String summary;
    private final List<String> description;
    private final ObjectNode manifest;
    private final Map<String, String> files;

    private PolicyBundle(String name, String version, String title, String summary, List<String> description,
                         ObjectNode manifest, Map<String, String> files) {
        this.name = name;
        this.version = version;
        this.title = title;
        this.summary = summary;
        this.description = description;
        this.manifest = manifest;
        this.files = files;
    }

    /** Loads and validates a policy folder. */
    public static PolicyBundle load(Path folder) {
        String where = "policy folder " + folder;
        if (!Files.isDirectory(folder)) {
            throw new PolicyBundleException(where + ": not a folder (give the folder that holds " + MANIFEST + ")");
        }
        Map<String, byte[]> raw = new TreeMap<>();
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path p : (Iterable<Path>) entries.sorted()::iterator) {
                String file = p.getFileName().toString();
                if (file.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    throw new PolicyBundleException(where + ": sub-folder " + file + " is not supported (a policy"
                            + " is stored as a Secret, whose keys are plain file names): move its files up");
                }
                raw.put(file, Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new PolicyBundleException(where + ": cannot be read (" + e.getMessage() + ")", e);
        }
        String folderName = folder.toAbsolutePath().normalize().getFileName().toString();
        return of(folderName, raw, where);
    }

    /** Loads a policy shipped with the installer, e.g. {@link #REMOVE_BEARER}, from the class path. */
    public static PolicyBundle bundled(String policyName, List<String> fileNames) {
        String where = "bundled policy " + policyName;
        Map<String, byte[]> raw = new TreeMap<>();
        for (String file : fileNames) {
            String resource = CLASSPATH_ROOT + policyName + "/" + file;
            try (InputStream in = PolicyBundle.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new PolicyBundleException(where + ": " + resource + " is missing from the installer");
                }
                raw.put(file, in.readAllBytes());
            } catch (IOException e) {
                throw new PolicyBundleException(where + ": " + resource + " cannot be read", e);
            }
        }
        return of(policyName, raw, where);
    }

    /** The default remove-bearer policy shipped with the installer. */
    public static PolicyBundle removeBearer() {
        return bundled(REMOVE_BEARER, List.of(MANIFEST, INIT, "remove_bearer.lua"));
    }

    /** The llm-token-usage policy shipped with the installer. */
    public static PolicyBundle llmTokenUsage() {
        return bundled(LLM_TOKEN_USAGE, List.of(MANIFEST, INIT, "llm_token_usage.lua"));
    }

    /**
     * Why {@code policyName} cannot be a policy's name, or null when it can: it names the CustomPolicyDefinition, the
     * Secret {@code apicast-policy-<name>} and the APIcast volume, so it must be a DNS-1123 label.
     */
    public static String nameProblem(String policyName) {
        if (policyName == null || !NAME.matcher(policyName).matches()) {
            return "the folder name '" + policyName + "' is the policy's name and must be a DNS-1123 label: at most 63"
                    + " lower case letters, digits and '-', starting and ending with a letter or digit (it names the"
                    + " CustomPolicyDefinition, a Secret and the APIcast volume): rename the folder, e.g. to '"
                    + suggestName(policyName) + "'";
        }
        return null;
    }

    /**
     * The volume the 3scale operator mounts the policy with in APIcast: {@code policy-<version>-<name>}, each part
     * lower-cased with every character but {@code [0-9A-Za-z-]} removed (3scale-operator
     * {@code pkg/3scale/amp/component/apicast_options.go} VolumeName, {@code pkg/helper/helper.go} DNS1123Name).
     */
    public static String volumeName(String policyName, String version) {
        return "policy-" + dns1123(version) + "-" + dns1123(policyName);
    }

    private static String dns1123(String s) {
        return s.toLowerCase(java.util.Locale.ROOT).replaceAll("[^0-9A-Za-z-]", "");
    }

    /**
     * Why the APIcast volume name of this policy is too long, or null: Kubernetes rejects a Deployment whose volume
     * name has more than 63 characters, so APIcast would never start.
     */
    public static String volumeNameProblem(String policyName, String version) {
        String volume = volumeName(policyName, version);
        if (volume.length() <= MAX_VOLUME_NAME) {
            return null;
        }
        int room = MAX_VOLUME_NAME - ("policy-" + dns1123(version) + "-").length();
        return "the 3scale operator mounts the policy in APIcast as volume '" + volume + "' (policy-<version>-<name>),"
                + " " + volume.length() + " characters; Kubernetes allows " + MAX_VOLUME_NAME + ": shorten the folder"
                + " name to at most " + Math.max(room, 1) + " characters (or the version " + version + ")";
    }

    private static String suggestName(String name) {
        String s = name == null ? "" : name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]+", "-")
                .replaceAll("^-+|-+$", "");
        if (s.length() > 63) {
            s = s.substring(0, 63).replaceAll("-+$", "");
        }
        return s.isEmpty() ? "my-policy" : s;
    }

    /** Validates a policy given as file name → content; {@code where} prefixes every error message. */
    public static PolicyBundle of(String policyName, Map<String, byte[]> raw, String where) {
        String nameProblem = nameProblem(policyName);
        if (nameProblem != null) {
            throw new PolicyBundleException(where + ": " + nameProblem);
        }
        Map<String, String> files = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, byte[]> e : raw.entrySet()) {
            String file = e.getKey();
            if (!FILE_NAME.matcher(file).matches()) {
                throw new PolicyBundleException(where + ": file name '" + file + "' can only contain letters,"
                        + " digits, '-', '_' and '.': rename it");
            }
            total += e.getValue().length;
            files.put(file, utf8(e.getValue(), where + ": " + file));
        }
        if (total > MAX_TOTAL_BYTES) {
            throw new PolicyBundleException(where + ": the files add up to " + total + " bytes; a Secret holds at"
                    + " most " + MAX_TOTAL_BYTES + ": remove files the policy does not need");
        }
        if (!files.containsKey(MANIFEST)) {
            throw new PolicyBundleException(where + ": " + MANIFEST + " is missing (the policy manifest with name,"
                    + " summary, version and configuration)");
        }
        if (!files.containsKey(INIT)) {
            throw new PolicyBundleException(where + ": " + INIT + " is missing (APIcast loads a policy through its"
                    + " init.lua, usually \"return require('my_policy')\")");
        }
        String mf = where + ": " + MANIFEST;
        JsonNode node;
        try {
            node = JSON.readTree(files.get(MANIFEST));
        } catch (IOException e) {
            throw new PolicyBundleException(mf + ": not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw new PolicyBundleException(mf + ": must be a JSON object");
        }
        ObjectNode manifest = (ObjectNode) node;
        String schema = requiredText(manifest, "$schema", mf);
        if (!schema.startsWith("http://apicast.io/policy-v1")) {
            throw new PolicyBundleException(mf + ": field $schema is '" + schema + "'; use"
                    + " \"http://apicast.io/policy-v1/schema#manifest#\"");
        }
        String title = requiredText(manifest, "name", mf);
        String summary = requiredText(manifest, "summary", mf);
        if (summary.length() > MAX_SUMMARY) {
            throw new PolicyBundleException(mf + ": field summary has " + summary.length() + " characters; APIcast"
                    + " allows at most " + MAX_SUMMARY + " (put the details in description)");
        }
        String version = requiredText(manifest, "version", mf);
        if (!VERSION.matcher(version).matches()) {
            throw new PolicyBundleException(mf + ": field version '" + version + "' is not a version such as"
                    + " 1.0.0 (MAJOR.MINOR[.PATCH][-pre]; 'builtin' is reserved for APIcast's own policies)");
        }
        String volumeProblem = volumeNameProblem(policyName, version);
        if (volumeProblem != null) {
            throw new PolicyBundleException(where + ": " + volumeProblem);
        }
        List<String> description = description(manifest.get("description"), mf);
        JsonNode configuration = manifest.get("configuration");
        if (configuration == null || configuration.isNull()) {
            throw new PolicyBundleException(mf + ": field configuration is missing (a JSON schema of the policy's"
                    + " settings; {\"type\": \"object\", \"properties\": {}} when it has none)");
        }
        if (!configuration.isObject() || !"object".equals(configuration.path("type").asText(null))) {
            throw new PolicyBundleException(mf + ": field configuration must be a JSON schema of type \"object\"");
        }
        checkSchema(configuration, "configuration", mf);
        checkRequires(files, where);
        return new PolicyBundle(policyName, version, title, summary, description, manifest,
                Collections.unmodifiableMap(files));
    }

    /** Every module init.lua (and each module it reaches) requires is a file here or a module APIcast provides. */
    private static void checkRequires(Map<String, String> files, String where) {
        List<String> pending = new ArrayList<>(List.of(INIT));
        Set<String> seen = new java.util.HashSet<>(pending);
        boolean localModule = false;
        while (!pending.isEmpty()) {
            String file = pending.remove(0);
            Matcher m = REQUIRE.matcher(stripComments(files.get(file)));
            while (m.find()) {
                String module = m.group(1);
                String root = module.split("[./]")[0];
                String target = module + ".lua";
                if (files.containsKey(target)) {
                    localModule = true;
                    if (seen.add(target)) {
                        pending.add(target);
                    }
                } else if (!PLATFORM_MODULE_PREFIXES.contains(root)) {
                    throw new PolicyBundleException(where + ": " + file + " requires '" + module + "' but there is"
                            + " no " + target + " in the folder: add it, or fix the name in " + file);
                }
            }
        }
        if (!localModule && !files.get(INIT).contains("function")) {
            throw new PolicyBundleException(where + ": " + INIT + " neither requires a module of this folder nor"
                    + " defines the policy: it should \"return require('<module>')\"");
        }
    }

    private static String stripComments(String lua) {
        return lua.replaceAll("--\\[\\[(?s:.*?)]]", "").replaceAll("--[^\n]*", "");
    }

    /** A light structural check of a JSON schema: types are JSON types, properties and items are schemas. */
    private static void checkSchema(JsonNode schema, String path, String mf) {
        if (!schema.isObject()) {
            throw new PolicyBundleException(mf + ": " + path + " must be a JSON schema object");
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            List<JsonNode> types = new ArrayList<>();
            if (type.isArray()) {
                type.forEach(types::add);
            } else {
                types.add(type);
            }
            for (JsonNode t : types) {
                if (!t.isTextual() || !JSON_TYPES.contains(t.asText())) {
                    throw new PolicyBundleException(mf + ": " + path + ".type is " + t + "; use one of "
                            + new java.util.TreeSet<>(JSON_TYPES));
                }
            }
        }
        JsonNode properties = schema.get("properties");
        if (properties != null) {
            if (!properties.isObject()) {
                throw new PolicyBundleException(mf + ": " + path + ".properties must be an object");
            }
            for (Map.Entry<String, JsonNode> e : properties.properties()) {
                checkSchema(e.getValue(), path + ".properties." + e.getKey(), mf);
            }
        }
        JsonNode required = schema.get("required");
        if (required != null) {
            if (!required.isArray()) {
                throw new PolicyBundleException(mf + ": " + path + ".required must be an array of property names");
            }
            for (JsonNode r : required) {
                if (!r.isTextual() || properties == null || !properties.has(r.asText())) {
                    throw new PolicyBundleException(mf + ": " + path + ".required names " + r + ", which is not"
                            + " one of its properties");
                }
            }
        }
        JsonNode items = schema.get("items");
        if (items != null) {
            checkSchema(items, path + ".items", mf);
        }
        for (String combinator : List.of("oneOf", "anyOf", "allOf")) {
            JsonNode list = schema.get(combinator);
            if (list != null) {
                if (!list.isArray()) {
                    throw new PolicyBundleException(mf + ": " + path + "." + combinator + " must be an array");
                }
                for (int i = 0; i < list.size(); i++) {
                    checkSchema(list.get(i), path + "." + combinator + "[" + i + "]", mf);
                }
            }
        }
        JsonNode enumeration = schema.get("enum");
        if (enumeration != null && (!enumeration.isArray() || enumeration.isEmpty())) {
            throw new PolicyBundleException(mf + ": " + path + ".enum must be a non-empty array");
        }
    }

    private static List<String> description(JsonNode node, String mf) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (node.isArray()) {
            List<String> lines = new ArrayList<>();
            for (JsonNode line : node) {
                if (!line.isTextual()) {
                    throw new PolicyBundleException(mf + ": field description must be a string or an array of"
                            + " strings");
                }
                lines.add(line.asText());
            }
            return List.copyOf(lines);
        }
        throw new PolicyBundleException(mf + ": field description must be a string or an array of strings");
    }

    private static String requiredText(ObjectNode manifest, String field, String mf) {
        JsonNode v = manifest.get(field);
        if (v == null || v.isNull()) {
            throw new PolicyBundleException(mf + ": field " + field + " is missing");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new PolicyBundleException(mf + ": field " + field + " must be a non-empty string");
        }
        return v.asText().trim();
    }

    private static String utf8(byte[] bytes, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PolicyBundleException(where + " is not UTF-8 text (a policy holds JSON and Lua sources only)",
                    e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The policy's identifier: folder name, name in the policy chain, APIManager and CustomPolicyDefinition. */
    public String name() { return name; }

    /** The manifest's version: the version in the policy chain and the APIcast folder. */
    public String version() { return version; }

    /** The manifest's human-readable name. */
    public String title() { return title; }

    public String summary() { return summary; }

    /** The manifest's description as lines (a string becomes one line), as CustomPolicyDefinition expects. */
    public List<String> description() { return description; }

    /** A copy of the manifest (for the CustomPolicyDefinition's schema and the policy registry). */
    public ObjectNode manifest() { return manifest.deepCopy(); }

    /** The manifest's configuration JSON schema (a copy). */
    public ObjectNode configurationSchema() { return (ObjectNode) manifest.get("configuration").deepCopy(); }

    /** File name → UTF-8 text, sorted by name: the data of the policy's Secret. */
    public Map<String, String> files() { return files; }

    @Override
    public String toString() { return name + " " + version; }
}

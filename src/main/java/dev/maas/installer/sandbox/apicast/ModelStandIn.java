package dev.maas.installer.sandbox.apicast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small model server standing in for one served model, on loopback: what the sandbox's gateway forwards to. It
 * answers the operations of the model's OpenAPI document ({@link #operations}; without one, the routes of vLLM's
 * OpenAI-compatible server, vllm/entrypoints/openai/api_server.py: {@code GET /v1/models}, {@code POST
 * /v1/chat/completions}, {@code /v1/completions}, {@code /v1/embeddings}), with short deterministic replies:
 * <ul>
 *   <li>{@code GET /v1/models}: the list with its one model; {@code GET /v1/models/{id}}: that model;</li>
 *   <li>chat and completions: the first {@code max_tokens} words of a fixed sentence, with a {@code usage}
 *       object; embeddings: a vector of 8 numbers derived from each input, with {@code usage};</li>
 *   <li>a chat request with {@code "stream": true}: server-sent events, one {@code chat.completion.chunk} per word,
 *       then, when {@code stream_options.include_usage} is true, a chunk with no choices and the {@code usage}, then
 *       {@code data: [DONE]} (vLLM's chat_completion_stream_generator, entrypoints/openai/serving_chat.py);</li>
 *   <li>a generative model refuses embeddings and an embedding model refuses chat and completions (400, vLLM's
 *       ErrorResponse object); a {@code model} other than its own answers 404 ("The model `x` does not exist.");</li>
 *   <li>any other listed operation: {@code GET /health} 200 with no body, other paths a small JSON object;
 *       a path the document does not list: 404 {@code {"detail":"Not Found"}} (FastAPI's answer).</li>
 * </ul>
 * Every request it receives is recorded ({@link #requests()}) so that tests see what the gateway forwarded.
 */
public final class ModelStandIn implements AutoCloseable {
    /** What the model does: generate text, or embed it. */
    public enum Kind { GENERATE, EMBED }

    /** A request as the stand-in received it: method, path with query, headers (lower-case names), body. */
    public record Received(String method, String uri, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A fixed creation time, so that replies are the same on every run. */
    static final long CREATED = 1_735_689_600L;
    private static final int EMBEDDING_SIZE = 8;

    /** vLLM's OpenAI-compatible routes, for a model without an OpenAPI document. */
    public static final List<Operation> OPENAI_ROUTES = List.of(new Operation("GET", "/v1/models"),
            new Operation("GET", "/v1/models/{model}"), new Operation("POST", "/v1/chat/completions"),
            new Operation("POST", "/v1/completions"), new Operation("POST", "/v1/embeddings"));

    /** An operation of the model's document: method and path template ({@code {name}} for a parameter). */
    public record Operation(String method, String path) {
        boolean matches(String m, String p) {
            return method.equalsIgnoreCase(m) && p.matches(java.util.regex.Pattern.quote(path)
                    .replaceAll("\\{[^}]*\\}", "\\\\E[^/]+\\\\Q"));
        }
    }

    private final String modelId;
    private final Kind kind;
    private final java.util.function.Supplier<List<Operation>> operations;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Received> requests = new CopyOnWriteArrayList<>();

    private ModelStandIn(String modelId, Kind kind, java.util.function.Supplier<List<Operation>> operations)
            throws IOException {
        this.modelId = modelId;
        this.kind = kind;
        this.operations = operations;
        this.server = dev.maas.installer.sandbox.LoopbackHttpServer.create(0, 0);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "sandbox-model-" + modelId);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a stand-in for {@code modelId} (the id it lists in {@code /v1/models}) with vLLM's routes. */
    public static ModelStandIn start(String modelId, Kind kind) {
        return start(modelId, kind, () -> OPENAI_ROUTES);
    }

    /**
     * Starts a stand-in for {@code modelId} answering the operations {@code operations} gives at each request (the
     * model's OpenAPI document as it is then; an empty list means vLLM's routes).
     */
    public static ModelStandIn start(String modelId, Kind kind, java.util.function.Supplier<List<Operation>> operations) {
        try {
            return new ModelStandIn(modelId, kind, operations);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the model stand-in for " + modelId, e);
        }
    }

    public String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    public String modelId() { return modelId; }

    public Kind kind() { return kind; }

    /** The requests received so far, oldest first. */
    public List<Received> requests() { return List.copyOf(requests); }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, List<String>> headers = new java.util.TreeMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            requests.add(new Received(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body));
            Reply r = answer(ex.getRequestMethod(), ex.getRequestURI().getPath(), body);
            if (r.stream != null) {
                byte[] bytes = r.stream.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                ex.sendResponseHeaders(r.status, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
                return;
            }
            if (r.body == null) {
                ex.sendResponseHeaders(r.status, -1);
                return;
            }
            byte[] bytes = r.body.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(r.status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private record Reply(int status, JsonNode body, String stream) {
        Reply(int status, JsonNode body) {
            this(status, body, null);
        }
    }

    private Reply answer(String method, String path, String body) {
        List<Operation> ops = operations.get();
        List<Operation> listed = ops == null || ops.isEmpty() ? OPENAI_ROUTES : ops;
        if (listed.stream().noneMatch(o -> o.matches(method, path))) {
            return new Reply(404, JSON.createObjectNode().put("detail", "Not Found"));
        }
        if (method.equals("GET") && path.equals("/v1/models")) {
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            list.putArray("data").add(model());
            return new Reply(200, list);
        }
        if (method.equals("GET") && path.startsWith("/v1/models/")) {
            String id = path.substring("/v1/models/".length());
            return id.equals(modelId) ? new Reply(200, model()) : notExists(id);
        }
        if (method.equals("GET") && path.equals("/health")) {
            return new Reply(200, null);
        }
        boolean chat = path.equals("/v1/chat/completions");
        boolean completion = path.equals("/v1/completions");
        boolean embedding = path.equals("/v1/embeddings");
        if (!method.equals("POST") || !(chat || completion || embedding)) {
            return new Reply(200, JSON.createObjectNode().put("model", modelId).put("path", path));
        }
        JsonNode request;
        try {
            request = JSON.readTree(body.isBlank() ? "{}" : body);
        } catch (IOException e) {
            return error(400, "BadRequestError", "the request body is not valid JSON");
        }
        String model = request.path("model").asText("");
        if (!model.equals(modelId)) {
            return notExists(model);
        }
        if (embedding) {
            return kind == Kind.EMBED ? embeddings(request)
                    : error(400, "BadRequestError", "The model does not support Embeddings API");
        }
        if (kind == Kind.EMBED) {
            return error(400, "BadRequestError", "The model does not support "
                    + (chat ? "Chat Completions API" : "Completions API"));
        }
        return chat ? chat(request) : completion(request);
    }

    private ObjectNode model() {
        ObjectNode m = JSON.createObjectNode().put("id", modelId).put("object", "model").put("created", CREATED)
                .put("owned_by", "vllm").put("root", modelId);
        m.putNull("parent");
        return m;
    }

    private Reply notExists(String model) {
        return error(404, "NotFoundError", "The model `" + model + "` does not exist.");
    }

    /** vLLM's ErrorResponse: {@code {"object":"error","message":..,"type":..,"param":null,"code":..}}. */
    private static Reply error(int status, String type, String message) {
        ObjectNode e = JSON.createObjectNode().put("object", "error").put("message", message).put("type", type);
        e.putNull("param");
        e.put("code", status);
        return new Reply(status, e);
    }

    /** The reply text: the first {@code max_tokens} words of a fixed sentence (one word = one token here). */
    private String text(JsonNode request) {
        String[] words = ("Hello from " + modelId + " in the MaaS sandbox.").split(" ");
        int max = Math.max(1, Math.min(words.length, request.path("max_tokens").asInt(words.length)));
        return String.join(" ", java.util.Arrays.copyOf(words, max));
    }

    private static int promptTokens(JsonNode request) {
        String all = request.path("messages").isArray() ? request.path("messages").findValuesAsText("content")
                .toString() : request.path("prompt").toString() + request.path("input").toString();
        return Math.max(1, all.trim().split("\\s+").length);
    }

    private Reply chat(JsonNode request) {
        if (request.path("stream").asBoolean(false)) {
            return chatStream(request);
        }
        String text = text(request);
        ObjectNode r = JSON.createObjectNode().put("id", "chatcmpl-sandbox").put("object", "chat.completion")
                .put("created", CREATED).put("model", modelId);
        ObjectNode choice = r.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", text);
        choice.put("finish_reason", finish(request));
        usage(r, promptTokens(request), text.split(" ").length);
        return new Reply(200, r);
    }

    private Reply chatStream(JsonNode request) {
        String[] words = text(request).split(" ");
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < words.length; i++) {
            ObjectNode chunk = chunk();
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (i == 0) {
                delta.put("role", "assistant");
            }
            delta.put("content", (i == 0 ? "" : " ") + words[i]);
            if (i == words.length - 1) {
                choice.put("finish_reason", finish(request));
            } else {
                choice.putNull("finish_reason");
            }
            sse.append("data: ").append(chunk).append("\n\n");
        }
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode last = chunk();
            last.putArray("choices");
            usage(last, promptTokens(request), words.length);
            sse.append("data: ").append(last).append("\n\n");
        }
        sse.append("data: [DONE]\n\n");
        return new Reply(200, null, sse.toString());
    }

    private ObjectNode chunk() {
        return JSON.createObjectNode().put("id", "chatcmpl-sandbox").put("object", "chat.completion.chunk")
                .put("created", CREATED).put("model", modelId);
    }

    private Reply completion(JsonNode request) {
        String text = text(request);
        ObjectNode r = JSON.createObjectNode().put("id", "cmpl-sandbox").put("object", "text_completion")
                .put("created", CREATED).put("model", modelId);
        r.putArray("choices").addObject().put("index", 0).put("text", text).put("finish_reason", finish(request));
        usage(r, promptTokens(request), text.split(" ").length);
        return new Reply(200, r);
    }

    private String finish(JsonNode request) {
        int words = ("Hello from " + modelId + " in the MaaS sandbox.").split(" ").length;
        return request.path("max_tokens").asInt(words) < words ? "length" : "stop";
    }

    private Reply embeddings(JsonNode request) {
        List<String> inputs = new ArrayList<>();
        JsonNode input = request.path("input");
        if (input.isArray()) {
            input.forEach(i -> inputs.add(i.asText()));
        } else {
            inputs.add(input.asText(""));
        }
        ObjectNode r = JSON.createObjectNode().put("object", "list").put("model", modelId);
        ArrayNode data = r.putArray("data");
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
            ArrayNode vector = e.putArray("embedding");
            int h = inputs.get(i).hashCode();
            for (int d = 0; d < EMBEDDING_SIZE; d++) {
                vector.add(((h >>> (d * 4)) & 0xF) / 16.0 - 0.5);
            }
        }
        int tokens = inputs.stream().mapToInt(s -> Math.max(1, s.trim().split("\\s+").length)).sum();
        usage(r, tokens, 0);
        return new Reply(200, r);
    }

    private static void usage(ObjectNode r, int prompt, int completion) {
        ObjectNode u = r.putObject("usage").put("prompt_tokens", prompt);
        if (completion > 0) {
            u.put("completion_tokens", completion);
        }
        u.put("total_tokens", prompt + completion);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

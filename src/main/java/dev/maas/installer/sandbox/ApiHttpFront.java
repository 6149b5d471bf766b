package dev.maas.installer.sandbox;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The plain HTTP listener of the sandbox's API server on loopback (the HTTPS front relays to it). It hands each
 * request to the {@link ApiServerDispatcher} as fabric8's mock web server would, upgrades fabric8 clients' watches
 * to WebSockets, and streams the watches other clients make over plain HTTP ({@code GET ...?watch=true}, as kubectl
 * and client-go do: chunked JSON events, one per line, apiserver pkg/endpoints/handlers/watch.go) for as long as
 * they stay open.
 */
final class ApiHttpFront implements AutoCloseable {
    /** The WebSocket sub-protocols of the Kubernetes API (fabric8 mockwebserver MockWebServer). */
    private static final List<String> WEBSOCKET_SUB_PROTOCOLS = List.of("v1.channel.k8s.io", "v2.channel.k8s.io",
            "v3.channel.k8s.io", "v4.channel.k8s.io");

    private final Vertx vertx;
    private final HttpServer server;

    private ApiHttpFront(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    static ApiHttpFront start(InetAddress address, int port, ApiServerDispatcher dispatcher) {
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(address.getHostAddress())
                .setPort(port).setWebSocketSubProtocols(WEBSOCKET_SUB_PROTOCOLS)
                .setHandle100ContinueAutomatically(true));
        server.requestHandler(request -> handle(vertx, dispatcher, request));
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new ApiHttpFront(vertx, server);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            throw new IllegalStateException("interrupted while starting the sandbox's API server", e);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("cannot start the sandbox's API server on port " + port + ": "
                    + e.getMessage(), e);
        }
    }

    int port() {
        return server.actualPort();
    }

    private static void handle(Vertx vertx, ApiServerDispatcher dispatcher, HttpServerRequest request) {
        request.resume();
        Future<Buffer> body = hasBody(request) ? request.body() : Future.succeededFuture(null);
        body.onFailure(err -> {
            if (!request.response().headWritten()) {
                request.response().setStatusCode(500).end();
            }
        });
        body.onSuccess(buffer -> {
            RecordedRequest recorded = new RecordedRequest(request.version().alpnName().toUpperCase(Locale.ROOT),
                    HttpMethod.fromVertx(request.method()), request.uri(),
                    Headers.builder().addAll(request.headers()).build(),
                    new io.fabric8.mockwebserver.http.Buffer(buffer == null ? null : buffer.getBytes()));
            boolean upgrade = "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
            if (!upgrade && request.method() == io.vertx.core.http.HttpMethod.GET && isWatch(request)) {
                HttpWatchStream stream = new HttpWatchStream(vertx, vertx.getOrCreateContext(), request.response());
                vertx.executeBlocking(() -> {
                    dispatcher.watch(recorded, stream);
                    return null;
                }, false);
                return;
            }
            if (upgrade) {
                // a fabric8 client's watch: the upgrade must happen while the request is being handled
                MockResponse response = dispatcher.dispatch(recorded);
                if (response.getWebSocketListener() != null) {
                    request.toWebSocket()
                            .onFailure(err -> {
                                if (!request.response().headWritten()) {
                                    request.response().setStatusCode(500).end();
                                }
                            })
                            .onSuccess(new ServerWebSocketHandler(recorded, response));
                } else {
                    write(request.response(), response);
                }
                return;
            }
            // the dispatcher may take a while (the OpenAPI documents, a large list): not on the event loop
            vertx.<MockResponse>executeBlocking(() -> dispatcher.dispatch(recorded), false).onComplete(done -> {
                if (done.failed()) {
                    if (!request.response().headWritten()) {
                        request.response().setStatusCode(500).end();
                    }
                    return;
                }
                write(request.response(), done.result());
            });
        });
    }

    private static boolean isWatch(HttpServerRequest request) {
        String watch = request.getParam("watch");
        return "true".equals(watch) || "1".equals(watch);
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null && !length.isBlank() && Long.parseLong(length.trim()) > 0) {
            return true;
        }
        return request.headers().contains("Content-Type") || request.headers().contains("Transfer-Encoding");
    }

    static void write(HttpServerResponse out, MockResponse response) {
        out.setStatusCode(response.code());
        response.getHeaders().toMultimap().forEach((key, values) -> out.headers().add(key, values));
        if (response.getBody() != null && response.getBody().size() > 0) {
            out.headers().set("Content-Length", String.valueOf(response.getBody().size()));
            out.end(Buffer.buffer(response.getBody().getBytes()));
        } else {
            out.end();
        }
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        } finally {
            vertx.close();
        }
    }

    /** A watch streamed as chunked HTTP; every write runs on the request's event loop, in order. */
    private static final class HttpWatchStream implements WatchHub.Stream {
        private final Vertx vertx;
        private final Context context;
        private final HttpServerResponse response;
        private final AtomicBoolean ended = new AtomicBoolean();

        HttpWatchStream(Vertx vertx, Context context, HttpServerResponse response) {
            this.vertx = vertx;
            this.context = context;
            this.response = response;
        }

        @Override
        public void reject(MockResponse rejection) {
            ended.set(true);
            context.runOnContext(v -> write(response, rejection));
        }

        @Override
        public void open(String contentType) {
            context.runOnContext(v -> {
                response.setStatusCode(200).setChunked(true).putHeader("Content-Type", contentType)
                        .putHeader("Cache-Control", "no-cache, private");
                // send the head now: clients wait for it before they consider the watch established
                response.writeHead();
            });
        }

        @Override
        public void send(String line) {
            if (ended.get()) {
                return;
            }
            context.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    response.write(line);
                }
            });
        }

        @Override
        public void end() {
            if (ended.compareAndSet(false, true)) {
                context.runOnContext(v -> {
                    if (!response.ended() && !response.closed()) {
                        response.end();
                    }
                });
            }
        }

        @Override
        public void onClose(Runnable action) {
            context.runOnContext(v -> {
                response.closeHandler(x -> action.run());
                response.endHandler(x -> action.run());
                if (response.closed() || response.ended()) {
                    action.run();
                }
            });
        }

        @Override
        public void endAfter(long seconds) {
            context.runOnContext(v -> vertx.setTimer(TimeUnit.SECONDS.toMillis(Math.max(1, seconds)), id -> end()));
        }
    }
}

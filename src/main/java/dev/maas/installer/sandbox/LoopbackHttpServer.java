package dev.maas.installer.sandbox;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The JDK's HTTP server on 127.0.0.1, as the sandbox's parts run it (the 3scale simulator, the APIcast gateway, the
 * models' stand-ins), with TCP_NODELAY on its connections. The JDK server writes a response's headers and body
 * separately; without TCP_NODELAY, Nagle's algorithm holds the body until the client acknowledges the headers, and
 * the client's delayed acknowledgement adds about 40 ms to every response. The JDK reads its setting
 * ({@code sun.net.httpserver.nodelay}) once, when the first server of the process starts, so every server the
 * sandbox starts goes through here; a value given on the command line is left as it is.
 */
public final class LoopbackHttpServer {
    static final String NODELAY = "sun.net.httpserver.nodelay";

    private LoopbackHttpServer() { }

    /** A server on {@code port} of the loopback address (0: a free one), not started. */
    public static HttpServer create(int port, int backlog) throws IOException {
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), backlog);
    }
}

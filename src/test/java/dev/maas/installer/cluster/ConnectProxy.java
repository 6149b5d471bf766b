package dev.maas.installer.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test-only: an HTTP CONNECT proxy on loopback that records the targets it tunnels to. */
public final class ConnectProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public ConnectProxy() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "test-connect-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String url() { return "http://127.0.0.1:" + server.getLocalPort(); }

    public List<String> targets() { return List.copyOf(targets); }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> tunnel(client), "test-connect-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void tunnel(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1) {
                head.write(c);
                byte[] b = head.toByteArray();
                int n = b.length;
                if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                    break;
                }
            }
            String first = head.toString(StandardCharsets.US_ASCII).split("\r\n")[0];
            String[] parts = first.split(" ");
            if (parts.length < 2 || !parts[0].equals("CONNECT")) {
                client.getOutputStream().write("HTTP/1.1 405 Method Not Allowed\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            targets.add(parts[1]);
            String host = parts[1].substring(0, parts[1].lastIndexOf(':'));
            int port = Integer.parseInt(parts[1].substring(parts[1].lastIndexOf(':') + 1));
            try (Socket upstream = new Socket(host, port)) {
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
                Thread up = new Thread(() -> pipe(in, outOf(upstream)));
                up.setDaemon(true);
                up.start();
                pipe(upstream.getInputStream(), client.getOutputStream());
            }
        } catch (IOException ignored) {
            // connection closed
        }
    }

    private static OutputStream outOf(Socket s) {
        try {
            return s.getOutputStream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pipe(InputStream in, OutputStream out) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) != -1) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side closed
        }
    }

    @Override
    public void close() throws IOException { server.close(); }
}

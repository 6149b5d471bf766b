package dev.maas.installer.cluster;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fetches the certificate chain a TLS server presents, without trusting it: the handshake is aborted by our trust
 * manager as soon as the chain is seen, so no request (and no credential) is ever sent. The UI shows the result
 * so that the user can compare the fingerprint with the one their cluster administrator gave them.
 */
public final class CertificateProbe {
    private CertificateProbe() { }

    /** The chain the server at {@code url} presents, leaf first. */
    public static List<CertificateInfo> probe(String url, ProxySettings proxy, Duration timeout) {
        URI uri = URI.create(url);
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("only https URLs have a certificate: " + url);
        }
        String host = uri.getHost();
        int port = uri.getPort() > 0 ? uri.getPort() : 443;
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        AtomicReference<X509Certificate[]> seen = new AtomicReference<>();
        try (Socket raw = connect(host, port, proxy == null ? ProxySettings.NONE : proxy, millis)) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new CapturingTrustManager(seen)}, null);
            try (SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, false)) {
                SSLParameters params = ssl.getSSLParameters();
                if (!host.matches("[0-9.]+") && !host.contains(":")) {
                    params.setServerNames(List.of(new SNIHostName(host)));
                }
                ssl.setSSLParameters(params);
                ssl.setSoTimeout(millis);
                ssl.startHandshake();
            } catch (SSLException expected) {
                // our trust manager refuses every chain on purpose
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new ClusterException(ClusterException.Kind.UNREACHABLE,
                    "cannot reach " + host + ":" + port + " to read its certificate: " + e.getMessage(),
                    ClusterErrors.unreachableFix(url), e);
        }
        X509Certificate[] chain = seen.get();
        if (chain == null || chain.length == 0) {
            throw new ClusterException(ClusterException.Kind.UNREACHABLE,
                    host + ":" + port + " did not present a TLS certificate", ClusterErrors.unreachableFix(url), null);
        }
        return Arrays.stream(chain).map(CertificateInfo::of).toList();
    }

    private static Socket connect(String host, int port, ProxySettings proxy, int millis) throws IOException {
        Proxy p = proxy.proxyFor(host);
        Socket socket = new Socket();
        try {
            if (p == Proxy.NO_PROXY) {
                socket.connect(new InetSocketAddress(host, port), millis);
                return socket;
            }
            InetSocketAddress pa = (InetSocketAddress) p.address();
            socket.connect(new InetSocketAddress(pa.getHostString(), pa.getPort()), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = readHeaders(socket.getInputStream());
            if (!status.matches("HTTP/1\\.[01] 2\\d\\d.*")) {
                throw new IOException("the proxy " + proxy.display() + " refused the tunnel: " + status);
            }
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Reads the proxy's response headers; returns the status line. */
    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder all = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            all.append((char) c);
            if (all.length() >= 4 && all.substring(all.length() - 4).equals("\r\n\r\n")) {
                break;
            }
            if (all.length() > 16_384) {
                throw new IOException("the proxy's answer is too long");
            }
        }
        String text = all.toString();
        int eol = text.indexOf("\r\n");
        return eol < 0 ? text : text.substring(0, eol);
    }

    private record CapturingTrustManager(AtomicReference<X509Certificate[]> seen) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            seen.set(chain.clone());
            throw new CertificateException("certificate captured for review; not trusted");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}

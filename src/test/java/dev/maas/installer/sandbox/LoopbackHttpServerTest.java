package dev.maas.installer.sandbox;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's HTTP servers listen on the loopback address only, with TCP_NODELAY asked for unless set already. */
class LoopbackHttpServerTest {

    @Test
    void aServerListensOnLoopbackAndTcpNoDelayIsAskedForUnlessGiven() throws Exception {
        String given = System.getProperty(LoopbackHttpServer.NODELAY);
        try {
            System.clearProperty(LoopbackHttpServer.NODELAY);
            HttpServer server = LoopbackHttpServer.create(0, 0);
            try {
                assertThat(server.getAddress().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
                assertThat(server.getAddress().getPort()).isPositive();
            } finally {
                server.stop(0);
            }
            assertThat(System.getProperty(LoopbackHttpServer.NODELAY)).isEqualTo("true");

            System.setProperty(LoopbackHttpServer.NODELAY, "false");
            LoopbackHttpServer.create(0, 0).stop(0);
            assertThat(System.getProperty(LoopbackHttpServer.NODELAY)).as("a value given is left as it is")
                    .isEqualTo("false");
        } finally {
            if (given == null) {
                System.clearProperty(LoopbackHttpServer.NODELAY);
            } else {
                System.setProperty(LoopbackHttpServer.NODELAY, given);
            }
        }
    }
}

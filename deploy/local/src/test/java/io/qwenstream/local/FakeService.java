package io.qwenstream.local;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;

/**
 * Stands in for a Quarkus service in {@link ClusterUpDownTest}: answers {@code /q/health/ready}
 * on {@code quarkus.http.port} and prints the system properties it was given, like a service log.
 */
public final class FakeService {

    public static void main(String[] args) throws Exception {
        int port = Integer.getInteger("quarkus.http.port");
        System.getProperties().forEach((key, value) -> {
            if (key.toString().startsWith("kafka")
                    || key.toString().startsWith("qwenstream")
                    || key.toString().startsWith("quarkus")) {
                System.out.println("property " + key + "=" + value);
            }
        });
        if (System.getProperty("qwenstream.model", "").contains("broken")) {
            System.out.println("cannot load the model");
            System.exit(1);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/q/health/ready", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        System.out.println("ready on " + port);
    }
}

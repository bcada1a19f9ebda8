package sample.orders;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The orders service: a fixed list of orders as JSON, and the probe paths Spring Boot's actuator
 * serves, so the platform's Spring defaults fit it. Only the JDK's own HTTP server: it builds with
 * javac alone.
 */
public final class OrdersService {
  record Order(String id, String item, int quantity) {
    String json() {
      return String.format(
          "{\"id\":\"%s\",\"item\":\"%s\",\"quantity\":%d}", id, item, quantity);
    }
  }

  private static final List<Order> ORDERS =
      List.of(new Order("o-1001", "coffee beans", 2), new Order("o-1002", "espresso cups", 6));

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String profile = System.getenv().getOrDefault("SPRING_PROFILES_ACTIVE", "default");
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    String up = "{\"status\":\"UP\"}";
    server.createContext("/actuator/health/readiness", exchange -> send(exchange, 200, up));
    server.createContext("/actuator/health/liveness", exchange -> send(exchange, 200, up));
    server.createContext(
        "/orders",
        exchange -> {
          if (!exchange.getRequestMethod().equals("GET")) {
            send(exchange, 405, "{\"error\":\"GET only\"}");
            return;
          }
          StringBuilder items = new StringBuilder();
          for (Order order : ORDERS) {
            if (items.length() > 0) items.append(',');
            items.append(order.json());
          }
          send(
              exchange,
              200,
              "{\"service\":\"orders\",\"profile\":\"" + profile + "\",\"orders\":[" + items + "]}");
        });
    server.createContext("/", exchange -> send(exchange, 404, "{\"error\":\"not found\"}"));
    // Kubernetes stops a pod with SIGTERM: finish the requests in flight (up to 2 s), then exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(2)));
    server.start();
    System.out.println("orders listening on port " + port + " (profile " + profile + ")");
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}

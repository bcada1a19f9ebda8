import java.lang.reflect.Field;

/**
 * Starts DynamoDB Local listening on 127.0.0.1 only. Its jar has no host option (only -port): its
 * Jetty server is created for every interface. This launcher builds the server the jar's own main
 * would, from the same command-line arguments, and sets the host on its connector before starting it.
 * Compiled once by dynamodb-local.ts (javac) and run as: java -cp DynamoDBLocal.jar:<dir> DynamoDbLocalOnLoopback -port ...
 */
class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    Object proxy =
        com.amazonaws.services.dynamodbv2.local.main.ServerRunner.createServerFromCommandLineArgs(args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object server = field.get(proxy);
    for (Object connector : (Object[]) server.getClass().getMethod("getConnectors").invoke(server)) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    }
    proxy.getClass().getMethod("start").invoke(proxy);
  }
}

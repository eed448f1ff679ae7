package dev.cairn.operator.cli;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.operator.reconciler.StoreBackupReconciler;
import dev.cairn.operator.reconciler.StoreClusterReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the operator: registers the StoreCluster and StoreBackup reconcilers with java-operator-sdk
 * and serves {@code /healthz} and {@code /readyz} for the Deployment's probes. Every flag may also
 * come from the environment variable named in its description.
 */
@Command(
    name = "cairn-operator",
    mixinStandardHelpOptions = true,
    description =
        "Reconciles StoreCluster resources into running store-node members, and StoreBackup"
            + " resources into backups taken by the backup agent.")
public final class OperatorMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);

  @Option(
      names = "--namespaces",
      split = ",",
      defaultValue = "${env:WATCH_NAMESPACES}",
      description =
          "Comma-separated namespaces to watch; all namespaces when empty (env WATCH_NAMESPACES).")
  List<String> namespaces;

  @Option(
      names = "--health-port",
      defaultValue = "${env:HEALTH_PORT:-8080}",
      description =
          "Port of /healthz and /readyz; 0 turns them off (env HEALTH_PORT, default 8080).")
  int healthPort;

  @Option(
      names = "--concurrent-reconciliations",
      defaultValue = "${env:CONCURRENT_RECONCILIATIONS:-4}",
      description = "StoreClusters reconciled at once (env CONCURRENT_RECONCILIATIONS, default 4).")
  int concurrentReconciliations;

  public static void main(String[] args) {
    System.exit(new CommandLine(new OperatorMain()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    Operator operator =
        new Operator(
            o ->
                o.withConcurrentReconciliationThreads(concurrentReconciliations)
                    .withCloseClientOnStop(true));
    Set<String> watched = namespaces == null ? Set.of() : Set.copyOf(namespaces);
    register(operator, watched);
    operator.installShutdownHook(Duration.ofSeconds(10));
    if (healthPort > 0) {
      serveHealth(
          healthPort,
          () -> operator.getRuntimeInfo().isStarted(),
          () -> operator.getRuntimeInfo().allEventSourcesAreHealthy());
    }
    operator.start();
    log.info("Operator started; watching {}", watched.isEmpty() ? "all namespaces" : watched);
    return 0;
  }

  /**
   * Registers the reconcilers, the composition root of the operator: StoreClusters observed and
   * changed with jetcd, StoreBackups taken by Jobs.
   *
   * @param watched the namespaces to watch; all when empty
   */
  static List<RegisteredController<?>> register(Operator operator, Set<String> watched) {
    KubernetesClient client = operator.getKubernetesClient();
    List<RegisteredController<?>> registered = new ArrayList<>();
    for (Reconciler<?> reconciler :
        List.<Reconciler<?>>of(
            StoreClusterReconciler.withJetcd(client),
            new StoreBackupReconciler(client, Clock.systemUTC()))) {
      registered.add(registerWatching(operator, reconciler, watched));
    }
    return registered;
  }

  private static <P extends HasMetadata> RegisteredController<P> registerWatching(
      Operator operator, Reconciler<P> reconciler, Set<String> watched) {
    return operator.register(
        reconciler,
        c -> {
          if (!watched.isEmpty()) {
            c.settingNamespaces(watched);
          }
        });
  }

  private static void serveHealth(int port, BooleanSupplier alive, BooleanSupplier ready)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", exchange -> answer(exchange, alive.getAsBoolean()));
    server.createContext("/readyz", exchange -> answer(exchange, ready.getAsBoolean()));
    server.start();
  }

  private static void answer(com.sun.net.httpserver.HttpExchange exchange, boolean ok)
      throws IOException {
    byte[] body = (ok ? "ok\n" : "not ok\n").getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
    try (var out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}

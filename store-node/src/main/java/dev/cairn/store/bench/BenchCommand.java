package dev.cairn.store.bench;

import dev.cairn.store.tls.TlsContexts;
import dev.cairn.store.tls.TlsException;
import dev.cairn.store.tls.TlsSettings;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * A load generator with etcd benchmark's options ({@code tools/benchmark} in etcd): {@code put},
 * {@code range}, {@code txn-put}, {@code watch-latency} and {@code lease-keepalive}, each client
 * keeping one request in flight. The global options may be given before or after the subcommand.
 */
@Command(
    name = "bench",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Benchmark an etcd-compatible cluster (Cairn or etcd) over its gRPC API.",
      "The options of etcd's benchmark tool; latencies in milliseconds; the last line of the"
          + " output is 'RESULT requests_per_sec=... p50_ms=... p99_ms=... errors=...'."
    },
    subcommands = {
      PutCommand.class,
      RangeCommand.class,
      TxnPutCommand.class,
      WatchLatencyCommand.class,
      LeaseKeepAliveCommand.class
    })
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(
      names = "--endpoints",
      split = ",",
      defaultValue = "127.0.0.1:2379",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      description =
          "gRPC endpoints, comma-separated, with or without http:// (default: ${DEFAULT-VALUE})")
  List<String> endpoints;

  @Option(
      names = "--conns",
      defaultValue = "1",
      scope = ScopeType.INHERIT,
      description = "Total number of gRPC connections (default: ${DEFAULT-VALUE})")
  int conns;

  @Option(
      names = "--clients",
      defaultValue = "1",
      scope = ScopeType.INHERIT,
      description = "Total number of gRPC clients (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(
      names = "--cacert",
      scope = ScopeType.INHERIT,
      description = "Verify https endpoints with this CA bundle (default: the JDK's)")
  Path cacert;

  @Option(
      names = "--cert",
      scope = ScopeType.INHERIT,
      description = "Identify the clients with this TLS certificate")
  Path cert;

  @Option(names = "--key", scope = ScopeType.INHERIT, description = "The private key of --cert")
  Path key;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.out);
    return 0;
  }

  /** The connection settings, checked; {@code command} names the subcommand for errors. */
  Benchmark.Settings settings(CommandSpec command) {
    if (conns < 1) {
      throw new ParameterException(command.commandLine(), "--conns must be at least 1");
    }
    if (clients < 1) {
      throw new ParameterException(command.commandLine(), "--clients must be at least 1");
    }
    List<Endpoint> parsed;
    try {
      parsed = Endpoint.parseAll(endpoints);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(command.commandLine(), e.getMessage());
    }
    SslContext tls = null;
    if (parsed.stream().anyMatch(Endpoint::tls)) {
      if ((cert == null) != (key == null)) {
        throw new ParameterException(
            command.commandLine(), "--cert and --key must be given together");
      }
      try {
        tls = TlsContexts.of(TlsSettings.client(cacert, cert, key)).client();
      } catch (TlsException e) {
        throw new ParameterException(command.commandLine(), e.getMessage());
      }
    }
    return new Benchmark.Settings(parsed, conns, clients, tls);
  }

  /** The error for a bad option value of {@code command}. */
  static ParameterException usage(CommandSpec command, String message) {
    return new ParameterException(command.commandLine(), message);
  }
}

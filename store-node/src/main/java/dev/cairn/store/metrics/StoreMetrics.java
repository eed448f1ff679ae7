package dev.cairn.store.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * A member's metrics, with etcd's names, types, labels and buckets, so that etcd's dashboards and
 * alerts work unchanged; plus the JVM's own (heap, GC, threads).
 */
public final class StoreMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  // ---- server ----
  public final Counter leaderChanges =
      Counter.builder()
          .name("etcd_server_leader_changes_seen_total")
          .help("The number of leader changes seen.")
          .register(registry);
  public final Counter proposalsFailed =
      Counter.builder()
          .name("etcd_server_proposals_failed_total")
          .help("The total number of failed proposals seen.")
          .register(registry);
  public final Counter slowApplies =
      Counter.builder()
          .name("etcd_server_slow_apply_total")
          .help("The total number of slow apply requests (likely overloaded from slow disk).")
          .register(registry);
  // etcd's two counters without the _total suffix, which client_java would add; written by hand.
  public final LongAdder healthSuccess = new LongAdder();
  public final LongAdder healthFailures = new LongAdder();
  public final Gauge healthcheck =
      Gauge.builder()
          .name("etcd_server_healthcheck")
          .help("The result of each kind of healthcheck.")
          .labelNames("type", "name")
          .register(registry);
  public final Counter healthchecks =
      Counter.builder()
          .name("etcd_server_healthchecks_total")
          .help("The total number of each kind of healthcheck.")
          .labelNames("type", "name", "status")
          .register(registry);

  // ---- disk: etcd's buckets, 1 ms doubling 14 times ----
  public final Histogram walFsync =
      Histogram.builder()
          .name("etcd_disk_wal_fsync_duration_seconds")
          .help("The latency distributions of fsync called by WAL.")
          .classicOnly()
          .classicExponentialUpperBounds(0.001, 2, 14)
          .register(registry);
  public final Histogram backendCommit =
      Histogram.builder()
          .name("etcd_disk_backend_commit_duration_seconds")
          .help("The latency distributions of commit called by backend.")
          .classicOnly()
          .classicExponentialUpperBounds(0.001, 2, 14)
          .register(registry);

  // ---- network: etcd's buckets, 0.1 ms doubling 16 times ----
  public final Histogram peerRoundTrip =
      Histogram.builder()
          .name("etcd_network_peer_round_trip_time_seconds")
          .help("Round-Trip-Time histogram between peers")
          .labelNames("To")
          .classicOnly()
          .classicExponentialUpperBounds(0.0001, 2, 16)
          .register(registry);

  // ---- gRPC, as go-grpc-prometheus names them ----
  public final Counter grpcStarted =
      Counter.builder()
          .name("grpc_server_started_total")
          .help("Total number of RPCs started on the server.")
          .labelNames("grpc_type", "grpc_service", "grpc_method")
          .register(registry);
  public final Counter grpcHandled =
      Counter.builder()
          .name("grpc_server_handled_total")
          .help("Total number of RPCs completed on the server, regardless of success or failure.")
          .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code")
          .register(registry);
  public final Counter grpcReceived =
      Counter.builder()
          .name("grpc_server_msg_received_total")
          .help("Total number of RPC stream messages received on the server.")
          .labelNames("grpc_type", "grpc_service", "grpc_method")
          .register(registry);
  public final Counter grpcSent =
      Counter.builder()
          .name("grpc_server_msg_sent_total")
          .help("Total number of gRPC stream messages sent by the server.")
          .labelNames("grpc_type", "grpc_service", "grpc_method")
          .register(registry);

  public StoreMetrics() {
    JvmMetrics.builder().register(registry);
  }

  /** A gauge read when scraped. */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /** A counter kept elsewhere, read when scraped. */
  public void counter(String name, String help, DoubleSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  /** A counter per value of one label, kept elsewhere, read when scraped. */
  public void counterByLabel(
      String name, String help, String label, Supplier<Map<String, Long>> values) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(cb -> values.get().forEach((l, v) -> cb.call(v, l)))
        .register(registry);
  }

  /** A gauge of constant 1 whose label carries the value, as etcd_server_version is. */
  public void info(String name, String help, String label, String value) {
    Gauge.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .register(registry)
        .labelValues(value)
        .set(1);
  }

  /** The Prometheus text format's content type. */
  public String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  private static void legacyCounter(OutputStream out, String name, String help, long value)
      throws IOException {
    out.write(
        ("# HELP "
                + name
                + " "
                + help
                + "\n# TYPE "
                + name
                + " counter\n"
                + name
                + " "
                + value
                + "\n")
            .getBytes(StandardCharsets.UTF_8));
  }

  /** Every metric now, in the Prometheus text format. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      PrometheusTextFormatWriter.create()
          .write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
      legacyCounter(
          out,
          "etcd_server_health_success",
          "The total number of successful health checks",
          healthSuccess.sum());
      legacyCounter(
          out,
          "etcd_server_health_failures",
          "The total number of failed health checks",
          healthFailures.sum());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}

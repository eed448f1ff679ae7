package dev.cairn.store.cli;

import dev.cairn.store.api.http.HealthRecorder;
import dev.cairn.store.metrics.StoreMetrics;

/** Health check outcomes, counted in etcd's health metrics. */
final class HealthMetrics implements HealthRecorder {
  private final StoreMetrics metrics;

  HealthMetrics(StoreMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void health(boolean healthy) {
    (healthy ? metrics.healthSuccess : metrics.healthFailures).increment();
  }

  @Override
  public void check(String type, String name, boolean ok) {
    metrics.healthcheck.labelValues(type, name).set(ok ? 1 : 0);
    metrics.healthchecks.labelValues(type, name, ok ? "success" : "error").inc();
  }
}

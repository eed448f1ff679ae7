package dev.cairn.store.api.http;

/** Counts the outcomes of health checks (etcd_server_health_success and friends). */
public interface HealthRecorder {
  /** One answer of /health. */
  void health(boolean healthy);

  /** One named check of /livez or /readyz ({@code type}). */
  void check(String type, String name, boolean ok);

  HealthRecorder NONE =
      new HealthRecorder() {
        @Override
        public void health(boolean healthy) {}

        @Override
        public void check(String type, String name, boolean ok) {}
      };
}

package dev.cairn.operator.reconciler;

import dev.cairn.operator.member.JetcdAuthAdmin;
import dev.cairn.operator.member.JetcdMemberObserver;
import dev.cairn.operator.member.JetcdMembershipAdmin;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;

/** The reconciler as tests against fabric8's mock API server need it: without server-side apply. */
public final class MockApiReconciler {
  private MockApiReconciler() {}

  /** Observes real members and enables auth with jetcd, as in production. */
  public static StoreClusterReconciler withJetcd(KubernetesClient client, Duration timeout) {
    return new StoreClusterReconciler(
        client,
        new JetcdMemberObserver(client, timeout),
        new JetcdAuthAdmin(client, timeout),
        new JetcdMembershipAdmin(client, timeout),
        Clock.systemUTC(),
        false);
  }
}

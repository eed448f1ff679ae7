package dev.cairn.operator.member;

import dev.cairn.operator.model.StoreClusterModel;
import dev.cairn.operator.model.TlsSecrets;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enables auth with jetcd. jetcd has no AuthStatus call, so a login as root tells: etcd refuses it
 * with "authentication is not enabled" while auth is off. The admin calls go with the operator's
 * client certificate (CN root), which works both before auth is on and after.
 */
public final class JetcdAuthAdmin implements AuthAdmin {
  private static final Logger log = LoggerFactory.getLogger(JetcdAuthAdmin.class);
  private static final ByteSequence ROOT = bytes(TlsSecrets.OPERATOR_USER);

  private final JetcdClients clients;
  private final Duration timeout;

  /**
   * Clusters (namespace/name/cluster id) seen with auth on: no login (a bcrypt check) each pass.
   */
  private final Set<String> enabled = ConcurrentHashMap.newKeySet();

  /**
   * @param kubernetes reads the TLS and root Secrets
   * @param timeout the limit of each etcd call
   */
  public JetcdAuthAdmin(KubernetesClient kubernetes, Duration timeout) {
    this.clients = new JetcdClients(kubernetes);
    this.timeout = timeout;
  }

  @Override
  public AuthState ensureEnabled(StoreClusterModel cluster, long clusterId) {
    String key = cluster.namespace() + "/" + cluster.name() + "/" + clusterId;
    if (enabled.contains(key)) {
      return AuthState.ENABLED;
    }
    AuthState state = probe(clients, cluster, timeout);
    if (state == AuthState.DISABLED) {
      state = enable(cluster);
    }
    if (state == AuthState.ENABLED || state == AuthState.ENABLED_NOW) {
      enabled.add(key);
    }
    return state;
  }

  private AuthState enable(StoreClusterModel cluster) {
    try (Client client = clients.builder(cluster).build()) {
      try {
        await(client.getAuthClient().userAdd(ROOT, bytes(clients.rootPassword(cluster))));
      } catch (ExecutionException e) {
        // Made by an earlier pass that stopped short, or by hand: its password is checked below.
        if (!String.valueOf(e.getMessage()).contains("user name already exists")) {
          throw e;
        }
      }
      await(client.getAuthClient().userGrantRole(ROOT, ROOT));
      await(client.getAuthClient().authEnable());
    } catch (ExecutionException
        | TimeoutException
        | RuntimeException
        | javax.net.ssl.SSLException e) {
      log.info(
          "Enabling auth on {}/{} failed: {}", cluster.namespace(), cluster.name(), e.toString());
      return AuthState.UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return AuthState.UNKNOWN;
    }
    // A root user made earlier with another password would lock the operator's password out.
    AuthState after = probe(clients, cluster, timeout);
    return after == AuthState.ENABLED ? AuthState.ENABLED_NOW : after;
  }

  /** Logs in as root with the root Secret's password and reads one key. */
  static AuthState probe(JetcdClients clients, StoreClusterModel cluster, Duration timeout) {
    try (Client client = clients.withRootPassword(cluster).build()) {
      client
          .getKVClient()
          .get(bytes("/"), GetOption.builder().withLimit(1).withKeysOnly(true).build())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return AuthState.ENABLED;
    } catch (ExecutionException | RuntimeException e) {
      return AuthState.fromFailure(e);
    } catch (TimeoutException | javax.net.ssl.SSLException e) {
      return AuthState.UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return AuthState.UNKNOWN;
    }
  }

  private <T> T await(java.util.concurrent.CompletableFuture<T> call)
      throws ExecutionException, TimeoutException, InterruptedException {
    return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }
}

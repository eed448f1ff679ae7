package dev.cairn.operator.member;

import dev.cairn.operator.model.StoreClusterModel;
import dev.cairn.operator.model.TlsSecrets;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.netty.GrpcSslContexts;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * How the operator reaches a cluster with jetcd: through the client Service, presenting the
 * operator's certificate when the members require one. That certificate names the user root, so
 * once auth is on, calls made with it alone run as root without a password.
 */
final class JetcdClients {
  private final KubernetesClient kubernetes;

  JetcdClients(KubernetesClient kubernetes) {
    this.kubernetes = kubernetes;
  }

  /** A client with the operator's certificate (with client TLS), and no password. */
  ClientBuilder builder(StoreClusterModel cluster) throws SSLException {
    return builder(cluster, cluster.clientEndpoint());
  }

  /** As {@link #builder(StoreClusterModel)}, of one endpoint. */
  ClientBuilder builder(StoreClusterModel cluster, String endpoint) throws SSLException {
    ClientBuilder builder = Client.builder().endpoints(endpoint);
    if (cluster.spec().clientTls()) {
      Map<String, String> tls = secretData(cluster.namespace(), cluster.clientCertificateSecret());
      builder.sslContext(
          GrpcSslContexts.forClient()
              .trustManager(stream(tls.get(TlsSecrets.CA_CERT)))
              .keyManager(stream(tls.get(TlsSecrets.TLS_CERT)), stream(tls.get(TlsSecrets.TLS_KEY)))
              .build());
    }
    return builder;
  }

  /** As {@link #builder}, logging in as root with the password from the root Secret. */
  ClientBuilder withRootPassword(StoreClusterModel cluster) throws SSLException {
    return builder(cluster)
        .user(ByteSequence.from(TlsSecrets.OPERATOR_USER, StandardCharsets.UTF_8))
        .password(ByteSequence.from(rootPassword(cluster), StandardCharsets.UTF_8));
  }

  /** The root password, from the key {@code password} of the auth root Secret. */
  String rootPassword(StoreClusterModel cluster) {
    String password =
        secretData(cluster.namespace(), cluster.spec().auth().rootSecretName()).get("password");
    if (password == null || password.isEmpty()) {
      throw new IllegalStateException(
          "Secret " + cluster.spec().auth().rootSecretName() + " has no key 'password'");
    }
    return password;
  }

  private Map<String, String> secretData(String namespace, String name) {
    Secret secret = kubernetes.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + name + " does not exist");
    }
    return JetcdMemberObserver.decode(secret);
  }

  private static ByteArrayInputStream stream(String pem) {
    if (pem == null) {
      throw new IllegalStateException("TLS Secret lacks a key");
    }
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8));
  }
}

package dev.cairn.operator.model;

import dev.cairn.operator.crd.StoreClusterResources;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Secrets of operator-generated TLS: the CA, the client listener's and the peer listener's
 * certificates, and the certificate the operator presents as a client. Every member shares one
 * certificate per listener, valid for every member name; a wildcard name covers members added
 * later.
 */
public final class TlsSecrets {
  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String TLS_CERT = "tls.crt";
  public static final String TLS_KEY = "tls.key";

  /** The etcd user the operator's client certificate names; the operator administers the store. */
  public static final String OPERATOR_USER = "root";

  private final StoreClusterModel model;
  private final CertificateAuthority ca;
  private final Instant now;

  /** Certificates for {@code model}'s cluster signed by {@code ca}, valid from {@code now}. */
  public TlsSecrets(StoreClusterModel model, CertificateAuthority ca, Instant now) {
    this.model = model;
    this.ca = ca;
    this.now = now;
  }

  /** The CA's Secret; the key stays so that later certificates can be signed by the same CA. */
  public Secret generateCaSecret() {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(CA_CERT, ca.certificatePem());
    data.put(CA_KEY, ca.keyPem());
    return new SecretBuilder()
        .withMetadata(model.metadata(StoreClusterResources.caSecretName(model.name()), "tls"))
        .withType("Opaque")
        .withStringData(data)
        .build();
  }

  /** The client listener's certificate: every member's name and the client Service's names. */
  public Secret generateClientSecret() {
    List<String> names = new ArrayList<>(memberNames());
    String service = StoreClusterResources.clientServiceName(model.name());
    names.add(service);
    names.add(service + "." + model.namespace());
    names.add(service + "." + model.namespace() + ".svc");
    names.add(service + "." + model.namespace() + ".svc.cluster.local");
    names.add("localhost");
    return tlsSecret(
        StoreClusterResources.clientTlsSecretName(model.name()),
        ca.issue(model.name() + "-client", names, List.of("127.0.0.1"), true, false, now));
  }

  /** The peer listener's certificate, which members also present when they dial each other. */
  public Secret generatePeerSecret() {
    return tlsSecret(
        StoreClusterResources.peerTlsSecretName(model.name()),
        ca.issue(model.name() + "-peer", memberNames(), List.of(), true, true, now));
  }

  /** The certificate the operator presents to the members' client listeners. */
  public Secret generateOperatorSecret() {
    return tlsSecret(
        StoreClusterResources.operatorTlsSecretName(model.name()),
        ca.issue(OPERATOR_USER, List.of(), List.of(), false, true, now));
  }

  /** Member DNS names: each member by name, and a wildcard for members not created yet. */
  List<String> memberNames() {
    String domain =
        StoreClusterResources.peerServiceName(model.name()) + "." + model.namespace() + ".svc";
    List<String> names = new ArrayList<>(model.memberHosts());
    names.add("*." + domain);
    names.add("*." + domain + ".cluster.local");
    return names;
  }

  private Secret tlsSecret(String name, CertificateAuthority.Issued issued) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TLS_CERT, issued.certificatePem());
    data.put(TLS_KEY, issued.keyPem());
    data.put(CA_CERT, ca.certificatePem());
    return new SecretBuilder()
        .withMetadata(model.metadata(name, "tls"))
        .withType("kubernetes.io/tls")
        .withStringData(data)
        .build();
  }
}

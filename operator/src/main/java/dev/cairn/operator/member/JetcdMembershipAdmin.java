package dev.cairn.operator.member;

import dev.cairn.operator.model.StoreClusterModel;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Membership changes with jetcd, through the client Service (or, to move leadership, at the
 * leader's own client URL), with the operator's certificate when the members require one.
 */
public final class JetcdMembershipAdmin implements MembershipAdmin {
  private final JetcdClients clients;
  private final Duration timeout;

  /**
   * @param kubernetes reads the TLS Secrets
   * @param timeout the limit of each etcd call
   */
  public JetcdMembershipAdmin(KubernetesClient kubernetes, Duration timeout) {
    this.clients = new JetcdClients(kubernetes);
    this.timeout = timeout;
  }

  @Override
  public long addLearner(StoreClusterModel cluster, String peerUrl) {
    try (Client client = clients.builder(cluster).build()) {
      Optional<Member> existing = withPeerUrl(client, peerUrl);
      if (existing.isPresent()) {
        return existing.get().getId();
      }
      try {
        return await(client.getClusterClient().addMember(List.of(URI.create(peerUrl)), true))
            .getMember()
            .getId();
      } catch (MembershipException e) {
        // An earlier add may have gone through after its answer timed out.
        return withPeerUrl(client, peerUrl).map(Member::getId).orElseThrow(() -> e);
      }
    } catch (SSLException e) {
      throw new MembershipException("TLS setup failed", e);
    }
  }

  @Override
  public boolean promote(StoreClusterModel cluster, long id) {
    try {
      promoteOverGrpc(cluster, id);
      return true;
    } catch (MembershipException e) {
      String message = messages(e);
      if (message.contains("in sync with leader")
          || message.contains("not enough started members")) {
        return false;
      }
      if (message.contains("can only promote a learner member")) {
        // Promoted already, by an earlier call whose answer was lost.
        return true;
      }
      throw e;
    }
  }

  /**
   * etcd's {@code Cluster/MemberPromote}, which jetcd 0.8.5 does not offer: the request is one
   * field, {@code uint64 ID = 1}, encoded by hand; the answer is not needed.
   */
  private void promoteOverGrpc(StoreClusterModel cluster, long id) {
    URI endpoint = URI.create(cluster.clientEndpoint());
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort());
    try {
      SslContext ssl = clients.builder(cluster).sslContext();
      if (ssl == null) {
        builder.usePlaintext();
      } else {
        builder.sslContext(ssl);
      }
    } catch (SSLException e) {
      throw new MembershipException("TLS setup failed", e);
    }
    ManagedChannel channel = builder.build();
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          PROMOTE,
          CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
          promoteRequest(id));
    } catch (StatusRuntimeException e) {
      throw new MembershipException(e.getMessage(), e);
    } finally {
      channel.shutdownNow();
    }
  }

  private static final MethodDescriptor<byte[], byte[]> PROMOTE =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("etcdserverpb.Cluster/MemberPromote")
          .setRequestMarshaller(new Bytes())
          .setResponseMarshaller(new Bytes())
          .build();

  /** {@code MemberPromoteRequest{ID: id}} in protobuf's wire format. */
  static byte[] promoteRequest(long id) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0x08); // field 1, varint
    long value = id;
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
    return out.toByteArray();
  }

  /** Messages as raw bytes. */
  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Override
  public void remove(StoreClusterModel cluster, long id) {
    try (Client client = clients.builder(cluster).build()) {
      await(client.getClusterClient().removeMember(id));
    } catch (MembershipException e) {
      if (!messages(e).contains("member not found")) {
        throw e;
      }
    } catch (SSLException e) {
      throw new MembershipException("TLS setup failed", e);
    }
  }

  @Override
  public void moveLeader(StoreClusterModel cluster, String leaderClientUrl, long to) {
    try (Client client = clients.builder(cluster).endpoints(leaderClientUrl).build()) {
      await(client.getMaintenanceClient().moveLeader(to));
    } catch (SSLException e) {
      throw new MembershipException("TLS setup failed", e);
    }
  }

  private Optional<Member> withPeerUrl(Client client, String peerUrl) {
    return await(client.getClusterClient().listMember()).getMembers().stream()
        .filter(m -> m.getPeerURIs().stream().anyMatch(u -> u.toString().equals(peerUrl)))
        .findFirst();
  }

  private <T> T await(CompletableFuture<T> call) {
    try {
      return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new MembershipException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new MembershipException("timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MembershipException("interrupted", e);
    }
  }

  /** Every message along the cause chain, lower case. */
  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(' ');
    }
    return all.toString().toLowerCase(java.util.Locale.ROOT);
  }
}

package dev.cairn.backup.snapshot;

import dev.cairn.store.snapshot.SnapshotException;
import dev.cairn.store.snapshot.SnapshotInfo;
import dev.cairn.store.snapshot.SnapshotTrailer;
import dev.cairn.store.snapshot.Snapshots;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams {@code Maintenance.Snapshot} from the first member, in the order given, that answers
 * {@code Maintenance.Status} without errors. Like {@code etcdctl snapshot save}, it talks to one
 * member only: a snapshot cannot move to another member half way.
 */
public final class MaintenanceSnapshotSource implements SnapshotSource {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceSnapshotSource.class);

  /**
   * How to reach the members.
   *
   * @param cacert CA bundle for https endpoints; null for the JDK's trust store
   * @param cert client certificate; null for none
   * @param key the private key (PKCS#8 PEM) of {@code cert}
   * @param user "name:password"; null without auth
   * @param dialTimeout how long a member may take to answer Status
   */
  public record Settings(
      List<String> endpoints, Path cacert, Path cert, Path key, String user, Duration dialTimeout) {
    public Settings {
      endpoints = List.copyOf(endpoints);
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint is required");
      }
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException("--cert and --key must be given together");
      }
      if (user != null && !user.contains(":")) {
        throw new IllegalArgumentException("--user must be NAME:PASSWORD");
      }
    }
  }

  private final Settings settings;

  public MaintenanceSnapshotSource(Settings settings) {
    this.settings = settings;
  }

  @Override
  public FetchedSnapshot fetch(Path file, LongConsumer progress) throws IOException {
    List<String> refusals = new ArrayList<>();
    for (String endpoint : settings.endpoints()) {
      Client client = client(endpoint);
      StatusResponse status;
      try {
        status = status(client, endpoint);
      } catch (IOException e) {
        client.close();
        refusals.add(endpoint + ": " + e.getMessage());
        continue;
      }
      try (client) {
        LOG.info(
            "streaming a snapshot from member {} at {} (revision {} when asked)",
            Long.toHexString(status.getHeader().getMemberId()),
            endpoint,
            status.getHeader().getRevision());
        return stream(client, endpoint, status, file, progress);
      }
    }
    throw new IOException("no member can take a snapshot: " + String.join("; ", refusals));
  }

  private StatusResponse status(Client client, String endpoint) throws IOException {
    StatusResponse s;
    try {
      s =
          client
              .getMaintenanceClient()
              .statusMember(endpoint)
              .get(settings.dialTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no answer to Status within " + settings.dialTimeout());
    } catch (ExecutionException e) {
      throw new IOException(rootMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (!s.getErrorList().isEmpty()) {
      throw new IOException("the member reports errors " + s.getErrorList());
    }
    return s;
  }

  private FetchedSnapshot stream(
      Client client, String endpoint, StatusResponse status, Path file, LongConsumer progress)
      throws IOException {
    MessageDigest whole = sha256();
    SnapshotTrailer trailer = new SnapshotTrailer();
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputStream disk = Channels.newOutputStream(ch);
      OutputStream sink =
          new OutputStream() {
            @Override
            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              disk.write(b, off, len);
              whole.update(b, off, len);
              trailer.update(b, off, len);
              progress.accept(trailer.size());
            }
          };
      try {
        client.getMaintenanceClient().snapshot(sink).get();
      } catch (ExecutionException e) {
        throw new IOException(
            "the snapshot stream from "
                + endpoint
                + " broke after "
                + trailer.size()
                + " bytes: "
                + rootMessage(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while streaming the snapshot from " + endpoint);
      }
      try {
        trailer.check();
      } catch (SnapshotException e) {
        throw new IOException("the snapshot from " + endpoint + " is damaged: " + e.getMessage());
      }
      ch.force(true);
    }
    return new FetchedSnapshot(
        file,
        trailer.size(),
        HexFormat.of().formatHex(whole.digest()),
        status.getHeader().getClusterId(),
        status.getHeader().getMemberId(),
        endpoint,
        status.getVersion(),
        revision(file));
  }

  /** The snapshot's own highest revision, read by store-node, which owns the format. */
  private static long revision(Path file) throws IOException {
    SnapshotInfo info = Snapshots.verify(file);
    return info.revision();
  }

  private Client client(String endpoint) {
    String target = endpoint.contains("://") ? endpoint : "http://" + endpoint;
    ClientBuilder b =
        Client.builder()
            .endpoints(target)
            .connectTimeout(settings.dialTimeout())
            // Fail rather than wait for a member that is down; the next one is tried.
            .waitForReady(false)
            .keepaliveTime(Duration.ofSeconds(10))
            .keepaliveTimeout(Duration.ofSeconds(5));
    if (settings.user() != null) {
      int colon = settings.user().indexOf(':');
      b.user(ByteSequence.from(settings.user().substring(0, colon), StandardCharsets.UTF_8));
      b.password(ByteSequence.from(settings.user().substring(colon + 1), StandardCharsets.UTF_8));
    }
    if (target.startsWith("https://")) {
      try {
        b.sslContext(
            (SslContextBuilder s) -> {
              if (settings.cacert() != null) {
                s.trustManager(settings.cacert().toFile());
              }
              if (settings.cert() != null) {
                s.keyManager(settings.cert().toFile(), settings.key().toFile());
              }
            });
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalArgumentException("cannot use the TLS files: " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}

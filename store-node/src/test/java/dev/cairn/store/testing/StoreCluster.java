package dev.cairn.store.testing;

import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of store-node processes on loopback, started as a user starts one: every member with
 * the same --initial-cluster. Members can be killed with SIGKILL, restarted on their data, and cut
 * off from their peers through the transport's fault file.
 */
public final class StoreCluster implements AutoCloseable {
  private final List<StoreNodeProcess> members = new ArrayList<>();
  private final List<Path> faultFiles = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private Path dir;
  private String[] commonArgs = new String[0];
  private StoreNodeProcess.Tls tls = StoreNodeProcess.Tls.NONE;

  private StoreCluster() {}

  /**
   * Starts {@code size} members named m1..mN under {@code dir}.
   *
   * @param extraArgs flags every member gets
   */
  public static StoreCluster start(Path dir, int size, String... extraArgs) {
    return start(dir, size, StoreNodeProcess.Tls.NONE, extraArgs);
  }

  /**
   * Starts {@code size} members named m1..mN under {@code dir}, their URLs https as {@code tls}
   * says.
   *
   * @param extraArgs flags every member gets, its TLS flags among them
   */
  public static StoreCluster start(
      Path dir, int size, StoreNodeProcess.Tls tls, String... extraArgs) {
    StoreCluster c = new StoreCluster();
    c.dir = dir;
    c.commonArgs = extraArgs;
    c.tls = tls;
    String peerScheme = tls.securePeers() ? "https" : "http";
    int[] clientPorts = new int[size];
    int[] peerPorts = new int[size];
    StringJoiner initial = new StringJoiner(",");
    for (int i = 0; i < size; i++) {
      clientPorts[i] = Ports.free();
      peerPorts[i] = Ports.free();
      initial.add("m" + (i + 1) + "=" + peerScheme + "://127.0.0.1:" + peerPorts[i]);
    }
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < size; i++) {
        String name = "m" + (i + 1);
        Path faults = dir.resolve(name + ".faults");
        Files.writeString(faults, "");
        c.faultFiles.add(faults);
        List<String> args = new ArrayList<>();
        args.add("--name=" + name);
        args.add("--initial-advertise-peer-urls=" + peerScheme + "://127.0.0.1:" + peerPorts[i]);
        args.add("--initial-cluster=" + initial);
        args.add("--initial-cluster-token=cairn-test");
        args.addAll(List.of(extraArgs));
        Map<String, String> env = new HashMap<>();
        env.put("CAIRN_PEER_FAULTS_FILE", faults.toString());
        c.members.add(
            StoreNodeProcess.start(
                dir.resolve(name), clientPorts[i], peerPorts[i], env, args, tls));
        c.names.add(name);
      }
    } catch (IOException e) {
      c.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Starts a member that joins the running cluster with --initial-cluster-state existing, as a user
   * does after 'member add' announced its peer URL; the member is the last index afterwards.
   *
   * @param peerUrl the URL given to 'member add', http://127.0.0.1:PORT (https for a cluster
   *     started with https peers)
   */
  public StoreNodeProcess join(String name, String peerUrl, String... extraArgs) {
    return join(name, peerUrl, List.of(commonArgs), List.of(extraArgs));
  }

  /**
   * As {@link #join(String, String, String...)}, but with {@code common} in place of the flags
   * every member got at start (to give the newcomer other certificates, say).
   */
  public StoreNodeProcess join(
      String name, String peerUrl, List<String> common, List<String> extraArgs) {
    StringJoiner initial = new StringJoiner(",");
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).isAlive()) {
        initial.add(names.get(i) + "=" + members.get(i).peerUrl());
      }
    }
    initial.add(name + "=" + peerUrl);
    int peerPort = java.net.URI.create(peerUrl).getPort();
    try {
      Path faults = dir.resolve(name + ".faults");
      Files.writeString(faults, "");
      List<String> args = new ArrayList<>();
      args.add("--name=" + name);
      args.add("--initial-advertise-peer-urls=" + peerUrl);
      args.add("--initial-cluster=" + initial);
      args.add("--initial-cluster-state=existing");
      args.add("--initial-cluster-token=cairn-test");
      args.addAll(common);
      args.addAll(extraArgs);
      Map<String, String> env = new HashMap<>();
      env.put("CAIRN_PEER_FAULTS_FILE", faults.toString());
      StoreNodeProcess p =
          StoreNodeProcess.start(dir.resolve(name), Ports.free(), peerPort, env, args, tls);
      members.add(p);
      faultFiles.add(faults);
      names.add(name);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String name(int i) {
    return names.get(i);
  }

  public int size() {
    return members.size();
  }

  public StoreNodeProcess member(int i) {
    return members.get(i);
  }

  public List<String> endpoints() {
    return members.stream().map(StoreNodeProcess::endpoint).toList();
  }

  /** Cuts the member off from every peer, both ways, as a network partition would. */
  public void isolate(int i) {
    write(faultFiles.get(i), "isolate");
  }

  public void heal(int i) {
    write(faultFiles.get(i), "");
  }

  private static void write(Path p, String s) {
    try {
      Files.writeString(p, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The index of the member all live members agree is leader, waiting until they do. */
  public int awaitLeader(Duration within) {
    int[] found = {-1};
    try {
      await()
          .atMost(within)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(
              () -> {
                found[0] = agreedLeader();
                return found[0] >= 0;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the members agreed on no leader within " + within + logs(), e);
    }
    return found[0];
  }

  /**
   * Waits until the member list shows every member with its client URL: a member publishes it
   * through Raft shortly after it starts, and {@code etcdctl --cluster} skips members without one.
   */
  public void awaitPublished(Duration within) {
    try {
      await()
          .atMost(within)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(this::allPublished);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "members did not publish their client URLs in " + within + logs(), e);
    }
  }

  private boolean allPublished() throws Exception {
    List<String> published = new ArrayList<>();
    try (Client c = Client.builder().endpoints(endpoints().toArray(String[]::new)).build()) {
      for (io.etcd.jetcd.cluster.Member m :
          c.getClusterClient().listMember().get(2, TimeUnit.SECONDS).getMembers()) {
        m.getClientURIs().forEach(u -> published.add(u.toString()));
      }
    }
    return published.containsAll(endpoints());
  }

  /** The index of the member the live members agree is leader now, or -1. */
  public int leaderNow() {
    try {
      return agreedLeader();
    } catch (Exception e) {
      return -1;
    }
  }

  private int agreedLeader() throws Exception {
    long leader = 0;
    Map<Long, Integer> byId = new HashMap<>();
    for (int i = 0; i < members.size(); i++) {
      StoreNodeProcess m = members.get(i);
      if (!m.isAlive()) {
        continue;
      }
      try (Client c = Client.builder().endpoints(m.endpoint()).build()) {
        StatusResponse s =
            c.getMaintenanceClient().statusMember(m.endpoint()).get(2, TimeUnit.SECONDS);
        byId.put(s.getHeader().getMemberId(), i);
        if (s.getLeader() == 0 || (leader != 0 && s.getLeader() != leader)) {
          return -1;
        }
        leader = s.getLeader();
      }
    }
    Integer i = byId.get(leader);
    return i == null ? -1 : i;
  }

  /** Every member's log, for failure messages. */
  public String logs() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < members.size(); i++) {
      b.append("\n---- member ").append(i).append(" ----\n").append(members.get(i).log());
    }
    return b.toString();
  }

  @Override
  public void close() {
    for (StoreNodeProcess m : members) {
      try {
        m.close();
      } catch (RuntimeException e) {
        // keep stopping the others
      }
    }
  }
}

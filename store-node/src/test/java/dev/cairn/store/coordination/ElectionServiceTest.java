package dev.cairn.store.coordination;

import static dev.cairn.store.coordination.CoordinationHarness.bs;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.util.concurrent.ListenableFuture;
import dev.cairn.proto.etcdserverpb.LeaseLeasesRequest;
import dev.cairn.proto.etcdserverpb.LeaseStatus;
import dev.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.proto.v3electionpb.CampaignRequest;
import dev.cairn.proto.v3electionpb.CampaignResponse;
import dev.cairn.proto.v3electionpb.LeaderKey;
import dev.cairn.proto.v3electionpb.LeaderRequest;
import dev.cairn.proto.v3electionpb.LeaderResponse;
import dev.cairn.proto.v3electionpb.ProclaimRequest;
import dev.cairn.proto.v3electionpb.ProclaimResponse;
import dev.cairn.proto.v3electionpb.ResignRequest;
import dev.cairn.proto.v3electionpb.ResignResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ElectionService} against etcd's own Election service: every scenario runs on both, asserts
 * what etcd's election promises, and must see the same responses, revisions and errors on both.
 */
class ElectionServiceTest {
  @TempDir static Path dir;
  private static CoordinationHarness servers;

  @BeforeAll
  static void start() {
    servers = CoordinationHarness.start(dir.resolve("etcd"));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (servers != null) {
      servers.close();
    }
  }

  @Test
  void twoCandidatesCampaignProclaimObserveAndResign() throws Exception {
    servers.sameOnBoth(
        run -> {
          Transcript tr = run.transcript();
          String name = run.name("el");
          long a = run.grant("A");
          long b = run.grant("B");

          CampaignResponse first =
              tr.add("campaign A", run.election().campaign(campaign(name, a, "a1")));
          LeaderKey leaderA = first.getLeader();
          assertThat(leaderA.getName()).isEqualTo(bs(name));
          assertThat(leaderA.getKey().toStringUtf8()).isEqualTo(name + "/" + Long.toHexString(a));
          assertThat(leaderA.getRev()).isEqualTo(first.getHeader().getRevision());
          assertThat(leaderA.getLease()).isEqualTo(a);
          LeaderResponse current = tr.add("leader", run.election().leader(leader(name)));
          assertThat(current.getKv().getKey()).isEqualTo(leaderA.getKey());
          assertThat(current.getKv().getValue()).isEqualTo(bs("a1"));

          try (ObserveStream observe = ObserveStream.open(run.electionStreams(), leader(name))) {
            assertThat(tr.add("observe", observe.next()).getKv().getValue()).isEqualTo(bs("a1"));

            ListenableFuture<CampaignResponse> second =
                run.electionAsync().campaign(campaign(name, b, "b1"));
            List<KeyValue> queue = run.awaitQueue(name, 2);
            assertThat(second).isNotDone();

            ProclaimResponse proclaimed =
                tr.add("proclaim a2", run.election().proclaim(proclaim(leaderA, "a2")));
            LeaderResponse seen = tr.add("observe", observe.next());
            assertThat(seen.getKv().getValue()).isEqualTo(bs("a2"));
            assertThat(seen.getKv().getModRevision())
                .isEqualTo(proclaimed.getHeader().getRevision());

            LeaderKey wrongRev = leaderA.toBuilder().setRev(leaderA.getRev() + 100).build();
            expectUnknown(
                tr,
                "proclaim with wrong rev",
                () -> run.election().proclaim(proclaim(wrongRev, "x")));
            expectUnknown(
                tr,
                "proclaim without leader",
                () ->
                    run.election()
                        .proclaim(ProclaimRequest.newBuilder().setValue(bs("x")).build()));

            // Proclaim only checks the key's create revision: a waiting candidate may change its
            // value before it leads
            LeaderKey waitingB =
                LeaderKey.newBuilder()
                    .setName(bs(name))
                    .setKey(queue.get(1).getKey())
                    .setRev(queue.get(1).getCreateRevision())
                    .setLease(b)
                    .build();
            tr.add("proclaim b2 while waiting", run.election().proclaim(proclaim(waitingB, "b2")));
            assertThat(second).isNotDone();

            ResignResponse resigned = tr.add("resign A", run.election().resign(resign(leaderA)));
            CampaignResponse won = tr.add("campaign B", second.get(10, SECONDS));
            LeaderKey leaderB = won.getLeader();
            assertThat(leaderB).isEqualTo(waitingB);
            // the header is that of the campaign's first request, not of its victory
            assertThat(won.getHeader().getRevision()).isEqualTo(leaderB.getRev());
            seen = tr.add("observe", observe.next());
            assertThat(seen.getKv().getKey()).isEqualTo(leaderB.getKey());
            assertThat(seen.getKv().getValue()).isEqualTo(bs("b2"));
            assertThat(seen.getHeader().getRevision())
                .isEqualTo(resigned.getHeader().getRevision());
            tr.add("leader", run.election().leader(leader(name)));

            // campaigning again with the same lease keeps the key and proclaims a new value
            CampaignResponse again =
                tr.add("campaign B again", run.election().campaign(campaign(name, b, "b3")));
            assertThat(again.getLeader()).isEqualTo(leaderB);
            assertThat(tr.add("observe", observe.next()).getKv().getValue()).isEqualTo(bs("b3"));
            tr.add("campaign B same value", run.election().campaign(campaign(name, b, "b3")));

            tr.add("resign A again", run.election().resign(resign(leaderA)));
            expectUnknown(
                tr,
                "resign without leader",
                () -> run.election().resign(ResignRequest.getDefaultInstance()));
            tr.add("resign B", run.election().resign(resign(leaderB)));
            expectUnknown(tr, "leader of nobody", () -> run.election().leader(leader(name)));

            // a campaign without a lease gets a 60 s lease of its own
            CampaignResponse leaseless = run.election().campaign(campaign(name, 0, "z"));
            long session = run.adopt(leaseless.getLeader().getLease(), "session");
            tr.add("campaign without lease", leaseless);
            assertThat(
                    run.target()
                        .leases()
                        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(session).build())
                        .getGrantedTTL())
                .isEqualTo(60);
            seen = tr.add("observe", observe.next());
            assertThat(seen.getKv().getValue()).isEqualTo(bs("z"));
            assertThat(seen.getHeader().getRevision()).isEqualTo(leaseless.getLeader().getRev());
          }
        });
  }

  @Test
  void observeWaitsForAFirstLeader() throws Exception {
    servers.sameOnBoth(
        run -> {
          Transcript tr = run.transcript();
          String name = run.name("quiet");
          long a = run.grant("A");
          long b = run.grant("B");
          try (ObserveStream observe = ObserveStream.open(run.electionStreams(), leader(name))) {
            // a key that is no candidate's (it is not under name + "/") is ignored
            run.target()
                .kv()
                .put(
                    dev.cairn.proto.etcdserverpb.PutRequest.newBuilder()
                        .setKey(bs(name + "x"))
                        .setValue(bs("v"))
                        .build());
            CampaignResponse won =
                tr.add("campaign A", run.election().campaign(campaign(name, a, "a1")));
            LeaderResponse seen = tr.add("observe", observe.next());
            assertThat(seen.getKv().getKey()).isEqualTo(won.getLeader().getKey());
            assertThat(seen.getHeader().getRevision()).isEqualTo(won.getLeader().getRev());
            tr.add("resign A", run.election().resign(resign(won.getLeader())));
            CampaignResponse next =
                tr.add("campaign B", run.election().campaign(campaign(name, b, "b1")));
            seen = tr.add("observe", observe.next());
            assertThat(seen.getKv().getKey()).isEqualTo(next.getLeader().getKey());
            tr.add("resign B", run.election().resign(resign(next.getLeader())));
          } finally {
            run.target()
                .kv()
                .deleteRange(
                    dev.cairn.proto.etcdserverpb.DeleteRangeRequest.newBuilder()
                        .setKey(bs(name + "x"))
                        .build());
          }
        });
  }

  @Test
  void aCandidateThatGivesUpWithdraws() throws Exception {
    servers.sameOnBoth(
        run -> {
          Transcript tr = run.transcript();
          String name = run.name("withdrawn");
          long a = run.grant("A");
          long b = run.grant("B");
          CampaignResponse won =
              tr.add("campaign A", run.election().campaign(campaign(name, a, "a1")));
          ListenableFuture<CampaignResponse> waiting =
              run.electionAsync().campaign(campaign(name, b, "b1"));
          run.awaitQueue(name, 2);
          waiting.cancel(true);
          List<KeyValue> left = run.awaitQueue(name, 1);
          assertThat(left).extracting(KeyValue::getKey).containsExactly(won.getLeader().getKey());
          tr.note("after cancel", left.get(0).getKey().toStringUtf8());
          tr.add("resign A", run.election().resign(resign(won.getLeader())));
        });
  }

  /**
   * etcd's server gives every Proclaim and Resign a concurrency session, so one with lease 0 grants
   * a new 60 s lease, and Proclaim puts the leader's key with it.
   */
  @Test
  void proclaimAndResignWithoutALeaseGrantLeases() throws Exception {
    servers.sameOnBoth(
        run -> {
          Transcript tr = run.transcript();
          String name = run.name("rebound");
          long a = run.grant("A");
          LeaderKey leaderA =
              tr.add("campaign A", run.election().campaign(campaign(name, a, "a1"))).getLeader();

          LeaderKey withoutLease = leaderA.toBuilder().setLease(0).build();
          tr.add("proclaim without lease", run.election().proclaim(proclaim(withoutLease, "a2")));
          LeaderResponse current = run.election().leader(leader(name));
          KeyValue kv = current.getKv();
          long rebound = run.adopt(kv.getLease(), "proclaim session");
          tr.add("leader", current);
          assertThat(rebound).isNotIn(0L, a);
          assertThat(
                  run.target()
                      .leases()
                      .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(rebound).build())
                      .getGrantedTTL())
              .isEqualTo(60);

          Set<Long> before = leaseIds(run);
          tr.add("resign without lease", run.election().resign(resign(withoutLease)));
          Set<Long> granted = new HashSet<>(leaseIds(run));
          granted.removeAll(before);
          granted.forEach(id -> run.adopt(id, "resign session"));
          tr.note("leases granted by resign", granted.size());
          assertThat(granted).hasSize(1);
          assertThat(run.target().queue(name).getKvsList()).isEmpty();
        });
  }

  private static Set<Long> leaseIds(CoordinationHarness.Run run) {
    return run
        .target()
        .leases()
        .leaseLeases(LeaseLeasesRequest.getDefaultInstance())
        .getLeasesList()
        .stream()
        .map(LeaseStatus::getID)
        .collect(Collectors.toSet());
  }

  @Test
  void errorsAnswerAsEtcdDoes() throws Exception {
    servers.sameOnBoth(
        run -> {
          Transcript tr = run.transcript();
          String name = run.name("bad");
          expectUnknown(
              tr,
              "campaign with unknown lease",
              () -> run.election().campaign(campaign(name, 0x3039, "v")));
          expectUnknown(tr, "leader of nobody", () -> run.election().leader(leader(name)));
          long a = run.grant("A");
          LeaderKey noKey = LeaderKey.newBuilder().setName(bs(name)).setRev(5).setLease(a).build();
          expectUnknown(
              tr, "proclaim without key", () -> run.election().proclaim(proclaim(noKey, "v")));
          expectUnknown(tr, "resign without key", () -> run.election().resign(resign(noKey)));
          LeaderKey never = noKey.toBuilder().setKey(bs(name + "/never")).build();
          expectUnknown(
              tr,
              "proclaim of a key never elected",
              () -> run.election().proclaim(proclaim(never, "v")));
          tr.add("resign of a key never elected", run.election().resign(resign(never)));
        });
  }

  /** Runs a call that must fail with UNKNOWN, etcd's code for its election errors. */
  private static void expectUnknown(Transcript tr, String step, ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as(step).isNotNull();
    tr.add(step, e);
    assertThat(e.getStatus().getCode()).as(step).isEqualTo(Status.Code.UNKNOWN);
  }

  private static CampaignRequest campaign(String name, long lease, String value) {
    return CampaignRequest.newBuilder()
        .setName(bs(name))
        .setLease(lease)
        .setValue(bs(value))
        .build();
  }

  private static LeaderRequest leader(String name) {
    return LeaderRequest.newBuilder().setName(bs(name)).build();
  }

  private static ProclaimRequest proclaim(LeaderKey leader, String value) {
    return ProclaimRequest.newBuilder().setLeader(leader).setValue(bs(value)).build();
  }

  private static ResignRequest resign(LeaderKey leader) {
    return ResignRequest.newBuilder().setLeader(leader).build();
  }
}

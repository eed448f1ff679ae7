package dev.cairn.store.server;

import dev.cairn.store.membership.Member;
import dev.cairn.store.raft.ConfChange;
import dev.cairn.store.raft.Entry;
import dev.cairn.store.raft.HardState;
import dev.cairn.store.raftlog.RaftLog;
import java.util.ArrayList;
import java.util.List;

/** The first entries of a new cluster's log. */
public final class Bootstrap {
  private Bootstrap() {}

  /**
   * Writes one configuration entry per initial member at term 1, all committed, as etcd's new
   * clusters start; does nothing to a log that already holds something.
   */
  public static void writeInitialLog(RaftLog raftLog, List<Member> initialMembers) {
    if (!raftLog.isEmpty() || initialMembers.isEmpty()) {
      return;
    }
    List<Entry> boot = new ArrayList<>();
    for (Member m : initialMembers) {
      ConfChange cc =
          new ConfChange(
              m.isLearner() ? ConfChange.Type.ADD_LEARNER : ConfChange.Type.ADD_NODE,
              m.id(),
              m.toProto().toByteArray());
      boot.add(new Entry(boot.size() + 1, 1, Entry.Type.CONF_CHANGE, cc.encode()));
    }
    raftLog.append(boot, new HardState(1, 0, boot.size()));
  }
}

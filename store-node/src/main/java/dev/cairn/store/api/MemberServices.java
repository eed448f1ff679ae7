package dev.cairn.store.api;

import dev.cairn.store.server.MemberStatus;
import dev.cairn.store.server.RaftKv;
import dev.cairn.store.server.RaftLease;

/** What the client API serves from: the member's operations, by role. */
public record MemberServices(RaftKv kv, RaftLease lease, MemberStatus status) {}

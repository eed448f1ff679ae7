package dev.cairn.store.mvcc;

import dev.cairn.proto.mvccpb.KeyValue;
import java.util.List;

/**
 * @param kvs the key-values, in key order
 * @param count how many keys the range holds at the revision read, whatever the limit
 * @param rev the store's current revision when read (not the revision asked for)
 */
public record RangeResult(List<KeyValue> kvs, long count, long rev) {}

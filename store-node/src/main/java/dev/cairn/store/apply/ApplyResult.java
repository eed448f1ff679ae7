package dev.cairn.store.apply;

import dev.cairn.proto.mvccpb.Event;
import java.util.List;

/**
 * What applying a batch did.
 *
 * @param outcomes the outcome of every request, in order
 * @param events every change to the key space, in revision order
 */
public record ApplyResult(List<Applied> outcomes, List<Event> events) {}

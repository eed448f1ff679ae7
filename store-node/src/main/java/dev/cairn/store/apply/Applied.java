package dev.cairn.store.apply;

/**
 * The outcome of one applied request.
 *
 * @param requestId the proposer's id for the request
 * @param result the response message, or a {@link dev.cairn.store.support.StoreException}
 */
public record Applied(long requestId, Object result) {}

package dev.cairn.store.apply;

/** A committed log entry as the applier sees it. */
public record Committed(long index, long term, byte[] data) {}

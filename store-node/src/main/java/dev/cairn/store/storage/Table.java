package dev.cairn.store.storage;

/** A named key-value table inside one backend; keys sort as unsigned bytes. */
public record Table(String name) {}

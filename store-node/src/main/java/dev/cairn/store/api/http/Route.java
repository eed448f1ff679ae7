package dev.cairn.store.api.http;

import java.util.concurrent.CompletableFuture;

/** What answers one HTTP path. */
@FunctionalInterface
interface Route {
  CompletableFuture<HttpAnswer> answer(HttpCall call);
}

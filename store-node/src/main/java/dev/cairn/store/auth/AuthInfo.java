package dev.cairn.store.auth;

/**
 * Who a request comes from: a user name and the auth store revision at which the user's credentials
 * were checked. A request checked at an older revision than the store's is refused, since the
 * user's rights may have changed in between.
 */
public record AuthInfo(String user, long revision) {}

package dev.cairn.store.api;

import dev.cairn.store.auth.AuthInfo;
import dev.cairn.store.auth.AuthStore;
import dev.cairn.store.auth.SimpleTokens;
import dev.cairn.store.server.RaftAuth;
import dev.cairn.store.support.StoreException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who calls: the credentials a call presents (etcd's {@code token} metadata, or the {@code
 * authorization} header the gateway sends, and with --client-cert-auth the verified client
 * certificate's common name), captured per call and turned into an {@link AuthInfo} by the service
 * that serves it, as etcd's {@code AuthInfoFromCtx} does.
 */
final class Callers {
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The common name a call forwarded over the member's in-process channel carries. */
  private static final Metadata.Key<String> FORWARDED_COMMON_NAME =
      Metadata.Key.of("cairn-forwarded-cn", Metadata.ASCII_STRING_MARSHALLER);

  /** How long a request waits for this member to apply the entry that made its simple token. */
  private static final long TOKEN_APPLY_WAIT_MS = 2_000;

  record Credentials(String token, String commonName) {
    static final Credentials NONE = new Credentials(null, null);
  }

  private static final Context.Key<Credentials> CREDENTIALS = Context.key("cairn-credentials");

  private Callers() {}

  /**
   * Captures each call's credentials.
   *
   * @param certificateUsers whether a verified client certificate names the user
   *     (--client-cert-auth)
   * @param trustForwarded whether the calls come from this member's own in-process channel, whose
   *     forwarded common name is believed
   */
  static ServerInterceptor interceptor(boolean certificateUsers, boolean trustForwarded) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String token = headers.get(TOKEN);
        if (token == null) {
          String a = headers.get(AUTHORIZATION);
          if (a != null) {
            token = a;
          }
        }
        if (token != null && token.startsWith("Bearer ")) {
          token = token.substring("Bearer ".length());
        }
        String cn = null;
        if (trustForwarded) {
          cn = headers.get(FORWARDED_COMMON_NAME);
        } else if (certificateUsers) {
          cn = commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        }
        Context ctx = Context.current().withValue(CREDENTIALS, new Credentials(token, cn));
        return Contexts.interceptCall(ctx, call, headers, next);
      }
    };
  }

  /** Passes the served call's credentials on to the calls made for it on the in-process channel. */
  static ClientInterceptor forwarding() {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        Credentials c = current();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            if (c.token() != null) {
              headers.put(TOKEN, c.token());
            }
            if (c.commonName() != null) {
              headers.put(FORWARDED_COMMON_NAME, c.commonName());
            }
            super.start(listener, headers);
          }
        };
      }
    };
  }

  static Credentials current() {
    Credentials c = CREDENTIALS.get();
    return c == null ? Credentials.NONE : c;
  }

  /**
   * The current call's user, or null when auth is disabled or the call names nobody.
   *
   * @throws StoreException INVALID_AUTH_TOKEN for a token that is not valid
   */
  static AuthInfo resolve(RaftAuth auth) {
    AuthStore store = auth.access();
    if (!store.enabled()) {
      return null;
    }
    Credentials c = current();
    if (c.token() != null) {
      try {
        return store.fromToken(c.token());
      } catch (StoreException e) {
        // A simple token made by another member's Authenticate may not be applied here yet.
        long index = SimpleTokens.indexOf(c.token());
        if (index <= 0) {
          throw e;
        }
        try {
          auth.awaitApplied(index).get(TOKEN_APPLY_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        } catch (Exception timeout) {
          throw e;
        }
        return store.fromToken(c.token());
      }
    }
    if (c.commonName() != null) {
      return store.fromCommonName(c.commonName());
    }
    return null;
  }

  private static String commonName(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
        return null;
      }
      for (Rdn rdn : new LdapName(x.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdn.getValue());
        }
      }
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return null;
    }
    return null;
  }
}

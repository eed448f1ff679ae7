package dev.cairn.store.api.http;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.internal.GrpcAttributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelDuplexHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObject;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client port for gRPC and HTTP/1.1, as etcd serves them: a gRPC server's protocol negotiator
 * that looks at what a new connection sends first. The HTTP/2 connection preface (or, with TLS,
 * ALPN {@code h2}) hands the connection to gRPC; anything else is answered by {@link HttpRoutes}.
 */
public final class SharedPort implements InternalProtocolNegotiator.ProtocolNegotiator {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** How long a connection may stay silent before it says which protocol it speaks. */
  private static final long FIRST_BYTES_TIMEOUT_SECONDS = 30;

  private final SslContext tls;
  private final HttpRoutes routes;
  private final int maxBodyBytes;
  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
      InternalProtocolNegotiators.serverPlaintext();

  /**
   * @param tls the server's TLS context, offering ALPN {@code h2} and {@code http/1.1}; null for a
   *     plain port
   * @param maxBodyBytes the largest HTTP request body accepted
   */
  public SharedPort(SslContext tls, HttpRoutes routes, int maxBodyBytes) {
    this.tls = tls;
    this.routes = routes;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public AsciiString scheme() {
    return AsciiString.of(tls == null ? "http" : "https");
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return tls == null ? new Sniffer(grpcHandler) : new TlsSplitter(grpcHandler);
  }

  @Override
  public void close() {
    plaintext.close();
  }

  /** Replaces {@code self} with the HTTP/1.1 handlers and drops gRPC's write buffering. */
  private void becomeHttp(ChannelHandlerContext ctx, ChannelHandler self) {
    ChannelPipeline p = ctx.pipeline();
    String name = ctx.name();
    p.addAfter(name, "http-codec", new HttpServerCodec());
    p.addAfter("http-codec", "http-aggregator", new HttpObjectAggregator(maxBodyBytes));
    p.addAfter("http-aggregator", "http-routes", new HttpChannelHandler(routes));
    p.addAfter("http-routes", "grpc-commands", new GrpcCommands());
    // gRPC buffers writes until its negotiation ends, which on this connection it never does.
    for (Map.Entry<String, ChannelHandler> e : p) {
      if (e.getValue().getClass().getSimpleName().equals("WriteBufferingAndExceptionHandler")) {
        p.remove(e.getValue());
        break;
      }
    }
  }

  /** Plain port: waits for enough bytes to tell the HTTP/2 preface from an HTTP/1.1 request. */
  private final class Sniffer extends ChannelInboundHandlerAdapter {
    private final GrpcHttp2ConnectionHandler grpcHandler;
    private ProtocolNegotiationEvent pne = InternalProtocolNegotiationEvent.getDefault();
    private ByteBuf seen;
    private ScheduledFuture<?> timeout;

    Sniffer(GrpcHttp2ConnectionHandler grpcHandler) {
      this.grpcHandler = grpcHandler;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      timeout =
          ctx.executor().schedule(() -> ctx.close(), FIRST_BYTES_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ProtocolNegotiationEvent e) {
        pne = e;
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf b)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      seen = seen == null ? b : Unpooled.wrappedBuffer(seen, b);
      int n = Math.min(seen.readableBytes(), PREFACE.length);
      boolean prefaceSoFar = true;
      for (int i = 0; i < n; i++) {
        if (seen.getByte(seen.readerIndex() + i) != PREFACE[i]) {
          prefaceSoFar = false;
          break;
        }
      }
      if (prefaceSoFar && n < PREFACE.length) {
        return; // could still be either
      }
      ByteBuf data = seen;
      seen = null;
      if (prefaceSoFar) {
        ctx.pipeline().addAfter(ctx.name(), null, plaintext.newHandler(grpcHandler));
        ctx.fireUserEventTriggered(pne);
      } else {
        becomeHttp(ctx, this);
      }
      ctx.fireChannelRead(data);
      ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (seen != null) {
        seen.release();
        seen = null;
      }
      super.channelInactive(ctx);
    }
  }

  /** TLS port: the handshake's ALPN choice decides. */
  private final class TlsSplitter extends ChannelInboundHandlerAdapter {
    private final GrpcHttp2ConnectionHandler grpcHandler;
    private ProtocolNegotiationEvent pne = InternalProtocolNegotiationEvent.getDefault();

    TlsSplitter(GrpcHttp2ConnectionHandler grpcHandler) {
      this.grpcHandler = grpcHandler;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addBefore(ctx.name(), null, tls.newHandler(ctx.alloc()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ProtocolNegotiationEvent e) {
        pne = e;
        return;
      }
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          ctx.close();
          return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        String protocol = ssl.applicationProtocol();
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
          Attributes attrs =
              InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder()
                  .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ctx.channel().localAddress())
                  .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ctx.channel().remoteAddress())
                  .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY)
                  .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, ssl.engine().getSession())
                  .build();
          ProtocolNegotiationEvent ready =
              InternalProtocolNegotiationEvent.withSecurity(
                  InternalProtocolNegotiationEvent.withAttributes(pne, attrs),
                  new InternalChannelz.Security(
                      new InternalChannelz.Tls(ssl.engine().getSession())));
          ctx.pipeline()
              .addAfter(
                  ctx.name(),
                  null,
                  InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
          ctx.fireUserEventTriggered(ready);
        } else {
          becomeHttp(ctx, this);
        }
        ctx.pipeline().remove(this);
        return;
      }
      super.userEventTriggered(ctx, evt);
    }
  }

  /**
   * The commands gRPC's transport writes to a connection it believes its own: on an HTTP/1.1
   * connection they mean "close".
   */
  private static final class GrpcCommands extends ChannelDuplexHandler {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpObject || msg instanceof ByteBuf) {
        ctx.write(msg, promise);
        return;
      }
      ReferenceCountUtil.release(msg);
      promise.trySuccess();
      ctx.close();
    }
  }
}

package dev.cairn.store.api.http;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.DecoderException;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.LastHttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.TooLongHttpContentException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers HTTP/1.1 requests on a channel from {@link HttpRoutes}, one at a time, in order. */
final class HttpChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(HttpChannelHandler.class);

  /** Go's http.TimeFormat. */
  private static final java.time.format.DateTimeFormatter HTTP_DATE =
      java.time.format.DateTimeFormatter.ofPattern(
          "EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US);

  private final HttpRoutes routes;

  HttpChannelHandler(HttpRoutes routes) {
    super(true);
    this.routes = routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      write(ctx, HttpAnswer.error(400, "Bad Request"), false, false);
      return;
    }
    Map<String, String> headers = new HashMap<>();
    request
        .headers()
        .forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
    HttpCall call =
        HttpCall.of(
            request.method().name(),
            request.uri(),
            headers,
            ByteBufUtil.getBytes(request.content()));
    boolean head = call.method().equals("HEAD");
    routes
        .answer(call)
        .whenComplete(
            (answer, err) -> {
              HttpAnswer a = err == null ? answer : HttpAnswer.error(500, "Internal Server Error");
              if (a.stream() != null) {
                a.stream().start(new StreamSink(ctx, a, keepAlive));
              } else {
                ctx.executor().execute(() -> write(ctx, a, keepAlive, head));
              }
            });
  }

  private static void write(
      ChannelHandlerContext ctx, HttpAnswer a, boolean keepAlive, boolean head) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(a.status()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.body()));
    headers(response, a);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, "keep-alive");
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void headers(HttpResponse response, HttpAnswer a) {
    if (a.contentType() != null) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
    }
    // etcd's client handlers answer CORS for every origin (its --cors default).
    response.headers().set("Access-Control-Allow-Headers", "accept, content-type, authorization");
    response.headers().set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
    response.headers().set("Access-Control-Allow-Origin", "*");
    response
        .headers()
        .set(
            HttpHeaderNames.DATE,
            HTTP_DATE.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)));
    a.headers().forEach((k, v) -> response.headers().set(k, v));
  }

  /** A chunked response written as its pieces come, on the channel's own thread. */
  private static final class StreamSink implements HttpAnswer.Sink {
    private final ChannelHandlerContext ctx;
    private final HttpAnswer answer;
    private final boolean keepAlive;
    private final java.util.List<Runnable> onClose =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean closed =
        new java.util.concurrent.atomic.AtomicBoolean();
    private boolean started;
    private boolean ended;

    StreamSink(ChannelHandlerContext ctx, HttpAnswer answer, boolean keepAlive) {
      this.ctx = ctx;
      this.answer = answer;
      this.keepAlive = keepAlive;
      ctx.channel().closeFuture().addListener(f -> closed());
    }

    private void begin(int status) {
      if (started) {
        return;
      }
      started = true;
      HttpResponse r =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
      headers(r, answer);
      HttpUtil.setTransferEncodingChunked(r, true);
      ctx.write(r);
    }

    @Override
    public void send(int status, byte[] piece) {
      ctx.executor()
          .execute(
              () -> {
                if (ended || !ctx.channel().isActive()) {
                  return;
                }
                begin(status);
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(piece)));
              });
    }

    @Override
    public void end() {
      ctx.executor()
          .execute(
              () -> {
                if (ended) {
                  return;
                }
                ended = true;
                if (ctx.channel().isActive()) {
                  begin(answer.status());
                  var done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                  if (!keepAlive) {
                    done.addListener(ChannelFutureListener.CLOSE);
                  }
                }
                closed();
              });
    }

    @Override
    public boolean isOpen() {
      return !closed.get();
    }

    @Override
    public void onClose(Runnable r) {
      onClose.add(r);
      if (closed.get()) {
        r.run();
      }
    }

    private void closed() {
      if (closed.compareAndSet(false, true)) {
        onClose.forEach(Runnable::run);
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongHttpContentException
        || cause.getCause() instanceof TooLongHttpContentException) {
      write(ctx, HttpAnswer.error(413, "Request Entity Too Large"), false, false);
      return;
    }
    if (cause instanceof DecoderException) {
      write(ctx, HttpAnswer.error(400, "Bad Request"), false, false);
      return;
    }
    log.debug(
        "closing an HTTP connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}

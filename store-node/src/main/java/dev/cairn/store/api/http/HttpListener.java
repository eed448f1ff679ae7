package dev.cairn.store.api.http;

import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** An HTTP/1.1-only listener, as etcd's --listen-metrics-urls: metrics and health, nothing else. */
public final class HttpListener implements AutoCloseable {
  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final EventLoopGroup group;
  private final List<Channel> channels;

  private HttpListener(EventLoopGroup group, List<Channel> channels) {
    this.group = group;
    this.channels = channels;
  }

  /** Binds every address and starts answering from {@code routes}. */
  public static HttpListener start(List<InetSocketAddress> addresses, HttpRoutes routes)
      throws IOException {
    EventLoopGroup group = new NioEventLoopGroup(1);
    List<Channel> bound = new ArrayList<>();
    try {
      ServerBootstrap b =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                          .addLast(new HttpChannelHandler(routes));
                    }
                  });
      for (InetSocketAddress a : addresses) {
        bound.add(b.bind(a).syncUninterruptibly().channel());
      }
    } catch (RuntimeException e) {
      group.shutdownGracefully();
      throw new IOException("cannot listen for metrics on " + addresses + ": " + e.getMessage(), e);
    }
    return new HttpListener(group, bound);
  }

  /** The addresses actually bound (useful with port 0). */
  public List<InetSocketAddress> boundAddresses() {
    return channels.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
  }

  @Override
  public void close() {
    channels.forEach(c -> c.close().syncUninterruptibly());
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}

package dev.cairn.store.api.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP response.
 *
 * @param status the status code
 * @param contentType the Content-Type header, or null for none
 * @param body the whole body
 * @param headers further headers
 */
public record HttpAnswer(
    int status, String contentType, byte[] body, Map<String, String> headers, BodyStream stream) {
  public HttpAnswer(int status, String contentType, byte[] body, Map<String, String> headers) {
    this(status, contentType, body, headers, null);
  }

  /** A body written piece by piece, for as long as it lasts (a watch, a snapshot). */
  public interface BodyStream {
    void start(Sink sink);
  }

  /** Where a streamed body goes. */
  public interface Sink {
    /** Writes a piece; the first one fixes the response's status. */
    void send(int status, byte[] piece);

    /** Ends the body. */
    void end();

    /** Whether the client is still there. */
    boolean isOpen();

    /** Runs {@code r} once the client goes away or the body ends. */
    void onClose(Runnable r);
  }

  static HttpAnswer streaming(String contentType, BodyStream stream) {
    return new HttpAnswer(
        200,
        contentType,
        new byte[0],
        Map.of("Grpc-Metadata-Content-Type", "application/grpc"),
        stream);
  }

  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";

  static HttpAnswer text(int status, String body) {
    return new HttpAnswer(
        status,
        TEXT,
        body.getBytes(StandardCharsets.UTF_8),
        Map.of("X-Content-Type-Options", "nosniff"));
  }

  static HttpAnswer json(int status, String body) {
    return new HttpAnswer(status, JSON, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** Go's {@code http.Error}: the message and a newline, as plain text. */
  static HttpAnswer error(int status, String message) {
    return text(status, message + "\n");
  }

  /** Go's answer to a method a handler does not allow. */
  static HttpAnswer methodNotAllowed(String allowed) {
    HttpAnswer a = error(405, "Method Not Allowed");
    return new HttpAnswer(
        a.status(),
        a.contentType(),
        a.body(),
        Map.of("Allow", allowed, "X-Content-Type-Options", "nosniff"));
  }

  /** Go's {@code http.NotFound}. */
  static HttpAnswer notFound() {
    return error(404, "404 page not found");
  }

  /** The body as text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}

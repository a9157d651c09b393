package dev.atomkv.server.http;

import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.auth.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What an HTTP edge's handler does before and after its protocol: reading the bearer token and
 * the access it grants, reading a body no larger than allowed, writing an answer, and turning
 * every failure, thrown at once or completed later, into the edge's own error answer. An edge
 * supplies its routes, its error answer and its refusal of a body too large.
 */
public abstract class EdgeHandler extends Handler.Abstract {
  private static final String BEARER = "bearer ";

  private final Authenticator authenticator;
  private final int maxRequestBytes;
  private final Executor responseExecutor;

  /**
   * @param authenticator who a token acts as, asked on every request (so a reload or a
   *     revocation applies at once)
   * @param maxRequestBytes largest request body accepted
   * @param responseExecutor where answers that complete later (commits) are written from, so the
   *     engine's writer thread only hands over
   */
  protected EdgeHandler(Authenticator authenticator, int maxRequestBytes,
      Executor responseExecutor) {
    this.authenticator = authenticator;
    this.maxRequestBytes = maxRequestBytes;
    this.responseExecutor = responseExecutor;
  }

  @Override
  public final boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (RuntimeException | IOException e) {
      drainUnread(request);
      fail(response, callback, e);
    }
    return true;
  }

  /**
   * Reads and drops what is left of a body that a refusal did not need (a request refused on
   * its path, method or token before its body was read). Jetty closes a connection whose request
   * body was left unread once the answer is out, without saying so in the answer; a client that
   * meanwhile sent its next request on that pooled connection sees it close with no answer. A
   * body over the limit is not read: that refusal ends the connection anyway.
   */
  private void drainUnread(Request request) {
    if (request.getLength() > maxRequestBytes) {
      return;
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      in.readNBytes(maxRequestBytes + 1);
    } catch (IOException | RuntimeException e) {
      // The client went away or sent a broken body: nothing to keep the connection for.
    }
  }

  /** Answers one request, now or later; what it throws is answered by {@link #fail}. */
  protected abstract void route(Request request, Response response, Callback callback)
      throws IOException;

  /** Answers a failure in the edge's own way. No stack trace reaches a client. */
  protected abstract void fail(Response response, Callback callback, Throwable failure);

  /** The edge's refusal of a body larger than allowed, with {@code message} as its text. */
  protected abstract RuntimeException tooLarge(String message);

  /** Whether the server runs without tokens, so every request may read and write. */
  protected final boolean authenticationOff() {
    return !authenticator.required();
  }

  /** Who {@code token} acts as (see {@link Authenticator}), or null when it is refused. */
  protected final Principal access(String token) {
    return authenticator.authenticate(token);
  }

  /** The token of an {@code Authorization: Bearer} header (the scheme in any case), or null. */
  protected static String bearer(Request request) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.length() <= BEARER.length()
        || !header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return null;
    }
    return header.substring(BEARER.length()).strip();
  }

  /**
   * The whole body, refused when its declared length is too large, or once more than the limit
   * arrives (a chunked body declares none), so a large body is never held in memory.
   */
  protected final byte[] body(Request request) throws IOException {
    if (request.getLength() > maxRequestBytes) {
      throw tooLarge();
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] body = in.readNBytes(maxRequestBytes + 1);
      if (body.length > maxRequestBytes) {
        throw tooLarge();
      }
      return body;
    }
  }

  private RuntimeException tooLarge() {
    return tooLarge("Request too large (max " + maxRequestBytes + " bytes)");
  }

  /**
   * Answers when {@code result} completes: {@code ok} with its value, or {@link #fail} with its
   * failure, from the response executor rather than the thread that completed it.
   */
  protected final <T> void answerLater(CompletableFuture<T> result, Response response,
      Callback callback, Consumer<T> ok) {
    result.whenCompleteAsync((out, failure) -> {
      if (failure != null) {
        fail(response, callback, failure);
      } else {
        ok.accept(out);
      }
    }, responseExecutor);
  }

  /** Writes a whole answer with its length. */
  protected static void send(Response response, Callback callback, int status, String type,
      byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}

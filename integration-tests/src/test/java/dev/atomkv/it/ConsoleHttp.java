package dev.atomkv.it;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls to the web console's JSON API (docs/console.md), as a browser makes them. */
final class ConsoleHttp {
  /** An answer: its HTTP status and JSON body. */
  record Answer(int status, JsonObject body) {
    String code() {
      return body.get("code").getAsString();
    }

    String message() {
      return body.get("message").getAsString();
    }
  }

  /** A gRPC stub that presents {@code token}, to write beside the console. */
  static KvServiceBlockingStub withToken(KvServiceBlockingStub stub, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String token;

  /** @param token the bearer token to send, or null for none */
  ConsoleHttp(int port, String token) {
    this.base = "http://127.0.0.1:" + port;
    this.token = token;
  }

  Answer post(String path, String json) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request(path, json).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), JsonParser.parseString(r.body()).getAsJsonObject());
  }

  Answer post(String path, JsonElement body) throws IOException, InterruptedException {
    return post(path, body.toString());
  }

  /** The answer of a call that must succeed. */
  JsonObject ok(String path, String json) throws IOException, InterruptedException {
    Answer a = post(path, json);
    if (a.status() != 200) {
      throw new AssertionError(path + " answered " + a.status() + ": " + a.body());
    }
    return a.body();
  }

  HttpRequest.Builder request(String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  HttpClient client() {
    return http;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}

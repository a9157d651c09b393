package dev.atomkv.server.kvconnect;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * KV Connect's metadata exchange: the client offers protocol versions, the server answers with the
 * version, the database id, the data path endpoints (a cluster member adds an eventual one) and
 * the token for them. The answer has exactly
 * the fields Deno's clients know (the npm client rejects any other).
 */
final class Metadata {
  static final String ENDPOINT = "/v2";
  /** A cluster member's reads from its own store, as they are (no round through the leader). */
  static final String EVENTUAL_ENDPOINT = "/v2/eventual";
  /** Clients fetch the metadata again about every minute; the token itself does not expire. */
  static final long VALID_SECONDS = 3600;

  private Metadata() {}

  /** The version both sides speak: 3 when offered, else 2. */
  static int negotiate(byte[] body) {
    Struct req;
    try {
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(new String(body, StandardCharsets.UTF_8), b);
      req = b.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw HttpFailure.badRequest("Invalid metadata exchange request: expected JSON "
          + "{\"supportedVersions\": [...]}");
    }
    com.google.protobuf.Value versions = req.getFieldsMap().get("supportedVersions");
    if (versions == null || !versions.hasListValue()) {
      throw HttpFailure.badRequest("Invalid metadata exchange request: supportedVersions missing");
    }
    boolean two = false;
    for (com.google.protobuf.Value v : versions.getListValue().getValuesList()) {
      if (v.getNumberValue() == 3) {
        return 3;
      }
      two |= v.getNumberValue() == 2;
    }
    if (!two) {
      throw HttpFailure.badRequest("No supported protocol version: this server speaks KV Connect "
          + "versions 2 and 3 (version 1 is not supported)");
    }
    return 2;
  }

  /** @param eventual whether to list {@link #EVENTUAL_ENDPOINT} beside the strong one */
  static String answer(int version, UUID databaseId, boolean eventual, String token,
      Instant now) {
    Instant expires = now.plusSeconds(VALID_SECONDS).truncatedTo(ChronoUnit.SECONDS);
    return "{\"version\":" + version
        + ",\"databaseId\":\"" + databaseId + "\""
        + ",\"endpoints\":[{\"url\":\"" + ENDPOINT + "\",\"consistency\":\"strong\"}"
        + (eventual
            ? ",{\"url\":\"" + EVENTUAL_ENDPOINT + "\",\"consistency\":\"eventual\"}" : "")
        + "]"
        + ",\"token\":\"" + jsonEscape(token) + "\""
        + ",\"expiresAt\":\"" + expires + "\"}";
  }

  private static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
